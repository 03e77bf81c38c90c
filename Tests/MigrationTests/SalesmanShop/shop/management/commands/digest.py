"""Prints one line per model (every installed app, many-to-many tables included): row count and a digest of
every object as Django reads it, then what salesman computes from them (generic product relations, amounts
paid, extra rows). Two databases hold the same shop when the outputs are equal."""
import hashlib

from django.apps import apps
from django.core.management.base import BaseCommand
from salesman.basket.models import Basket, BasketItem
from salesman.orders.models import Order, OrderItem


def digest(rows):
    h = hashlib.sha256()
    count = 0
    for row in rows:
        h.update(repr(row).encode())
        h.update(b"\x00")
        count += 1
    return count, h.hexdigest()[:32]


class Command(BaseCommand):
    help = "Digest of every object as Django reads it, per model, to compare two databases."

    def handle(self, *args, **options):
        for model in sorted(apps.get_models(include_auto_created=True), key=lambda m: m._meta.label):
            fields = [f.attname for f in model._meta.concrete_fields]
            # Sorted here, not by the database: collations order text keys differently.
            objects = sorted(model._base_manager.all(), key=lambda o: o.pk)
            count, value = digest(tuple((f, getattr(o, f)) for f in fields) for o in objects)
            self.stdout.write(f"{model._meta.label} {count} {value}")
        derived = [
            ("basket items → product", (
                (i.pk, i.product_content_type.app_label, i.product_content_type.model, str(i.product), i.code)
                for i in BasketItem.objects.order_by("pk"))),
            ("order items → product", (
                (i.pk, i.product_type, str(i.product) if i.product_content_type_id else None, i.extra, i.extra_rows)
                for i in OrderItem.objects.order_by("pk"))),
            ("orders → paid", (
                (o.pk, o.ref, o.status_display, o.amount_paid, o.amount_outstanding, o.is_paid, o.extra, o.extra_rows,
                 sorted(n.message for n in o.notes.all()))
                for o in Order.objects.order_by("pk"))),
            ("baskets → quantity", ((b.pk, b.count, b.quantity) for b in Basket.objects.order_by("pk"))),
        ]
        for label, rows in derived:
            count, value = digest(rows)
            self.stdout.write(f"{label} {count} {value}")
