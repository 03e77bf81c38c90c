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
    # IMMEDIATE: a write transaction takes SQLite's lock at BEGIN and waits its busy timeout, instead of failing
    # at once when another writer committed after its first read (Django 5.1+).
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("SHOP_SQLITE", "shop.sqlite3"),
                             "OPTIONS": {"transaction_mode": "IMMEDIATE"}}}
    if os.environ.get("SHOP_SECOND_MYSQL_CNF"):
        # The database the application moves to: orderloop switches to it when SHOP_SWITCH_FILE says "mysql".
        DATABASES["mariadb"] = {"ENGINE": "django.db.backends.mysql",
                                "OPTIONS": {"read_default_file": os.environ["SHOP_SECOND_MYSQL_CNF"], "charset": "utf8mb4"}}
