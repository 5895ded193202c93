"""The archive's records: documents, where they were read from, and the gazetteer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
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


class Availability(models.TextChoices):
    """Whether a document's page is still published (the harvester's finding)."""

    UNKNOWN = "unknown", _("未知")
    ONLINE = "online", _("在线")
    WITHDRAWN = "withdrawn", _("已撤下")


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

    # Whether the page it was captured from is still published (issue 18).
    # Documents imported from files have no page the harvester watches: UNKNOWN.
    availability = models.CharField(
        _("在线状态"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.UNKNOWN,
        db_index=True,
    )
    # The first and the latest capture that found its page online, and when the
    # harvester decided the page is gone (404/410, or off its list too long).
    first_seen = models.DateTimeField(_("首次采集"), null=True, blank=True)
    last_seen = models.DateTimeField(_("最近在线"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤下判定时间"), null=True, blank=True)

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


class DocumentVersion(models.Model):
    """A document's text as it stood at one capture or import (issue 18).

    A version is recorded when a document is first stored and whenever its
    searchable text (documents/texts.py) changes; documents/history.py decides.
    """

    document = models.ForeignKey(
        Document,
        verbose_name=_("文档"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("版本号"))
    # The capture time for a page from a harvest or a WARC file; else the import.
    recorded_at = models.DateTimeField(_("记录时间"))
    title = models.CharField(_("标题"), max_length=500, blank=True)
    text = models.TextField(_("文本"), blank=True)
    text_hash = models.CharField(_("文本哈希"), max_length=64)
    # The file, or WARC file and record, the version was read from.
    origin = models.CharField(_("来源"), max_length=1200, blank=True)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文档版本")
        verbose_name_plural = _("文档版本")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="version_number_per_document"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


class HarvestRun(models.Model):
    """One run of ``manage.py harvest`` over one source (documents/harvest/)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        FINISHED = "finished", _("已完成")
        # Killed or stopped: the next run of the source resumes its frontier.
        INTERRUPTED = "interrupted", _("已中断")
        FAILED = "failed", _("失败")

    source = models.CharField(_("来源"), max_length=100, db_index=True)
    # The definition's Chinese title at the time of the run: a user's own
    # definition file is not in the repository for the pages to read it from.
    title = models.CharField(_("来源名称"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    # Coverage: the document links the source's lists showed, what the lists
    # say they hold (共N条) where they say it, and what became of the links.
    listed = models.PositiveIntegerField(_("列表条目"), default=0)
    stated_total = models.PositiveIntegerField(_("列表自述总数"), null=True, blank=True)
    captured = models.PositiveIntegerField(_("新采集或已更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    withdrawn = models.PositiveIntegerField(_("判定撤下"), default=0)
    requests = models.PositiveIntegerField(_("请求数"), default=0)
    bytes_received = models.PositiveBigIntegerField(_("接收字节"), default=0)
    # WARC files written by this run, relative to settings.WARC_DIR.
    warc_files = models.JSONField(_("WARC 文件"), default=list, blank=True)
    # {"reason": count} over this run's failures, for the coverage page.
    failures = models.JSONField(_("失败原因"), default=dict, blank=True)
    notes = models.JSONField(_("说明"), default=list, blank=True)

    class Meta:
        verbose_name = _("采集运行")
        verbose_name_plural = _("采集运行")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class HarvestUrl(models.Model):
    """One URL a source's harvest knows: its place in the frontier and its state.

    The pending rows of a source are its frontier: a run that was killed leaves
    them, and the next run takes them up without fetching again what is DONE.
    """

    class Kind(models.TextChoices):
        LIST = "list", _("列表页")
        DOCUMENT = "document", _("文档页")
        ATTACHMENT = "attachment", _("附件")

    class State(models.TextChoices):
        PENDING = "pending", _("待采集")
        DONE = "done", _("已采集")
        FAILED = "failed", _("失败")
        GONE = "gone", _("已撤下")

    source = models.CharField(_("来源"), max_length=100)
    url = models.URLField(_("网址"), max_length=2000)
    # SHA-256 of the URL: the unique key (URLs are too long for a btree key).
    url_key = models.CharField(_("网址哈希"), max_length=64, editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=State.choices,
        default=State.PENDING,
        db_index=True,
    )
    # The list page that showed it, or the document page that links the attachment.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("来自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    # The run that last queued or fetched it.
    run = models.ForeignKey(
        HarvestRun,
        verbose_name=_("采集运行"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="urls",
    )
    link_text = models.CharField(_("列表标题"), max_length=500, blank=True)
    list_date = models.CharField(_("列表日期"), max_length=32, blank=True)
    # For conditional requests and content-hash change detection.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    payload_sha256 = models.CharField(_("内容哈希"), max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    first_seen = models.DateTimeField(_("首次采集"), null=True, blank=True)
    last_seen = models.DateTimeField(_("最近在线"), null=True, blank=True)
    last_fetched = models.DateTimeField(_("最近请求"), null=True, blank=True)
    # Consecutive finished runs whose lists no longer showed it.
    missing_runs = models.PositiveSmallIntegerField(_("连续未列出次数"), default=0)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    document = models.ForeignKey(
        Document,
        verbose_name=_("文档"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="harvest_urls",
    )

    class Meta:
        verbose_name = _("采集网址")
        verbose_name_plural = _("采集网址")
        ordering = ["source", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "url_key"], name="harvest_url_once_per_source"
            ),
        ]
        indexes = [
            models.Index(fields=["source", "kind", "state"], name="harvest_frontier"),
        ]

    def __str__(self) -> str:
        return self.url

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.url_key = hashlib.sha256(self.url.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)


class Capture(models.Model):
    """One fetch of a URL, as written to a WARC file (or why it failed)."""

    class Outcome(models.TextChoices):
        NEW = "new", _("新采集")
        CHANGED = "changed", _("内容已变")
        UNCHANGED = "unchanged", _("未变化")
        FAILED = "failed", _("失败")
        GONE = "gone", _("已撤下")

    url = models.ForeignKey(
        HarvestUrl,
        verbose_name=_("网址"),
        on_delete=models.CASCADE,
        related_name="captures",
    )
    run = models.ForeignKey(
        HarvestRun,
        verbose_name=_("采集运行"),
        on_delete=models.CASCADE,
        related_name="captures",
    )
    document = models.ForeignKey(
        Document,
        verbose_name=_("文档"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="captures",
    )
    captured_at = models.DateTimeField(_("采集时间"), default=timezone.now)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(_("状态码"), null=True, blank=True)
    content_type = models.CharField(_("内容类型"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("字节数"), default=0)
    payload_sha256 = models.CharField(_("内容哈希"), max_length=64, blank=True)
    # Where the response (or revisit) record is: file relative to WARC_DIR.
    warc_file = models.CharField(_("WARC 文件"), max_length=255, blank=True)
    warc_offset = models.PositiveBigIntegerField(null=True, blank=True)
    warc_length = models.PositiveBigIntegerField(null=True, blank=True)
    record_id = models.CharField(_("WARC 记录"), max_length=100, blank=True)
    error = models.TextField(_("失败原因"), blank=True)

    class Meta:
        verbose_name = _("采集记录")
        verbose_name_plural = _("采集记录")
        ordering = ["url", "captured_at", "id"]
        indexes = [
            models.Index(fields=["document", "captured_at"], name="capture_document"),
        ]

    def __str__(self) -> str:
        return f"{self.url_id} {self.captured_at:%Y-%m-%d %H:%M} {self.outcome}"
