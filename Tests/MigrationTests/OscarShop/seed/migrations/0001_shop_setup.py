"""What this shop starts with on every installation: the countries it ships to (text primary keys), its
warehouse partner, product classes with attributes, payment source and event types."""
from django.db import migrations

COUNTRIES = [("DE", "DEU", "276", "Deutschland", True), ("AT", "AUT", "040", "Österreich", True),
             ("CH", "CHE", "756", "Schweiz", True), ("FR", "FRA", "250", "France", True),
             ("GB", "GBR", "826", "United Kingdom", False)]


def seed(apps, schema_editor):
    Country = apps.get_model("address", "Country")
    for a2, a3, numeric, name, ships in COUNTRIES:
        Country.objects.create(iso_3166_1_a2=a2, iso_3166_1_a3=a3, iso_3166_1_numeric=numeric, name=name,
                               printable_name=name, is_shipping_country=ships, display_order=10 if a2 == "DE" else 0)
    apps.get_model("partner", "Partner").objects.create(code="hauptlager", name="Hauptlager Köln")
    ProductClass = apps.get_model("catalogue", "ProductClass")
    ProductAttribute = apps.get_model("catalogue", "ProductAttribute")
    book = ProductClass.objects.create(name="Buch", slug="buch", requires_shipping=True, track_stock=True)
    shirt = ProductClass.objects.create(name="T-Shirt", slug="t-shirt", requires_shipping=True, track_stock=True)
    ProductClass.objects.create(name="Gutschein (digital)", slug="gutschein", requires_shipping=False, track_stock=False)
    ProductAttribute.objects.create(product_class=book, name="ISBN", code="isbn", type="text", required=False)
    ProductAttribute.objects.create(product_class=book, name="Seiten", code="seiten", type="integer")
    ProductAttribute.objects.create(product_class=shirt, name="Größe", code="groesse", type="text")
    ProductAttribute.objects.create(product_class=shirt, name="Gewicht (kg)", code="gewicht", type="float")
    apps.get_model("payment", "SourceType").objects.create(name="Rechnung", code="rechnung")
    apps.get_model("payment", "SourceType").objects.create(name="Kreditkarte", code="kreditkarte")
    apps.get_model("order", "PaymentEventType").objects.create(name="Bezahlt", code="paid")
    apps.get_model("order", "ShippingEventType").objects.create(name="Versandt", code="shipped")


class Migration(migrations.Migration):
    dependencies = [
        ("address", "0007_useraddress_code"),
        ("partner", "0007_partneraddress_code"),
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
        ("payment", "0005_auto_20200801_0817"),
        ("order", "0021_billingaddress_code_shippingaddress_code"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
