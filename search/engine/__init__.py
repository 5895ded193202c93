"""Whoosh at archive scale: the codec, bulk segment writer and array-based matching.

Whoosh is pure Python and walks postings one at a time. These modules read and
write the same on-disk segments in blocks and evaluate queries with NumPy, so
an exact search over 50,000 documents stays interactive. Whoosh's own readers,
matchers and writers keep working on every index written here.
"""
