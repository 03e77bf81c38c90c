"""Places one order through oscar's checkout code on the database as it is (after a migration) and prints
the new rows' keys. Run on a copy of the SQLite file and on the migrated database: the outputs must be
equal (auto-increment counters carried over, ids deleted at the top not reused)."""
from decimal import Decimal

from django.contrib.auth.models import User
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.test import RequestFactory
from oscar.core.loading import get_class, get_model

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
Country = get_model("address", "Country")
Order = get_model("order", "Order")
OrderLine = get_model("order", "Line")
ShippingAddress = get_model("order", "ShippingAddress")
Product = get_model("catalogue", "Product")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")


class Command(BaseCommand):
    help = "Places one order through oscar and prints the new keys."

    @transaction.atomic
    def handle(self, *args, **options):
        models = [User, Basket, BasketLine, Order, OrderLine, ShippingAddress, Source]
        before = {m: m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in models}
        user = User.objects.create(username="neukunde", email="neu@example.com", first_name="Neu 🆕")
        request = RequestFactory().get("/")
        request.user, request.site = user, Site.objects.get_current()
        basket = Basket.objects.create(owner=user)
        basket.strategy = get_class("partner.strategy", "Default")(request)
        for product in Product.objects.filter(stockrecords__num_in_stock__gt=10).order_by("pk")[:2]:
            basket.add_product(product, quantity=2)
        method = get_class("shipping.methods", "FixedPrice")(charge_excl_tax=Decimal("4.12"), charge_incl_tax=Decimal("4.90"))
        charge = method.calculate(basket)
        total = get_class("checkout.calculators", "OrderTotalCalculator")(request).calculate(basket, charge)
        address = ShippingAddress.objects.create(first_name="Neu", last_name="Kunde", line1="Neuweg 1", line4="Berlin",
                                                 postcode="10115", country=Country.objects.get(pk="DE"))
        order = get_class("order.utils", "OrderCreator")().place_order(
            basket=basket, total=total, shipping_method=method, shipping_charge=charge, user=user, shipping_address=address,
            order_number=get_class("order.utils", "OrderNumberGenerator")().order_number(basket), request=request)
        Source.objects.create(order=order, source_type=SourceType.objects.get(code="rechnung"), currency=order.currency,
                              amount_allocated=order.total_incl_tax, amount_debited=order.total_incl_tax, reference="NEU")
        for model in models:
            new = model.objects.order_by("-pk").first().pk
            if new <= before[model]:
                raise CommandError(f"{model._meta.label}: new key {new} is not above the existing {before[model]}")
            self.stdout.write(f"{model._meta.label} new key {new}")
        self.stdout.write(f"order {order.number}: {order.total_incl_tax} {order.currency}, {order.num_items} items")
