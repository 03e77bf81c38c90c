"""Prints every table, view or sequence in the database that no installed model (nor Django's migration
recorder) owns, one per line; prints nothing when the database holds only the application's tables."""
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Lists tables in the database that Django does not own."

    def handle(self, *args, **options):
        owned = set(connection.introspection.django_table_names()) | {"django_migrations"}
        with connection.cursor() as cursor:
            found = connection.introspection.get_table_list(cursor)
        for info in sorted(found, key=lambda t: t.name):
            if info.name not in owned:
                self.stdout.write(f"{info.name} ({info.type})")
