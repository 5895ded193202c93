"""Harvest: capture 政务公开 columns into WARC files, keep them current (issue 18)."""
