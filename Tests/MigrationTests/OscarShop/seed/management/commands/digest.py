"""Prints one line per model (every installed app, many-to-many tables included, unmanaged models skipped):
row count and a digest of every object as Django reads it, then totals oscar computes from them. Two
databases hold the same shop when the outputs are equal."""
import hashlib

from django.apps import apps
from django.core.management.base import BaseCommand
from oscar.core.loading import get_model


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
            if not model._meta.managed:
                continue
            fields = [f.attname for f in model._meta.concrete_fields]
            # Sorted here, not by the database: collations order text keys differently.
            rows = sorted(model._base_manager.values_list(*fields), key=lambda r: r[fields.index(model._meta.pk.attname)])
            count, value = digest(rows)
            self.stdout.write(f"{model._meta.label} {count} {value}")
        Order = get_model("order", "Order")
        Product = get_model("catalogue", "Product")
        derived = [
            ("orders → lines, payments", (
                (o.number, o.basket_total_incl_tax, o.num_items, o.total_discount_incl_tax,
                 sorted((s.reference, s.amount_debited) for s in o.sources.all()))
                for o in Order.objects.order_by("number").prefetch_related("lines", "sources", "discounts"))),
            ("products → category, stock", (
                (p.upc, p.get_title(), [c.full_name for c in p.categories.all()], [(s.partner_sku, s.price) for s in p.stockrecords.all()],
                 sorted((v.attribute.code, v.value) for v in p.attribute_values.all()))
                for p in Product.objects.order_by("upc").prefetch_related("categories", "stockrecords", "attribute_values__attribute"))),
        ]
        for label, rows in derived:
            count, value = digest(rows)
            self.stdout.write(f"{label} {count} {value}")
