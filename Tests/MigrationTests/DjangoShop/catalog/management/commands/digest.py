import hashlib

from django.core.management.base import BaseCommand

from catalog.models import Category, Customer, Order, OrderLine, Product, Tag


class Command(BaseCommand):
    help = "Prints a digest of every object as Django reads it, to compare two databases."

    def handle(self, *args, **options):
        h = hashlib.sha256()
        for model in (Category, Product, Customer, Order, OrderLine, Tag):
            fields = [f.attname for f in model._meta.concrete_fields]
            for obj in model.objects.order_by("pk"):
                h.update(repr(tuple(getattr(obj, f) for f in fields)).encode())
        for product in Product.objects.order_by("pk"):
            h.update(repr(sorted(product.tags.values_list("pk", flat=True))).encode())
        self.stdout.write(h.hexdigest())
