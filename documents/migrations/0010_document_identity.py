"""One row per document: Document.identity, unique; 索引号 no longer unique alone.

The keys of the documents already stored are computed by documents/identity.py.
Rows that share a key (copies stored twice by concurrent imports on
PostgreSQL, or two documents without issuer that share a text) are never
deleted here: the oldest row (lowest id) keeps the key, each later one keeps
it with ``#dup-<id>`` after it, is flagged for review with a note naming the
row it repeats, and is queued for the index (its needs_review changed).
"""

from django.db import migrations, models

_BATCH = 500
_NOTE = "迁移时发现与文档 #{first} 标识相同（{key}），可能是重复导入，请核对后合并或删除"


def fill(apps, schema_editor):
    from documents import identity

    Document = apps.get_model("documents", "Document")
    PendingIndexWrite = apps.get_model("documents", "PendingIndexWrite")
    holders: dict[str, int] = {}
    batch = []
    queued = []

    def flush() -> None:
        Document.objects.bulk_update(
            batch, ["identity", "needs_review", "review_notes"]
        )
        PendingIndexWrite.objects.bulk_create(
            [PendingIndexWrite(document_id=pk) for pk in queued]
        )
        batch.clear()
        queued.clear()

    rows = Document.objects.order_by("pk").only(
        *identity.FIELDS, "needs_review", "review_notes"
    )
    for doc in rows.iterator(chunk_size=_BATCH):
        key = identity.key_of(identity.values_of(doc))
        first = holders.setdefault(key, doc.pk)
        if first != doc.pk:
            doc.identity = identity.duplicate_of(key, doc.pk)
            doc.review_notes = [
                *(doc.review_notes or []),
                _NOTE.format(first=first, key=key[:80]),
            ]
            if not doc.needs_review:
                doc.needs_review = True
                queued.append(doc.pk)
        else:
            doc.identity = key
        batch.append(doc)
        if len(batch) == _BATCH:
            flush()
    flush()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0009_source_template"),
    ]

    operations = [
        migrations.AlterField(
            model_name="document",
            name="index_no",
            field=models.CharField(
                blank=True,
                db_index=True,
                max_length=128,
                null=True,
                verbose_name="索引号",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="identity",
            field=models.CharField(
                editable=False, max_length=300, null=True, verbose_name="文档标识"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="document",
            name="identity",
            field=models.CharField(
                editable=False,
                help_text="索引号与发布机构，或原文链接，或正文指纹；每份文档唯一。",
                max_length=300,
                unique=True,
                verbose_name="文档标识",
            ),
        ),
    ]
