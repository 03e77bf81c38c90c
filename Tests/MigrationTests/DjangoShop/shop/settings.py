"""A small Django shop used as a migration fixture. The database comes from the environment:
SHOP_DB=sqlite with SHOP_SQLITE=/path, or SHOP_DB=mysql with SHOP_MYSQL_CNF=/path/to/client.cnf (0600,
holds host, port, user, password, database)."""
import os

SECRET_KEY = "fixture-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "catalog"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("SHOP_DB") == "mysql":
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.mysql",
        "OPTIONS": {"read_default_file": os.environ["SHOP_MYSQL_CNF"], "charset": "utf8mb4"},
    }}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("SHOP_SQLITE", "shop.sqlite3")}}
