"""Admin: every field of a document can be corrected; the index follows each edit."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from documents import services
from documents.ingest.fingerprint import content_hash
from documents.models import Division, Document, SourcePath, SourceTemplate


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    ordering = ("code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # The gazetteer comes from vendored data, not by hand.


class SourcePathInline(admin.TabularInline):
    model = SourcePath
    extra = 0
    fields = ("locator", "file_hash", "seen_at")
    readonly_fields = ("locator", "file_hash", "seen_at")
    can_delete = False


class DocumentForm(forms.ModelForm):
    """The admin's form for a document (its fields come from the fieldsets)."""

    def clean_body(self) -> str:
        # Browsers submit a textarea's line breaks as CRLF; the texts use LF.
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    form = DocumentForm
    list_display = (
        "title",
        "index_no",
        "township",
        "county",
        "plan_year",
        "doc_date",
        "needs_review",
    )
    list_filter = ("needs_review", "province", "plan_year", "layout")
    search_fields = ("title", "index_no", "issuer", "township", "county")
    autocomplete_fields = ("division",)
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
    }
    # The original is the verbatim record of what was imported: shown, never
    # edited (a form would also strip it and turn its line breaks into CRLF).
    readonly_fields = (
        "original",
        "content_hash",
        "layout",
        "imported_at",
        "updated_at",
    )
    inlines = (SourcePathInline,)
    fieldsets = (
        (
            None,
            {"fields": ("title", "index_no", "issuer", "plan_year", "needs_review")},
        ),
        (
            _("地区"),
            {
                "fields": (
                    "division",
                    "province",
                    "city",
                    "county",
                    "township",
                    "division_code",
                )
            },
        ),
        (
            _("日期与分类"),
            {
                "fields": (
                    "doc_date",
                    "publish_date",
                    "publish_time",
                    "category",
                    "doc_number",
                    "disclosure",
                )
            },
        ),
        (
            _("来源"),
            {"fields": ("source_file", "source_url", "original_encoding", "layout")},
        ),
        (_("来源说明"), {"fields": ("inferred", "review_notes")}),
        (_("文本"), {"fields": ("body", "original")}),
        (_("记录"), {"fields": ("content_hash", "imported_at", "updated_at")}),
    )

    def save_model(
        self, request: HttpRequest, obj: Document, form, change: bool
    ) -> None:  # noqa: ANN001
        if "division" in form.changed_data:
            services.apply_division(obj)
        if "body" in form.changed_data:
            obj.content_hash = content_hash(obj.body)
        super().save_model(request, obj, form, change)
        services.sync_index_after_edit([obj.pk])

    def delete_model(self, request: HttpRequest, obj: Document) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        services.sync_index_after_edit([pk])

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[Document]
    ) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.sync_index_after_edit(ids)


@admin.register(SourceTemplate)
class SourceTemplateAdmin(admin.ModelAdmin):
    """What the importer cuts from each source's bodies (learned, not edited)."""

    list_display = ("source_key", "documents", "updated_at")
    search_fields = ("source_key",)
    readonly_fields = ("source_key", "lines", "digest", "documents", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Learned by import_plans from the documents.
