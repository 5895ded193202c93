"""The search app's one table: the outbox of index writes that edits request."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingIndexWrite(models.Model):
    """A document whose index entry must follow an edit or delete of its row.

    Written in the edit's own transaction, so an edit that commits is never
    forgotten by the index, even when the web process that made it dies before
    it could take the index's write lock. Whoever writes the index next (the
    editing process once the lock is free, the next import, check_index
    --repair, a starting web process) indexes the document and deletes the row.
    """

    # Not a foreign key: a deleted document must leave the index too.
    document_id = models.BigIntegerField(_("文档编号"), db_index=True)
    requested_at = models.DateTimeField(_("请求时间"), auto_now_add=True)

    class Meta:
        # The table documents created (0005) keeps its name: moving the model to
        # search renamed nothing on disk, so queued rows survive the upgrade and
        # a database migrated back and forth keeps one table.
        db_table = "documents_pendingindexwrite"
        verbose_name = _("待更新索引")
        verbose_name_plural = _("待更新索引")

    def __str__(self) -> str:
        return f"{self.document_id} @ {self.requested_at:%Y-%m-%d %H:%M:%S}"
