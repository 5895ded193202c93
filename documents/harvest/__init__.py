"""Harvest 政务公开 columns into WARC files (issue 18)."""
