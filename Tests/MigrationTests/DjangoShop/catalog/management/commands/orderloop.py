import datetime
import os
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.models import Customer, Order, OrderLine, Product


class Command(BaseCommand):
    help = ("Places orders until STOP_FILE exists, on the database SHOP_SWITCH_FILE names ('sqlite' or 'mysql'), "
            "re-read before every order like a reloaded setting. Each acknowledged order is written to OUT_FILE as "
            "'<alias> <id>', each error as 'error <message>'.")

    def add_arguments(self, parser):
        parser.add_argument("out_file")
        parser.add_argument("stop_file")

    def handle(self, *args, out_file, stop_file, **options):
        switch = os.environ["SHOP_SWITCH_FILE"]
        n = 0
        with open(out_file, "a", buffering=1) as out:
            while not os.path.exists(stop_file):
                n += 1
                alias = "mariadb" if open(switch).read().strip() == "mysql" else "default"
                try:
                    with transaction.atomic(using=alias):
                        customer = Customer.objects.using(alias).order_by("id").first()
                        product = Product.objects.using(alias).order_by("id")[n % 50]
                        order = Order.objects.using(alias).create(
                            customer=customer, total=Decimal("12.34"), placed_at=datetime.datetime.now(datetime.timezone.utc))
                        OrderLine.objects.using(alias).create(order=order, product=product, quantity=1, unit_price=Decimal("12.34"))
                    out.write(f"{alias} {order.id}\n")
                except Exception as error:  # the run records what an application would see
                    out.write(f"error {type(error).__name__}: {error}\n".replace("\n", " ") + "\n")
                time.sleep(0.01)
