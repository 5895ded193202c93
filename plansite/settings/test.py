"""Test settings: fast hashing, and runtime state in a throwaway directory."""

import tempfile
from pathlib import Path

from plansite.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests never write into the developer's var/ (index, cache); each run gets its own.
_TEST_VAR = Path(tempfile.mkdtemp(prefix="plansite-test-"))
WHOOSH_INDEX_DIR = _TEST_VAR / "whoosh_index"
HAYSTACK_CONNECTIONS["default"]["PATH"] = str(WHOOSH_INDEX_DIR)  # noqa: F405
ATTACHMENT_DIR = _TEST_VAR / "attachments"
