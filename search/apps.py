"""App config for search."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("检索")

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from documents.signals import documents_edited
        from search import signals

        documents_edited.connect(
            signals.index_edited_documents, dispatch_uid="search_index_edits"
        )
        # Only tests change settings at run time (override_settings).
        setting_changed.connect(
            signals.follow_search_settings, dispatch_uid="search_follow_settings"
        )
