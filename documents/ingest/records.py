"""What the extraction stage hands on: raw strings as read, before normalising."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class RawRecord:
    """One document as extracted from a file, with every value still a string."""

    original: str
    layout: str
    body: str
    fields: dict[str, str] = field(default_factory=dict)
    # The label each field was read under, and its rank (lower wins).
    labels: dict[str, str] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)
    breadcrumb: list[str] = field(default_factory=list)
    # Fields whose value was read but whose meaning was taken from its position.
    positional: set[str] = field(default_factory=set)
    # The site's own name (<meta name="SiteName">), evidence for whose a
    # department named without its place is.
    site_name: str = ""
    # Region names given explicitly (CSV/JSON exports carry them).
    region_names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Distinguishes records inside one file ("#3"); empty for one-document files.
    locator_suffix: str = ""
    # Every value offered per field, winner or not (a time the winner lacks).
    offered: dict[str, list[str]] = field(default_factory=dict)
    # Provenance stated by the source itself (an export of this archive).
    stated_inferred: set[str] = field(default_factory=set)
    stated_needs_review: bool | None = None
    # Attachment files a row names (as written, relative to its record file),
    # and those already found on disk (absolute paths).
    attachment_names: list[str] = field(default_factory=list)
    attachment_paths: list[str] = field(default_factory=list)
    # When the page was captured (a WARC record's WARC-Date): its version's time.
    captured_at: datetime | None = None

    def offer(
        self, field_name: str, value: str, *, label: str = "", rank: int = 0
    ) -> None:
        """Keep ``value`` unless the field already holds a value from a better label."""
        value = value.strip()
        if not value or field_name == "ignored":
            return
        self.offered.setdefault(field_name, []).append(value)
        if field_name in self.fields and self.ranks[field_name] <= rank:
            return
        self.fields[field_name] = value
        self.labels[field_name] = label
        self.ranks[field_name] = rank
