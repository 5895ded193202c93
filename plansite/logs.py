"""The LOGGING dictionary, and a rotating file handler that several processes share.

gunicorn's workers, an import and a cron job all write ``plansite.log``. The
stdlib RotatingFileHandler rotates in whichever process crosses the limit, while
the others keep writing into the renamed file and rotate it again: records inside
the retained window were lost and rotated files were cut short.
concurrent-log-handler (Apache-2.0) takes a lock file around every write and
every rotation, so one process rotates at a time and the others reopen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from concurrent_log_handler import ConcurrentRotatingFileHandler

HANDLER = "plansite.logs.SharedRotatingFileHandler"


class SharedRotatingFileHandler(ConcurrentRotatingFileHandler):
    """ConcurrentRotatingFileHandler that escapes what is not valid text.

    A traceback may quote a file name that is not UTF-8 (surrogates); the
    library knows only ignore/replace, so the record is escaped here and the
    name stays readable in the file (as ``errors="backslashreplace"`` did).
    """

    def __init__(
        self, filename: str, *, errors: str = "backslashreplace", **kwargs: Any
    ) -> None:
        self.text_errors = errors
        super().__init__(filename, **kwargs)

    def format(self, record: Any) -> str:
        text = super().format(record)
        encoding = self.encoding or "utf-8"
        return text.encode(encoding, self.text_errors).decode(encoding)


def logging_config(
    log_dir: Path, *, max_bytes: int, backups: int, security_max_bytes: int
) -> dict[str, Any]:
    """Each record once in ``plansite.log``; bad-Host noise in a file of its own.

    django.security.DisallowedHost (any scanner sending a foreign Host) goes to
    ``security.log``, small and apart, so that a flood of it cannot rotate the
    main log's history away. Django's warnings also reach the console (stderr,
    which gunicorn keeps in its error log), each once.
    """

    def rotating(name: str, size: int, count: int) -> dict[str, Any]:
        return {
            "class": HANDLER,
            "filename": str(log_dir / name),
            "maxBytes": size,
            "backupCount": count,
            "encoding": "utf-8",
            "errors": "backslashreplace",
            "formatter": "plain",
        }

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {
                "format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain"},
            "file": rotating("plansite.log", max_bytes, backups),
            "security": rotating("security.log", security_max_bytes, 1),
        },
        "root": {"handlers": ["file"], "level": "INFO"},
        "loggers": {
            # The file comes from root (propagation); a file handler here as
            # well wrote every Django record twice.
            "django": {"handlers": ["console"], "level": "WARNING"},
            "django.security.DisallowedHost": {
                "handlers": ["security"],
                "level": "WARNING",
                "propagate": False,
            },
            "jieba": {"level": "WARNING"},
        },
    }
