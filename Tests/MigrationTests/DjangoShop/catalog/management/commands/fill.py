import datetime
import random
import uuid
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.models import Category, Customer, Order, OrderLine, Product, Tag


class Command(BaseCommand):
    help = "Deterministic sample data with the values that go wrong in migrations."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=200)

    @transaction.atomic
    def handle(self, *args, scale, **options):
        rnd = random.Random(7)
        base = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
        root = Category.objects.create(name="Küche & Haus", slug="kueche")
        cats = [root] + [Category.objects.create(name=f"Rayon {i} · café", slug=f"rayon-{i}", parent=root) for i in range(5)]
        tags = [Tag.objects.create(label=label) for label in ["neu", "günstig", "🔥", "bio"]]
        products = []
        for i in range(1, scale + 1):
            p = Product.objects.create(
                sku=f"SKU-{i:05d}", title=f"Produkt Nº{i} — {rnd.choice(['Crème', 'Smörgås', '日本', 'Piñata'])}",
                description="Zeile 1\nZeile 2\t„Anführung“ 'single' back\\slash" if i % 3 else "",
                price=Decimal(rnd.randint(1, 999_999)) / 100, weight_kg=rnd.random() * 10 if i % 4 else None,
                stock=rnd.randint(0, 500), active=bool(i % 7), attributes={"color": rnd.choice(["rot", "blå"]), "n": i, "nested": {"a": [1, 2.5, None]}},
                public_id=uuid.UUID(int=rnd.getrandbits(128), version=4), category=rnd.choice(cats + [None]),
                created_at=base + datetime.timedelta(seconds=i * 37, microseconds=i % 1_000_000),
                release_date=(base + datetime.timedelta(days=i)).date() if i % 5 else None, views=rnd.randint(0, 2**40))
            p.tags.set(rnd.sample(tags, rnd.randint(0, 3)))
            products.append(p)
        customers = [Customer.objects.create(email=f"kunde{i}@example.com", name=f"Zoë {i} Ødegård",
                                             joined=base + datetime.timedelta(hours=i, microseconds=123456)) for i in range(1, scale // 2 + 1)]
        for i in range(1, scale + 1):
            lines = rnd.sample(products, rnd.randint(1, 3))
            order = Order.objects.create(customer=rnd.choice(customers), total=Decimal("0.00"),
                                         placed_at=base + datetime.timedelta(minutes=i, microseconds=999_999))
            total = Decimal("0.00")
            for product in lines:
                q = rnd.randint(1, 4)
                OrderLine.objects.create(order=order, product=product, quantity=q, unit_price=product.price)
                total += product.price * q
            order.total = total
            order.save()
        self.stdout.write(f"filled {scale} products")
