"""The archive's records: documents, where they were read from, and the gazetteer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents import fields as metadata
from documents import identity as doc_identity
from documents.numbers import number_key


class Division(models.Model):
    """One administrative division from the vendored gazetteer, current or former."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("地级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡级")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64, db_index=True)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Codes that left the vendored data stay as rows, so that documents filed under
    # them keep their foreign key; successor is the current division they went to.
    current = models.BooleanField(_("现行"), default=True, db_index=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("现属区划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# Number field -> the column of its key (documents/numbers.py).
NUMBER_KEY_FIELDS = {"index_no": "index_no_key", "doc_number": "doc_number_key"}


class DocumentQuerySet(models.QuerySet):
    def bulk_create(
        self, objs: Iterable[Document], *args: Any, **kwargs: Any
    ) -> list[Document]:
        """bulk_create skips save(): give each new row its identity here."""
        objs = list(objs)
        for document in objs:
            document.identity = doc_identity.settle(
                document.identity or "", doc_identity.values_of(document)
            )
            document.set_number_keys()
        return super().bulk_create(objs, *args, **kwargs)


class Document(models.Model):
    """A work plan, report or summary, with its metadata, original and clean text."""

    class Level(models.TextChoices):
        """The level of government that issued a document (its department's too)."""

        NATIONAL = "national", _("国家级")
        PROVINCE = "province", _("省级")
        CITY = "city", _("地市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡镇街道级")

        @classmethod
        def parse(cls, value: str | None) -> Document.Level | None:
            """The level for a stored value, None for anything else."""
            try:
                return cls(value)
            except ValueError:
                return None

    # Which metadata fields can be read or inferred; used for provenance lists.
    PROVENANCE_FIELDS = metadata.PROVENANCE_FIELDS

    # Not unique: a short serial (2021-00005) is unique only per issuer;
    # ``identity`` is what the database keeps unique. NULL (not "") for none,
    # as the code and the stored rows have it since it was unique.
    index_no = models.CharField(  # noqa: DJ001
        metadata.label("index_no"),
        max_length=metadata.max_length("index_no"),
        null=True,
        blank=True,
        db_index=True,
    )
    title = models.CharField(
        metadata.label("title"), max_length=metadata.max_length("title")
    )
    issuer = models.CharField(
        metadata.label("issuer"), max_length=metadata.max_length("issuer"), blank=True
    )
    level = models.CharField(
        metadata.label("level"),
        max_length=metadata.max_length("level"),
        choices=Level.choices,
        blank=True,
        db_index=True,
    )
    issuer_is_department = models.BooleanField(
        metadata.label("issuer_is_department"),
        default=False,
        help_text=_("发布机构是该级政府的一个部门"),
    )

    division = models.ForeignKey(
        Division,
        verbose_name=_("行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        help_text=_("最具体的已知区划；保存时据此更新下列名称。"),
    )
    township = models.CharField(
        metadata.label("township"),
        max_length=metadata.max_length("township"),
        blank=True,
        db_index=True,
    )
    county = models.CharField(
        metadata.label("county"),
        max_length=metadata.max_length("county"),
        blank=True,
        db_index=True,
    )
    city = models.CharField(
        metadata.label("city"),
        max_length=metadata.max_length("city"),
        blank=True,
        db_index=True,
    )
    province = models.CharField(
        metadata.label("province"),
        max_length=metadata.max_length("province"),
        blank=True,
        db_index=True,
    )
    division_code = models.CharField(
        metadata.label("division_code"),
        max_length=metadata.max_length("division_code"),
        blank=True,
        db_index=True,
    )

    doc_date = models.DateField(metadata.label("doc_date"), null=True, blank=True)
    publish_date = models.DateField(
        metadata.label("publish_date"), null=True, blank=True
    )
    publish_time = models.TimeField(_("发布时间"), null=True, blank=True)
    plan_year = models.PositiveSmallIntegerField(
        metadata.label("plan_year"), null=True, blank=True, db_index=True
    )
    category = models.CharField(
        metadata.label("category"),
        max_length=metadata.max_length("category"),
        blank=True,
    )
    doc_number = models.CharField(
        metadata.label("doc_number"),
        max_length=metadata.max_length("doc_number"),
        blank=True,
    )
    disclosure = models.CharField(
        metadata.label("disclosure"),
        max_length=metadata.max_length("disclosure"),
        blank=True,
    )

    source_file = models.CharField(
        metadata.label("source_file"),
        max_length=metadata.max_length("source_file"),
        blank=True,
    )
    source_url = models.URLField(
        metadata.label("source_url"),
        max_length=metadata.max_length("source_url"),
        blank=True,
    )

    original = models.TextField(_("原始文本"), help_text=_("导入时的原文，逐字保存。"))
    original_encoding = models.CharField(_("原始编码"), max_length=32, blank=True)
    layout = models.CharField(_("版式"), max_length=32, blank=True)
    body = models.TextField(metadata.label("body"), blank=True)
    content_hash = models.CharField(_("内容哈希"), max_length=64, db_index=True)

    needs_review = models.BooleanField(
        metadata.label("needs_review"), default=False, db_index=True
    )
    inferred = models.JSONField(
        metadata.label("inferred"),
        default=list,
        blank=True,
        help_text=_("据正文推断而非读取的字段"),
    )
    review_notes = models.JSONField(
        metadata.label("review_notes"), default=list, blank=True
    )
    # How many of issuer, region, 成文日期, 发布日期 and plan year are empty:
    # the review queue lists the records that lack most first.
    review_missing = models.PositiveSmallIntegerField(
        _("缺失字段数"), default=0, db_index=True
    )
    field_sources = models.JSONField(
        _("字段来源"),
        default=dict,
        blank=True,
        help_text=_("每个字段取自哪个来源，是读取、推断还是人工修改"),
    )
    # The text without whitespace, punctuation and markup, hashed: two copies
    # of one document from different sources share it.
    text_key = models.CharField(_("文本指纹"), max_length=64, blank=True, db_index=True)

    # The page template cut from the body (documents/ingest/template.py): the
    # source it was learned from, the digest of the template that cleaned this
    # body ("" until the source's template is learned again after an import),
    # and the head and tail zones the body is cleaned again from.
    template_source = models.CharField(
        _("模板来源"), max_length=300, blank=True, editable=False
    )
    template_digest = models.CharField(
        _("模板摘要"), max_length=64, blank=True, db_index=True, editable=False
    )
    template_zones = models.JSONField(
        _("模板区"), default=dict, blank=True, editable=False
    )

    # What identifies the document (documents/identity.py): one row per key,
    # whichever process stores it first. Set on every save.
    identity = models.CharField(
        _("文档标识"),
        max_length=doc_identity.MAX_LENGTH,
        unique=True,
        editable=False,
        help_text=_("索引号与发布机构，或原文链接，或正文指纹；每份文档唯一。"),
    )

    # The 索引号 and 文号 as a typed number is compared with them
    # (documents/numbers.py): a query that is one of them finds the document
    # first, whatever its form. Set on every save.
    index_no_key = models.CharField(
        _("索引号比对键"),
        max_length=metadata.max_length("index_no"),
        blank=True,
        default="",
        db_index=True,
        editable=False,
    )
    doc_number_key = models.CharField(
        _("文号比对键"),
        max_length=metadata.max_length("doc_number"),
        blank=True,
        default="",
        db_index=True,
        editable=False,
    )

    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("文档")
        verbose_name_plural = _("文档")
        ordering = ["-plan_year", "-doc_date", "id"]
        # Browse pages count and group the whole archive; these indexes cover
        # those queries so they never scan the rows with the long texts
        # (bench/pages_bench.py: the home page took 0.7 s at 50,000 documents
        # without them).
        indexes = [
            models.Index(
                fields=["province", "city", "county", "township", "plan_year"],
                name="doc_region_year",
            ),
            models.Index(
                fields=["plan_year", "province", "city", "county", "township"],
                name="doc_year_region",
            ),
            models.Index(
                fields=["plan_year", "division_code"], name="doc_year_division"
            ),
            models.Index(fields=["plan_year", "doc_date"], name="doc_year_date"),
            models.Index(fields=["plan_year", "category"], name="doc_year_category"),
            models.Index(fields=["category"], name="doc_category"),
            # archive_version() (documents/selectors.py) reads the newest edit.
            models.Index(fields=["updated_at"], name="doc_updated"),
            # A search's feed (search/feeds.py) walks the archive newest import
            # first: 2.3 s over 50,000 rows of 10 KB without it, 50 ms with it.
            models.Index(fields=["imported_at", "id"], name="doc_imported"),
            # A copy from another source is looked for by its title (store.py).
            models.Index(fields=["title"], name="doc_title"),
            models.Index(
                fields=["template_source", "template_digest"], name="doc_template"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The key follows the fields it is made of, whoever saves: the
        # importer's merge, an admin edit, a script.
        self.identity = self.identity_now()
        self.set_number_keys()
        update_fields: Sequence[str] | None = kwargs.get("update_fields")
        if update_fields is not None:
            derived = ("identity", *NUMBER_KEY_FIELDS.values())
            kwargs["update_fields"] = list(dict.fromkeys([*update_fields, *derived]))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("documents:detail", args=[self.pk])

    def set_number_keys(self) -> None:
        """The 索引号's and 文号's keys (documents/numbers.py) from their values."""
        for source, key in NUMBER_KEY_FIELDS.items():
            value = number_key(getattr(self, source))
            setattr(self, key, value[: self._meta.get_field(key).max_length])

    def identity_now(self) -> str:
        """The identity this document's current fields give it."""
        return doc_identity.settle(self.identity or "", doc_identity.values_of(self))

    @property
    def read_fields(self) -> list[str]:
        """Metadata fields that have a value read from the source, not inferred."""
        return [
            name
            for name in self.PROVENANCE_FIELDS
            if metadata.present(self, name) and name not in self.inferred
        ]


class SourceTemplate(models.Model):
    """The page template learned from one source's documents (a folder or a host)."""

    source_key = models.CharField(_("来源"), max_length=300, unique=True)
    lines = models.JSONField(_("模板行"), default=list, blank=True)
    digest = models.CharField(_("摘要"), max_length=64)
    documents = models.PositiveIntegerField(_("学习文档数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("来源模板")
        verbose_name_plural = _("来源模板")

    def __str__(self) -> str:
        return self.source_key


class SourcePath(models.Model):
    """One place a document was read from: a file, or one record inside a file."""

    locator = models.CharField(_("位置"), max_length=1200, unique=True)
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="sources"
    )
    file_hash = models.CharField(_("文件哈希"), max_length=64)
    # What this source says, field by field, with how each value was found: a
    # document read from several sources is merged from these (ingest/merge.py).
    values = models.JSONField(_("来源字段"), default=dict, blank=True)
    seen_at = models.DateTimeField(_("最近导入"), auto_now=True)

    class Meta:
        verbose_name = _("来源位置")
        verbose_name_plural = _("来源位置")

    def __str__(self) -> str:
        return self.locator


class ReviewItem(Document):
    """The review queue: documents flagged for review, those lacking most first."""

    class Meta:
        proxy = True
        verbose_name = _("待复核文档")
        verbose_name_plural = _("待复核")


class Attachment(models.Model):
    """A file published with a document (附件), or the file a document came as.

    The original bytes are in the attachment store (documents/attachments/
    store.py) under their SHA-256, once however many documents carry them;
    the extracted text is here, so a rebuild or a restore never converts or
    OCRs again. Rows with status PENDING are the extraction queue: a process
    killed before it got to them leaves them for the next one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待提取")
        EXTRACTED = "extracted", _("已提取")
        REJECTED = "rejected", _("未能提取")
        # A newer file came from the same place under the same name: this one
        # is kept (its original, its text, its number) but no longer searched.
        SUPERSEDED = "superseded", _("已被新版本替换")

    document = models.ForeignKey(
        Document,
        verbose_name=_("文档"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    # The order on the page (附件1, 附件2, …); a bundle's members follow it.
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("文件名"), max_length=255)
    # The ZIP or RAR it was unpacked from, and its path inside that bundle.
    bundle = models.ForeignKey(
        "self",
        verbose_name=_("所在压缩包"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="members",
    )
    member_path = models.CharField(_("包内路径"), max_length=500, blank=True)
    kind = models.CharField(_("格式"), max_length=16)  # attachments/kinds.py
    media_type = models.CharField(_("媒体类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("字节数"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # Where it came from: the file imported, the row of an index, the URL, or
    # the admin upload (who and when is in the admin's log).
    origin = models.CharField(_("来源"), max_length=1200, blank=True)
    source_url = models.URLField(_("原始链接"), max_length=1000, blank=True)

    status = models.CharField(
        _("提取状态"),
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    error = models.TextField(_("未能提取的原因"), blank=True)
    text = models.TextField(_("提取文本"), blank=True)
    method = models.CharField(_("提取方法"), max_length=32, blank=True)
    # [{"number", "start", "end", "method", "confidence", "label"}]: each page's
    # span of ``text`` (result.PageText).
    pages = models.JSONField(_("分页"), default=list, blank=True)
    page_count = models.PositiveIntegerField(_("页数"), default=0)
    headings = models.JSONField(_("标题"), default=list, blank=True)
    ocr_confidence = models.FloatField(_("识别置信度"), null=True, blank=True)
    low_confidence_pages = models.JSONField(_("低置信度页"), default=list, blank=True)
    warnings = models.JSONField(_("提取说明"), default=list, blank=True)
    extracted_at = models.DateTimeField(_("提取时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["document", "position", "id"]
        constraints = [
            # The same file listed twice on one page is one attachment.
            models.UniqueConstraint(
                fields=["document", "sha256", "member_path"],
                name="attachment_once_per_document",
            ),
        ]

    def __str__(self) -> str:
        return self.name
