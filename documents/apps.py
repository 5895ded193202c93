"""App config for documents."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("文档")

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from documents import selectors
        from documents.models import Document

        request_started.connect(
            selectors.forget_archive_version, dispatch_uid="archive_version"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                selectors.note_document_change,
                sender=Document,
                dispatch_uid=f"archive_change_{signal is post_save}",
            )
