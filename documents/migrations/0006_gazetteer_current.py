"""Reload Division from the vendored data; keep vanished codes as former rows."""

import django.db.models.deletion
from django.db import migrations, models


def reload_divisions(apps, schema_editor):
    # sync_divisions is plain Python working on the model it is given, so the
    # historical model stays the only ORM code here.
    from documents.gazetteer.sync import sync_divisions

    Division = apps.get_model("documents", "Division")
    if schema_editor.connection.vendor == "postgresql":
        # The new fields' index and foreign key are created after this function, in
        # the same transaction; PostgreSQL refuses that while deferred foreign-key
        # checks of our writes are pending, so check them as each write happens.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    sync_divisions(Division.objects.using(schema_editor.connection.alias))


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0005_pending_index_write"),
    ]

    operations = [
        migrations.AddField(
            model_name="division",
            name="current",
            field=models.BooleanField(db_index=True, default=True, verbose_name="现行"),
        ),
        migrations.AddField(
            model_name="division",
            name="successor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="predecessors",
                to="documents.division",
                verbose_name="现属区划",
            ),
        ),
        # Nothing to undo on the way back: the fields go, the rows stay valid.
        migrations.RunPython(reload_divisions, migrations.RunPython.noop),
    ]
