"""Backup archives of the database, and their restore on an empty machine.

An archive is one tar file: the database (a SQLite copy made with the online
backup API, or a pg_dump custom-format dump), the originals of the attachment
store (attachments/<sha256>; their extracted text is in the database, so a
restore never converts or OCRs again) and, last, manifest.json with the
sha256 of every other member. The search index is not in it: a restore
rebuilds it from the database. Nothing else under PLANSITE_VAR_DIR is state
of its own (logs, jieba's cache, collected static files and the index can be
made again), and the gazetteer, the learned source templates, admin accounts,
queued index writes and pending attachment extractions are tables of the
database.
"""

from plansite.backup.archive import BackupError, Manifest
from plansite.backup.services import (
    BackupResult,
    RestoreResult,
    create_backup,
    default_destination,
    restore_backup,
    verify_backup,
)

__all__ = [
    "BackupError",
    "BackupResult",
    "Manifest",
    "RestoreResult",
    "create_backup",
    "default_destination",
    "restore_backup",
    "verify_backup",
]
