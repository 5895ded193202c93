"""Hypothesis profiles and a per-example time limit for the reliability tests.

The default profile keeps the suite short and reproducible. For a long run:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/reliability -q
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]

# derandomize: the default suite runs the same examples every time (no flaky CI);
# the long profile explores new ones on each run.
settings.register_profile(
    "reliability",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=_HEALTH,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "reliability")
if PROFILE not in ("reliability", "long"):
    PROFILE = "reliability"
LONG = PROFILE == "long"


def fuzz_settings(**overrides: object) -> settings:
    """The active profile, with per-test overrides (scaled up in the long profile)."""
    base = settings.get_profile(PROFILE)
    if LONG and "max_examples" in overrides:
        overrides["max_examples"] = max(base.max_examples, overrides["max_examples"])
    return settings(base, **overrides)


class ExampleTimeout(Exception):
    """One example ran past its time limit: a hang or a pathological slowdown."""


# Seconds one example may take. Generous, because the test machine is shared; a
# real hang (a regex gone quadratic, a loop) blows far past it.
EXAMPLE_SECONDS = float(os.environ.get("PLANSITE_FUZZ_EXAMPLE_SECONDS", "15"))


@contextmanager
def time_limit(seconds: float = EXAMPLE_SECONDS) -> Iterator[None]:
    """Raise ExampleTimeout if the block runs longer than ``seconds``.

    SIGALRM interrupts Python code (regex matching included); faulthandler is a
    last resort that dumps every stack and exits if even that does not return.
    """

    def expire(_signum: int, _frame: object) -> None:
        raise ExampleTimeout(f"example took longer than {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds * 4, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)
