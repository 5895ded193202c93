"""PendingIndexWrite now belongs to search (search.0001); its table is kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0010_document_identity"),
        ("search", "0001_pending_index_write"),
    ]

    operations = [
        # State only: the table lives on as search.PendingIndexWrite's.
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PendingIndexWrite")],
            database_operations=[],
        ),
    ]
