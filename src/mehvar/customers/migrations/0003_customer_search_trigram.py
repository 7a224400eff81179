"""Search by any piece of a name or phone: pg_trgm and a GIN trigram index on Customer.search_text.

PostgreSQL only (on SQLite search scans with LIKE). The index is not part of the model state: Django's
GinIndex cannot be declared for SQLite, so this migration creates it directly on PostgreSQL.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "customer_search_trgm"


class TrigramIndex(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
                "USING gin (search_text gin_trgm_ops)"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")

    def describe(self):
        return "GIN trigram index on customers_customer.search_text (PostgreSQL)"


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_company_customer_contact_policy_and_more")]

    operations = [TrigramExtension(), TrigramIndex()]
