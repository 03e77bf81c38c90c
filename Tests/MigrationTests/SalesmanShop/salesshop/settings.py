"""A shop built on django-salesman, used as a migration fixture. The database comes from the environment:
SHOP_DB=sqlite with SHOP_SQLITE=/path, or SHOP_DB=mysql with SHOP_MYSQL_CNF=/path/to/client.cnf (0600,
holds host, port, user, password, database)."""
import os

SECRET_KEY = "fixture-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "Europe/Berlin"
LANGUAGE_CODE = "de"
SITE_ID = 1
ROOT_URLCONF = "salesshop.urls"
# salesman's migrations use AutoField; the shop's own app uses BigAutoField (see shop/apps.py).
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "rest_framework",
    "salesman.core",
    "salesman.basket",
    "salesman.checkout",
    "salesman.orders",
    "salesman.admin",
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

SALESMAN_PRODUCT_TYPES = {
    "shop.Product": "shop.serializers.ProductSerializer",
    "shop.Bundle": "shop.serializers.BundleSerializer",
}
SALESMAN_BASKET_MODIFIERS = ["shop.modifiers.ShippingModifier", "shop.modifiers.VATModifier"]
SALESMAN_PAYMENT_METHODS = ["shop.payment.InvoicePayment"]
SALESMAN_ORDER_REFERENCE_GENERATOR = "shop.utils.order_ref"

if os.environ.get("SHOP_DB") == "mysql":
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.mysql",
        "OPTIONS": {"read_default_file": os.environ["SHOP_MYSQL_CNF"], "charset": "utf8mb4"},
    }}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                             "NAME": os.environ.get("SHOP_SQLITE", "shop.sqlite3")}}
