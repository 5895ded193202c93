"""PendingIndexWrite moves from documents to search; its table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("documents", "0010_document_identity"),
    ]

    operations = [
        # State only: documents.0005 created the table, and
        # documents.0011_move_pending_index_write drops the model from documents'
        # state without touching it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PendingIndexWrite",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "document_id",
                            models.BigIntegerField(
                                db_index=True, verbose_name="文档编号"
                            ),
                        ),
                        (
                            "requested_at",
                            models.DateTimeField(
                                auto_now_add=True, verbose_name="请求时间"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "待更新索引",
                        "verbose_name_plural": "待更新索引",
                        "db_table": "documents_pendingindexwrite",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
