"""Long fuzz runs: the reliability tests with Hypothesis's long profile.

The default suite runs each fuzz test with a fixed, small set of examples (about
a minute in all). This runs them with new random examples, 2,000 per test and
20,000 hostile requests, and prints how many examples each test ran:

    .venv/bin/python -m bench.fuzz_bench [--seed N] [-k EXPR]

Exit status is pytest's: 0 when nothing broke. A failure prints the smallest
example Hypothesis found; add it to the test as an @example to keep it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZ_TESTS = [
    "tests/reliability/test_import_fuzz.py",
    "tests/reliability/test_hostile_requests.py::test_hostile_requests_never_break_a_page",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, help="Hypothesis seed (default: random)")
    parser.add_argument("-k", dest="keyword", help="only tests matching this")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *FUZZ_TESTS,
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        # The passing tests' output: the hostile-request test counts its requests.
        "-rP",
        f"--hypothesis-seed={seed}",
        *(["-k", args.keyword] if args.keyword else []),
    ]
    env = {**os.environ, "HYPOTHESIS_PROFILE": "long"}
    print(f"== long fuzz run, seed {seed}", flush=True)
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    # Hypothesis's statistics: a block per test, with "- N passing, M failing,
    # and K invalid test cases" for each phase.
    for block in re.split(r"\n(?=tests/)", output):
        name = block.splitlines()[0] if block.startswith("tests/") else ""
        counts = re.findall(r"(\d+) passing, (\d+) failing", block)
        if name and counts:
            passing = sum(int(p) for p, _ in counts)
            failing = sum(int(f) for _, f in counts)
            print(f"{name} {passing} passing, {failing} failing examples")
    for count in re.findall(r"hostile requests sent: (\d+)", output):
        print(f"hostile requests: {count} sent, none answered with a server error")
    summary = [
        line for line in output.splitlines() if re.search(r"passed|failed", line)
    ]
    print(summary[-1] if summary else output[-3000:])
    if done.returncode:
        print(output[-6000:])
    print(f"== {elapsed / 60:.1f} min, exit {done.returncode}, seed {seed}")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
