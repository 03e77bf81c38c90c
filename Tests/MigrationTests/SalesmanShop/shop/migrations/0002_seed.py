"""Seeds what every installation of the shop starts with, the way shops usually do it: staff groups with
their permissions, the site, shipping methods and a welcome banner."""
from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Kundendienst": ["view_order", "change_order", "add_ordernote", "view_basket", "view_customer"],
    "Lager 📦": ["view_order", "view_product", "change_product"],
}
SHIPPING = [
    ("standard", "Standardversand (DHL)", Decimal("4.90"), 1),
    ("express", "Express – nächster Tag", Decimal("12.50"), 2),
    ("pickup", "Abholung im Laden", Decimal("0.00"), 3),
]


def seed(apps, schema_editor):
    # Permissions are normally created after `migrate`; create them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(codename__in=codenames))
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(pk=1, defaults={"domain": "laden.example", "name": "Salesman-Laden"})
    ShippingMethod = apps.get_model("shop", "ShippingMethod")
    for code, label, price, position in SHIPPING:
        ShippingMethod.objects.create(code=code, label=label, price=price, position=position)
    Banner = apps.get_model("shop", "Banner")
    Banner.objects.create(title="Willkommen im Laden! 🎉", body="Versandkostenfrei ab 50 €.")


def unseed(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()
    apps.get_model("shop", "ShippingMethod").objects.filter(code__in=[s[0] for s in SHIPPING]).delete()
    apps.get_model("shop", "Banner").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sites", "0002_alter_domain_unique"),
        ("salesmanorders", "0003_alter_json_fields"),
        ("salesmanbasket", "0003_rename_owner_field"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
