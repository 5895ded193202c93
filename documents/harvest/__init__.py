"""The harvester: capture 政务公开 columns into WARC files and keep them current."""
