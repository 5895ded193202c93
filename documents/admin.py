"""Admin: every field of a document can be corrected; the index follows each edit."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from documents import fields as metadata
from documents import history, identity, selectors, services
from documents.attachments import kinds, uploads
from documents.citation import ARCHIVE_NAME, FIELD_LABELS
from documents.ingest import merge, review
from documents.ingest.fingerprint import content_hash, text_key
from documents.models import (
    Attachment,
    Division,
    Document,
    ReviewItem,
    SourcePath,
    SourceTemplate,
)
from documents.signals import documents_edited

# The site's own name, not "Django 管理", in the header and the window title.
admin.site.site_header = _("%(name)s · 管理") % {"name": ARCHIVE_NAME}
admin.site.site_title = _("%(name)s管理") % {"name": ARCHIVE_NAME}
admin.site.index_title = _("档案管理")
# A title longer than this is cut in the lists; the whole is its tooltip.
LIST_TITLE_CHARS = 40

# The form fields behind each field whose source is recorded (field_sources).
_FORM_FIELDS = {
    spec.name: tuple(column.removesuffix("_id") for column in spec.model_columns)
    for spec in metadata.document_fields()
    if spec.merged
}


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "current", "successor")
    list_filter = ("level", "current")
    search_fields = ("code", "name")
    ordering = ("code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # The gazetteer comes from vendored data, not by hand.

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Division], search_term: str
    ) -> tuple[QuerySet[Division], bool]:
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        # A document is filed under a current division; former ones (kept so that
        # old keys hold) are listed in the changelist, not offered in the picker.
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(current=True)
        return queryset, may_have_duplicates


class SourcePathInline(admin.TabularInline):
    model = SourcePath
    extra = 0
    fields = ("locator", "file_hash", "seen_at")
    readonly_fields = ("locator", "file_hash", "seen_at")
    can_delete = False


# How much of an attachment's text its row in the document's admin shows.
_TEXT_START = 300


class AttachmentInline(admin.TabularInline):
    """The document's attachments: what was read from each, never edited here
    (an upload adds one; its text is read in the background)."""

    model = Attachment
    fk_name = "document"
    extra = 0
    fields = (
        "position",
        "name",
        "member_path",
        "kind",
        "size",
        "status",
        "error",
        "method",
        "page_count",
        "ocr_confidence",
        "text_start",
    )
    readonly_fields = fields
    ordering = ("position", "id")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False  # Through the upload field, so the bytes go to the store.

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        # A text may be millions of characters: read its start and its length only.
        return (
            super()
            .get_queryset(request)
            .defer("text")
            .annotate(
                text_head=Substr("text", 1, _TEXT_START), text_length=Length("text")
            )
        )

    @admin.display(description=_("提取文本（开头）"))
    def text_start(self, obj: Attachment) -> str:
        head = getattr(obj, "text_head", None) or ""
        more = getattr(obj, "text_length", 0) or 0
        return head + ("…" if more > _TEXT_START else "")


class DocumentForm(forms.ModelForm):
    """The admin's form for a document (its fields come from the fieldsets)."""

    upload = forms.FileField(
        label=_("上传附件"),
        required=False,
        help_text=_(
            "保存后在后台提取文字并更新检索索引（PDF、Word、WPS、表格、图片、ZIP 等）。"
        ),
    )

    def clean_upload(self):  # noqa: ANN201
        upload = self.cleaned_data.get("upload")
        if not upload:
            return upload
        if not kinds.is_attachment_name(upload.name):
            raise forms.ValidationError(
                _("不支持的附件格式：%(name)s"), params={"name": upload.name}
            )
        limit = settings.PLANSITE_ATTACHMENT_MAX_FILE_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("附件过大：%(size)s 字节，上限 %(limit)s 字节"),
                params={"size": upload.size, "limit": limit},
            )
        return upload

    def clean_body(self) -> str:
        # Browsers submit a textarea's line breaks as CRLF; the texts use LF.
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")

    def _post_clean(self) -> None:
        super()._post_clean()
        # The identity is unique in the database: an edit that would give this
        # document another's (the same 索引号 and issuer, the same page) is
        # refused here, with what to do, rather than failing on save.
        values = identity.values_of(self.instance)
        division = self.cleaned_data.get("division")
        if "division" in self.changed_data and division is not None:
            values["division_code"] = division.code  # save_model applies it
        key = identity.settle(self.instance.identity or "", values)
        other = (
            Document.objects.filter(identity=key)
            .exclude(pk=self.instance.pk)
            .only("pk", "title")
            .first()
        )
        if other is not None:
            self.add_error(
                None,
                forms.ValidationError(
                    _(
                        "另一份文档（编号 %(pk)s：%(title)s）已有相同的文档标识"
                        "（%(key)s）。同一发布机构的一个索引号、一个原文链接"
                        "只能属于一份文档：请更正索引号、发布机构、区划或原文链接，"
                        "或先合并两份文档。"
                    ),
                    code="identity",
                    params={"pk": other.pk, "title": other.title[:60], "key": key},
                ),
            )


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    form = DocumentForm
    # 待复核 beside the title: at the end it was scrolled out of sight.
    list_display = (
        "short_title",
        "review_flag",
        "index_no",
        "township",
        "county",
        "level",
        "plan_year",
        "doc_date",
    )
    list_filter = ("needs_review", "level", "province", "plan_year", "layout")
    search_fields = ("title", "index_no", "issuer", "township", "county")
    autocomplete_fields = ("division",)
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
    }
    # The original is the verbatim record of what was imported: shown, never
    # edited (a form would also strip it and turn its line breaks into CRLF).
    readonly_fields = (
        "original",
        "identity",
        "content_hash",
        "layout",
        "imported_at",
        "updated_at",
        "review_missing",
        "provenance",
    )
    inlines = (AttachmentInline, SourcePathInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "index_no",
                    "issuer",
                    "level",
                    "issuer_is_department",
                    "plan_year",
                    "needs_review",
                )
            },
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
        (
            _("来源说明"),
            {"fields": ("provenance", "inferred", "review_missing", "review_notes")},
        ),
        (_("文本"), {"fields": ("body", "original")}),
        (_("附件"), {"fields": ("upload",)}),
        (
            _("记录"),
            {"fields": ("identity", "content_hash", "imported_at", "updated_at")},
        ),
    )

    def save_model(
        self, request: HttpRequest, obj: Document, form, change: bool
    ) -> None:  # noqa: ANN001
        if "division" in form.changed_data:
            services.apply_division(obj)
        if "body" in form.changed_data:
            obj.content_hash = content_hash(obj.body)
            obj.text_key = text_key(obj.body)
        sources = dict(obj.field_sources or {})
        for name, form_fields in _FORM_FIELDS.items():
            if set(form_fields) & set(form.changed_data):
                # A person's correction outranks every source on later imports.
                sources[name] = {"source": request.user.get_username(), "how": "admin"}
        if "needs_review" in form.changed_data:
            sources["needs_review"] = {
                "source": request.user.get_username(),
                "how": "admin",
            }
        obj.field_sources = sources
        obj.review_missing = review.document_missing(obj)
        if change:
            # The text as imported, if no version holds it yet: read from the
            # row, which this save has not changed yet.
            history.keep_baseline(obj.pk)
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("upload")
        if upload:
            uploads.add_upload(
                obj,
                upload,
                name=upload.name,
                origin=f"管理后台上传 (admin upload) {request.user.get_username()}",
            )
        documents_edited.send(sender=Document, document_ids=[obj.pk])

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:  # noqa: ANN001
        super().save_related(request, form, formsets, change)
        # After the inlines: a removed attachment changes the text too. Inside
        # the admin's transaction, with the edit.
        history.record_version(
            form.instance.pk,
            origin=f"{history.ADMIN_ORIGIN}{request.user.get_username()}",
        )

    @admin.display(description=_("字段来源"))
    def provenance(self, obj: Document) -> SafeString:
        """Each field's source and whether it was read, inferred or corrected."""
        rows = [
            (
                FIELD_LABELS.get(name, name),
                entry.get("source", ""),
                merge.HOW_LABELS.get(entry.get("how", ""), entry.get("how", "")),
            )
            for name, entry in (obj.field_sources or {}).items()
            if name in FIELD_LABELS
        ]
        return format_html_join("", "<div>{}：{}（{}）</div>", rows)

    @admin.display(description=_("标题"), ordering="title")
    def short_title(self, obj: Document) -> SafeString:
        """One line in the list: a long title is cut, the whole on hover."""
        title = obj.title
        if len(title) <= LIST_TITLE_CHARS:
            return format_html('<span class="doc-title">{}</span>', title)
        return format_html(
            '<span class="doc-title" title="{}">{}…</span>',
            title,
            title[: LIST_TITLE_CHARS - 1],
        )

    @admin.display(description=_("待复核"), ordering="-needs_review")
    def review_flag(self, obj: Document) -> SafeString | str:
        """A flagged record is a warning to act on, not a green tick."""
        if not obj.needs_review:
            return ""
        return format_html(
            '<span class="review-flag"><img src="{}" alt="" width="13" height="13">'
            " {}</span>",
            static("admin/img/icon-alert.svg"),
            _("待复核"),
        )

    def delete_model(self, request: HttpRequest, obj: Document) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        documents_edited.send(sender=Document, document_ids=[pk])

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[Document]
    ) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        documents_edited.send(sender=Document, document_ids=ids)


