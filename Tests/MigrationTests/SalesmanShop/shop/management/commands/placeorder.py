"""Runs a checkout through salesman on the database as it is (after a migration): a new customer, a
basket, an order with a payment and a note, and a new permission. Fails when a new row's key is not above
the keys already there or when salesman cannot resolve the products through their content types. Prints
the new keys: run on a copy of the SQLite file and on the migrated database, the outputs must be equal
(the auto-increment counters were carried over, ids deleted at the top are not reused)."""
from decimal import Decimal

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.test import RequestFactory
from salesman.basket.models import Basket, BasketItem
from salesman.orders.models import Order, OrderItem, OrderNote, OrderPayment

from shop.models import Bundle, Product


class Command(BaseCommand):
    help = "Places one order through salesman and checks the new keys."

    @transaction.atomic
    def handle(self, *args, **options):
        models = [User, Basket, BasketItem, Order, OrderItem, OrderPayment, OrderNote, Permission]
        before = {m: m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in models}
        user = User.objects.create(username="neukunde", email="neu@example.com", first_name="Neu 🆕")
        request = RequestFactory().get("/")
        request.user, request.session = user, {}
        basket = Basket.objects.create(user=user)
        basket.add(Product.objects.order_by("pk").first(), quantity=2)
        basket.add(Bundle.objects.order_by("pk").first())
        basket.extra = {"email": user.email, "shipping_address": "Neuweg 1\n10115 Berlin", "shipping": "express"}
        basket.save()
        basket.update(request)
        order = Order.objects.create_from_basket(basket, request)
        if {str(i.product) for i in basket.get_items()} != {str(i.product) for i in order.items.all()}:
            raise CommandError("order items do not resolve to the basket's products")
        order.pay(order.total, "TX-NEU", "invoice")
        OrderNote.objects.create(order=order, message="nach der Migration")
        Permission.objects.create(codename="audit_order", name="Can audit orders",
                                  content_type=ContentType.objects.get_for_model(Order))
        for model in models:
            new = model.objects.order_by("-pk").first().pk
            if new <= before[model]:
                raise CommandError(f"{model._meta.label}: new key {new} is not above the existing {before[model]}")
            self.stdout.write(f"{model._meta.label} new key {new}")
        self.stdout.write(f"order {order.ref}: {order.total} paid={order.is_paid}")
