"""Fills an oscar shop with a realistic volume (about 9.5 rows per product: with --scale 16000 about 152,000
rows). Bulk rows come from bulk_create on oscar's models; a few dozen orders go through oscar's own
checkout code (strategy pricing, OrderCreator, payment sources and events)."""
import datetime
import random
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from oscar.core.loading import get_class, get_model

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
ProductReview = get_model("reviews", "ProductReview")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")
Order = get_model("order", "Order")
OrderLine = get_model("order", "Line")
OrderNote = get_model("order", "OrderNote")
OrderStatusChange = get_model("order", "OrderStatusChange")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventType = get_model("order", "PaymentEventType")
ShippingAddress = get_model("order", "ShippingAddress")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")

WORDS = ["Crème", "Smörgås", "日本茶", "Piñata", "Kaffeebohnen", "Tasse ", "Ölkanne", "🔥 Angebot", "Brötchen", "Teekanne 🫖",
         "Straße", "Ærø", "Čaj", "Ελιά", "Хлеб"]
NAMES = ["Zoë", "Jürgen", "Siobhán", "Łukasz", "花子", "Ahmet", "Chloé ", "Ólafur", "Μαρία", "Иван"]
CENT = Decimal("0.01")


class Command(BaseCommand):
    help = "Fills the oscar shop: products, stock, customers, baskets, orders with lines and payments."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=20000, help="number of products; the rest scales with it")
        parser.add_argument("--checkouts", type=int, default=40, help="orders placed through oscar's checkout code")

    def handle(self, *args, scale, checkouts, **options):
        self.rnd = random.Random(5)
        self.base = datetime.datetime(2023, 10, 29, 0, 59, 59, 999_999, tzinfo=datetime.timezone.utc)
        started = time.monotonic()
        with transaction.atomic():
            products, stock = self.catalogue(scale)
            users = self.customers(scale // 4)
            self.orders(scale // 2, users, products, stock)
            self.baskets(scale // 10, users, products, stock)
            self.reviews(scale // 10, users, products)
        with transaction.atomic():
            self.checkouts(checkouts, users, products)
        self.stdout.write(f"filled {scale} products in {time.monotonic() - started:.1f} s")

    def when(self, i, spread=60):
        return self.base + datetime.timedelta(seconds=i * spread, microseconds=(i * 7919) % 1_000_000)

    def catalogue(self, scale):
        rnd = self.rnd
        leaves = []
        for r in range(6):
            root = Category.add_root(name=f"{WORDS[r]} & Co.", slug=f"bereich-{r}")
            for c in range(5):
                child = root.add_child(name=f"{WORDS[c + 5]} {r}.{c}", slug=f"bereich-{r}-{c}")
                leaves += [child.add_child(name=f"Regal {r}.{c}.{g} ", slug=f"regal-{r}-{c}-{g}") for g in range(3)]
        classes = list(ProductClass.objects.filter(slug__in=["buch", "t-shirt"]).order_by("pk"))
        attributes = {c.pk: list(ProductAttribute.objects.filter(product_class=c).order_by("pk")) for c in classes}
        products = Product.objects.bulk_create([
            Product(structure="standalone", title=f"{rnd.choice(WORDS)} Nº{i}", slug=f"produkt-{i}", upc=f"40{i:011d}",
                    description=("Zeile 1\nZeile 2\t„Anführung“ back\\slash 😀 " if i % 3 else ""),
                    product_class=classes[i % 2], rating=(rnd.random() * 5 if i % 4 else None), priority=i % 3,
                    is_public=bool(i % 17), is_discountable=bool(i % 5), meta_title=f"Nº{i} " if i % 10 == 0 else "")
            for i in range(1, scale + 1)], batch_size=2000)
        values = []
        for i, p in enumerate(products):
            first, second = attributes[p.product_class_id]
            if first.type == "text":
                values.append(ProductAttributeValue(attribute=first, product=p,
                                                    value_text=f"978-3-{i:05d}-{i % 10}" if first.code == "isbn" else rnd.choice(["S", "M", "XL ", "XXL"])))
            if second.type == "integer":
                values.append(ProductAttributeValue(attribute=second, product=p, value_integer=rnd.randint(0, 2_000_000_000)))
            else:
                values.append(ProductAttributeValue(attribute=second, product=p, value_float=rnd.random() * 3))
        ProductAttributeValue.objects.bulk_create(values, batch_size=2000)
        ProductCategory.objects.bulk_create([ProductCategory(product=p, category=rnd.choice(leaves)) for p in products], batch_size=2000)
        partner = Partner.objects.get(code="hauptlager")
        stock = StockRecord.objects.bulk_create([
            StockRecord(product=p, partner=partner, partner_sku=f"HL-{p.pk:06d}", price_currency="EUR",
                        price=Decimal(rnd.choice([1, 99, 100, 499, 1999, 2995, 123456, 99999999])) / 100,
                        num_in_stock=rnd.randint(0, 500), num_allocated=rnd.randint(0, 5), low_stock_threshold=rnd.choice([None, 5]))
            for p in products], batch_size=2000)
        return products, {s.product_id: s for s in stock}

    def customers(self, count):
        rnd = self.rnd
        password = make_password("kunde-passwort")  # one hash: hashing is deliberately slow
        staff = User.objects.create(username="admin", email="admin@laden.example", is_staff=True, is_superuser=True, password=password)
        staff.groups.set(Group.objects.all())
        users = User.objects.bulk_create([
            User(username=f"kunde{i}", email=f"kunde{i}@example.com", first_name=rnd.choice(NAMES), last_name="Ødegård",
                 password=password, date_joined=self.when(i, 3600), last_login=self.when(i, 7200) if i % 2 else None)
            for i in range(1, count + 1)], batch_size=2000)
        countries = list(Country.objects.filter(is_shipping_country=True).order_by("pk"))
        UserAddress.objects.bulk_create([
            UserAddress(user=u, first_name=u.first_name, last_name=u.last_name, line1=f"Hauptstraße {i} ", line4="Berlin",
                        postcode=f"{10115 + i % 9000:05d}", country=rnd.choice(countries), is_default_for_shipping=True,
                        hash=f"{i:032x}", search_text=f"{u.first_name} hauptstraße {i} berlin")
            for i, u in enumerate(users)], batch_size=2000)
        return users

    def orders(self, count, users, products, stock):
        rnd = self.rnd
        countries = list(Country.objects.filter(is_shipping_country=True).order_by("pk"))
        addresses = ShippingAddress.objects.bulk_create([
            ShippingAddress(first_name=rnd.choice(NAMES), last_name="Groß", line1=f"Lieferweg {i}", line4="Köln",
                            postcode=f"{50667 + i % 900:05d}", country=rnd.choice(countries),
                            phone_number="+4922112345" + f"{i % 100:02d}", notes="Bitte beim Nachbarn 🏠 " if i % 7 == 0 else "",
                            search_text=f"lieferweg {i} köln")
            for i in range(count)], batch_size=2000)
        statuses = ["Pending", "Being processed", "Complete", "Cancelled"]
        orders, lines = [], []
        for i, address in enumerate(addresses):
            user = rnd.choice(users) if i % 9 else None
            picked = rnd.sample(products, rnd.randint(1, 4))
            shipping = Decimal(rnd.choice(["0.00", "4.90", "12.50"]))
            order_lines = []
            for p in picked:
                s = stock[p.pk]
                q = rnd.randint(1, 3)
                incl = (s.price * q).quantize(CENT)
                excl = (incl / Decimal("1.19")).quantize(CENT)
                order_lines.append(dict(partner_id=s.partner_id, partner_name="Hauptlager Köln", partner_sku=s.partner_sku, stockrecord=s,
                                        product=p, title=p.title, upc=p.upc, quantity=q, line_price_incl_tax=incl, line_price_excl_tax=excl,
                                        line_price_before_discounts_incl_tax=incl, line_price_before_discounts_excl_tax=excl,
                                        unit_price_incl_tax=s.price, unit_price_excl_tax=(s.price / Decimal("1.19")).quantize(CENT),
                                        status=statuses[i % 4], num_allocated=q))
            total_incl = sum((l["line_price_incl_tax"] for l in order_lines), Decimal("0")) + shipping
            total_excl = sum((l["line_price_excl_tax"] for l in order_lines), Decimal("0")) + (shipping / Decimal("1.19")).quantize(CENT)
            orders.append(Order(number=f"2023-{i:06d}", site_id=1, user=user, currency="EUR", total_incl_tax=total_incl,
                                total_excl_tax=total_excl, shipping_incl_tax=shipping, shipping_excl_tax=(shipping / Decimal("1.19")).quantize(CENT),
                                shipping_address=address, shipping_method="Standardversand", shipping_code="standard",
                                status=statuses[i % 4], guest_email="" if user else f"gast{i}@example.org", date_placed=self.when(i)))
            lines.append(order_lines)
        orders = Order.objects.bulk_create(orders, batch_size=2000)
        OrderLine.objects.bulk_create([OrderLine(order=o, **l) for o, ls in zip(orders, lines) for l in ls], batch_size=2000)
        rechnung = SourceType.objects.get(code="rechnung")
        paid = [o for o in orders if o.status != "Cancelled"]
        sources = Source.objects.bulk_create([
            Source(order=o, source_type=rechnung, currency="EUR", amount_allocated=o.total_incl_tax, amount_debited=o.total_incl_tax,
                   reference=f"RE-{o.number}", label="Rechnung") for o in paid], batch_size=2000)
        Transaction.objects.bulk_create([
            Transaction(source=s, txn_type="Debit", amount=s.amount_debited, reference=f"TX-{s.pk}", status="OK") for s in sources], batch_size=2000)
        OrderStatusChange.objects.bulk_create([
            OrderStatusChange(order=o, old_status="Pending", new_status=o.status) for o in orders if o.status != "Pending"], batch_size=2000)
        OrderNote.objects.bulk_create([
            OrderNote(order=o, note_type="Info", message=rnd.choice(["Danke 🙏🏽", "Paket beschädigt — Ersatz geschickt ", "Rückruf.\n\n"]))
            for o in orders[::5]], batch_size=2000)

    def baskets(self, count, users, products, stock):
        rnd = self.rnd
        baskets = Basket.objects.bulk_create([Basket(owner=rnd.choice(users) if i % 3 else None, status=rnd.choice(["Open", "Saved", "Frozen"]))
                                              for i in range(count)], batch_size=2000)
        lines = []
        for b in baskets:
            for p in rnd.sample(products, rnd.randint(1, 4)):
                s = stock[p.pk]
                lines.append(BasketLine(basket=b, line_reference=f"{p.pk}_{s.pk}", product=p, stockrecord=s, quantity=rnd.randint(1, 9),
                                        price_currency="EUR", price_excl_tax=(s.price / Decimal("1.19")).quantize(CENT), price_incl_tax=s.price))
        BasketLine.objects.bulk_create(lines, batch_size=2000)

    def reviews(self, count, users, products):
        rnd = self.rnd
        ProductReview.objects.bulk_create([
            ProductReview(product=rnd.choice(products), score=rnd.randint(0, 5), title=rnd.choice(["Super!", "Geht so …", "😍😍😍", "Nie wieder "]),
                          body="Lange Rezension.\n" * (1 + i % 4), user=rnd.choice(users), status=1, total_votes=i % 7, delta_votes=i % 3)
            for i in range(count)], batch_size=2000)

    def checkouts(self, count, users, products):
        """Orders placed the way oscar's checkout places them."""
        from django.contrib.sites.models import Site
        from django.test import RequestFactory
        Default = get_class("partner.strategy", "Default")
        OrderCreator = get_class("order.utils", "OrderCreator")
        OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
        OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
        FixedPrice = get_class("shipping.methods", "FixedPrice")
        rnd = self.rnd
        paid = PaymentEventType.objects.get(code="paid")
        kredit = SourceType.objects.get(code="kreditkarte")
        de = Country.objects.get(pk="DE")
        request = RequestFactory().get("/")
        request.site = Site.objects.get_current()
        for i in range(count):
            user = users[i]
            request.user = user
            basket = Basket.objects.create(owner=user)
            basket.strategy = Default(request)
            for p in rnd.sample(products[:500], 3):
                basket.add_product(p, quantity=rnd.randint(1, 3))
            method = FixedPrice(charge_excl_tax=Decimal("4.12"), charge_incl_tax=Decimal("4.90"))
            charge = method.calculate(basket)
            total = OrderTotalCalculator(request).calculate(basket, charge)
            address = ShippingAddress.objects.create(first_name=user.first_name, last_name=user.last_name, line1=f"Kasse {i}",
                                                     line4="Hamburg", postcode="20095", country=de, phone_number="+49401234567")
            order = OrderCreator().place_order(basket=basket, total=total, shipping_method=method, shipping_charge=charge,
                                               user=user, shipping_address=address,
                                               order_number=OrderNumberGenerator().order_number(basket), request=request)
            basket.submit()
            source = Source.objects.create(order=order, source_type=kredit, currency=order.currency, amount_allocated=order.total_incl_tax,
                                           amount_debited=order.total_incl_tax, reference=f"CC-{order.number}", label="Visa ****1111")
            source.transactions.create(txn_type="Debit", amount=order.total_incl_tax, reference=f"AUTH-{i}", status="OK")
            event = PaymentEvent.objects.create(order=order, amount=order.total_incl_tax, reference=f"CC-{order.number}", event_type=paid)
            for line in order.lines.all():
                event.line_quantities.create(line=line, quantity=line.quantity)