class ReviewReasonFilter(admin.SimpleListFilter):
    """Filter the queue by one review reason (their wording is fixed)."""

    title = _("复核原因")
    parameter_name = "reason"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:  # noqa: ANN001
        return [(r, r.removeprefix(review.PREFIX)) for r in review.REASONS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in review.REASONS:
            return queryset  # An unknown reason is ignored, not an error.
        return selectors.with_review_reason(queryset, self.value())


@admin.register(ReviewItem)
class ReviewQueueAdmin(DocumentAdmin):
    """待复核: the flagged documents, those that lack most fields first."""

    list_display = (
        "short_title",
        "review_missing",
        "reasons",
        "province",
        "county",
        "township",
        "plan_year",
    )
    list_filter = (ReviewReasonFilter, "review_missing", "province", "plan_year")
    ordering = ("-review_missing", "pk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        return super().get_queryset(request).filter(needs_review=True)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Documents come in through the importer.

    @admin.display(description=_("复核原因"))
    def reasons(self, obj: Document) -> str:
        notes = [n for n in obj.review_notes or [] if review.is_reason(n)]
        shown = [n.removeprefix(review.PREFIX) for n in notes]
        return "；".join(shown) or "；".join(obj.review_notes or [])[:200]


@admin.register(SourceTemplate)
class SourceTemplateAdmin(admin.ModelAdmin):
    """What the importer cuts from each source's bodies (learned, not edited)."""

    list_display = ("source_key", "documents", "updated_at")
    search_fields = ("source_key",)
    readonly_fields = ("source_key", "lines", "digest", "documents", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Learned by import_plans from the documents.
