"""Fills the shop the way it fills in production: customers sign up, put products in baskets, check out
through salesman, pay, get notes; staff edit what the data migration seeded. Values are the ones that go
wrong in migrations: cents, microseconds, JSON, 4-byte emoji, trailing spaces, big and zero numbers."""
import datetime
import random
import uuid
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone
from salesman.basket.models import BASKET_ID_SESSION_KEY, Basket
from salesman.orders.models import Order, OrderNote

from shop.models import Banner, Bundle, Category, Customer, Product, Review, ShippingMethod

NAMES = ["Zoë Ødegård", "Jürgen Groß", "Siobhán Ní Bhriain", "Łukasz Żółć", "田中 花子", "Ahmet Yılmaz", "Chloé Dubois ",
         "Ólafur Þórsson", "Μαρία Παπαδοπούλου", "Иван Петров"]
WORDS = ["Crème", "Smörgås", "日本茶", "Piñata", "Kaffeebohnen", "Tasse ", "Ölkanne", "🔥 Angebot", "Brötchen", "Teekanne 🫖"]


class Command(BaseCommand):
    help = "Fills the shop through django-salesman with deterministic sample data."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=300, help="number of products; the rest scales with it")

    @transaction.atomic
    def handle(self, *args, scale, **options):
        rnd = random.Random(11)
        base = datetime.datetime(2024, 3, 31, 0, 30, tzinfo=datetime.timezone.utc)
        self.staff_edits_seeded_rows()
        products, bundles = self.catalog(rnd, scale, base)
        users = self.customers(rnd, scale // 2, base)
        factory = RequestFactory()
        for i in range(scale * 2):
            user = rnd.choice(users + [None])
            request = factory.get("/")
            request.user = user
            request.session = {}
            self.checkout(rnd, i, request, user, products, bundles, base)
        self.open_baskets(rnd, users, products, bundles)
        self.reviews(rnd, users, products, base)
        self.sessions_and_admin_log(rnd, users)
        self.stdout.write(f"filled {scale} products, {len(users)} customers, {Order.objects.count()} orders")

    def staff_edits_seeded_rows(self):
        """What staff do in the admin to the rows the data migration seeded: prices change, a method goes,
        new ones come, the banner is removed, a group is added, a custom permission is created."""
        ShippingMethod.objects.filter(code="express").update(price=Decimal("13.95"), label="Express  – nächster Werktag ")
        ShippingMethod.objects.filter(code="pickup").delete()
        ShippingMethod.objects.create(code="lastenrad", label="Lastenrad-Kurier 🚲", price=Decimal("7.00"), position=3)
        ShippingMethod.objects.create(code="spedition", label="Spedition", price=Decimal("89.99"), position=4, active=False)
        Banner.objects.all().delete()
        Site.objects.filter(pk=1).update(domain="laden.example.com", name="Mein Laden ✨")
        order_type = ContentType.objects.get(app_label="salesmanorders", model="order")
        export = Permission.objects.create(codename="export_order", name="Can export orders", content_type=order_type)
        accounting = Group.objects.create(name="Buchhaltung")
        accounting.permissions.set([export, Permission.objects.get(codename="view_order")])
        Group.objects.get(name="Kundendienst").permissions.add(Permission.objects.get(codename="change_basket"))

    def catalog(self, rnd, scale, base):
        root = Category.objects.create(name="Küche & Haus", slug="kueche-haus")
        cats = [root] + [Category.objects.create(name=f"Rayon {i} · café ", slug=f"rayon-{i}", parent=root) for i in range(8)]
        products = []
        for i in range(1, scale + 1):
            price = Decimal(rnd.choice([1, 99, 100, 499, 1999, 2995, 123456, 99999999])) / 100
            products.append(Product.objects.create(
                name=f"{rnd.choice(WORDS)} Nº{i}", code=f"SKU-{i:05d}" + (" " if i % 50 == 0 else ""),
                description=("Zeile 1\nZeile 2\t„Anführung“ 'single' back\\slash 😀 " if i % 3 else ""),
                price=price, weight_kg=(rnd.random() * 10 if i % 4 else None), stock=rnd.randint(0, 500),
                active=bool(i % 9), public_id=uuid.UUID(int=rnd.getrandbits(128), version=4),
                attributes={"farbe": rnd.choice(["rot", "blå", "绿色"]), "n": i, "maße": {"cm": [10, 2.5, None]},
                            "emoji": "🛒", "leer": ""},
                category=rnd.choice(cats + [None]),
                released=(base + datetime.timedelta(days=i)).date() if i % 5 else None))
        Product.objects.update(created_at=base)  # auto_now_add: then set to the catalogue's history
        for p in products[::7]:
            Product.objects.filter(pk=p.pk).update(created_at=base + datetime.timedelta(seconds=p.pk * 37, microseconds=p.pk * 1013 % 1_000_000))
        bundles = []
        for i in range(1, scale // 10 + 1):
            bundle = Bundle.objects.create(name=f"Set {i}: {rnd.choice(WORDS)} & Co.", code=f"SET-{i:04d}",
                                           discount_percent=Decimal(rnd.choice(["5.00", "12.50", "33.33"])))
            bundle.products.set(rnd.sample(products, 3))
            bundles.append(bundle)
        return products, bundles

    def customers(self, rnd, count, base):
        password = make_password("kunde-passwort")  # one hash: hashing is deliberately slow
        staff = User.objects.create(username="admin", email="admin@laden.example", is_staff=True, is_superuser=True,
                                    password=password, date_joined=base)
        staff.groups.set(Group.objects.all())
        users = []
        shipping = list(ShippingMethod.objects.order_by("pk"))
        for i in range(1, count + 1):
            first, _, last = rnd.choice(NAMES).partition(" ")
            user = User.objects.create(username=f"kunde{i}", email=f"kunde{i}@example.com", first_name=first,
                                       last_name=last, password=password,
                                       date_joined=base + datetime.timedelta(hours=i, microseconds=123_456 + i),
                                       last_login=(base + datetime.timedelta(days=i % 30, microseconds=999_999)) if i % 2 else None)
            Customer.objects.create(
                user=user, phone=f"+49 30 {rnd.randint(1000000, 9999999)}",
                birthday=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28) if i % 3 else None,
                newsletter=bool(i % 2), loyalty_points=rnd.choice([0, 1, 2**31, 2**53 + 1]),
                address={"straße": f"Hauptstraße {i}", "plz": f"{10115 + i:05d}", "ort": "Berlin", "land": "DE",
                         "zusatz": None if i % 4 else "Hinterhaus, 3. OG 🏢"},
                preferred_shipping=rnd.choice(shipping + [None]),
                note="" if i % 5 else "Bitte klingeln  \n")
            users.append(user)
        Group.objects.get(name="Kundendienst").user_set.add(*users[:2])
        return users

    def checkout(self, rnd, i, request, user, products, bundles, base):
        basket = Basket.objects.create(user=user)
        for product in rnd.sample(products, rnd.randint(1, 4)) + (rnd.sample(bundles, 1) if i % 6 == 0 else []):
            basket.add(product, quantity=rnd.randint(1, 5), extra={"geschenk": i % 4 == 0, "gravur": "Für Oma ❤️ " if i % 8 == 0 else None})
        basket.extra = {
            "email": user.email if user else f"gast{i}@example.org",
            "shipping_address": f"{user.get_full_name() if user else 'Gast'}\nHauptstraße {i}\n10115 Berlin ",
            "billing_address": "" if i % 3 else "Firma GmbH\nRechnungsweg 1\n80331 München",
            "shipping": rnd.choice(["standard", "express", "lastenrad"]),
            "kommentar": rnd.choice(["", "Bitte nicht knicken 📦", "  leading and trailing  "]),
        }
        basket.save()
        basket.update(request)
        order = Order.objects.create_from_basket(basket, request)
        basket.delete()
        # The order moves through salesman's status workflow; payments by invoice, some in two parts.
        path = rnd.choice([[], ["PROCESSING"], ["PROCESSING", "SHIPPED"], ["PROCESSING", "SHIPPED", "COMPLETED"],
                           ["CANCELLED"], ["HOLD", "FAILED"], ["PROCESSING", "COMPLETED", "REFUNDED"]])
        if path and path[0] in ("PROCESSING", "HOLD"):
            if i % 5 == 0 and order.total > Decimal("0.02"):
                first = (order.total / 3).quantize(Decimal("0.01"))
                order.pay(first, f"TX-{i:06d}-a", "invoice")
                order.pay(order.total - first, f"TX-{i:06d}-b", "invoice")
            else:
                order.pay(order.total, f"TX-{i:06d}", "invoice")
        for status in path:
            order.status = status
            order.save(update_fields=["status", "date_updated"])
        if i % 4 == 0:
            OrderNote.objects.create(order=order, message=rnd.choice(["Danke für Ihre Bestellung 🙏🏽", "Paket beschädigt — Ersatz geschickt ", "Kunde ruft zurück.\n\n"]), public=bool(i % 8))
        # Orders came in over months: historic creation times with microseconds.
        Order.objects.filter(pk=order.pk).update(date_created=base + datetime.timedelta(minutes=i * 17, microseconds=(i * 7919) % 1_000_000))

    def open_baskets(self, rnd, users, products, bundles):
        for user in users[::3] + [None] * 5:
            basket = Basket.objects.create(user=user, extra={"shipping": "standard", "notiz": "später kaufen 🕒"})
            for product in rnd.sample(products, rnd.randint(1, 3)):
                basket.add(product, quantity=rnd.randint(1, 9))
            basket.add(bundles[0])

    def reviews(self, rnd, users, products, base):
        for i, product in enumerate(products[::2]):
            Review.objects.create(product=product, user=rnd.choice(users + [None]), rating=1 + i % 5,
                                  title=rnd.choice(["Super!", "Geht so …", "😍😍😍", "Nie wieder "]),
                                  body="Lange Rezension.\n" * (i % 4), created_at=base + datetime.timedelta(days=i, microseconds=i))

    def sessions_and_admin_log(self, rnd, users):
        for user in users[:20]:
            session = SessionStore()
            session["_auth_user_id"] = str(user.pk)
            session[BASKET_ID_SESSION_KEY] = Basket.objects.filter(user=user).values_list("pk", flat=True).first()
            session.create()
        staff = User.objects.get(username="admin")
        LogEntry.objects.log_actions(staff.pk, Order.objects.order_by("pk")[:15], CHANGE, change_message="Status geändert 📝")
        LogEntry.objects.log_actions(staff.pk, ShippingMethod.objects.filter(code="express"), CHANGE, change_message="Preis angepasst")
        LogEntry.objects.update(action_time=timezone.now().replace(microsecond=654321))
