"""Whoosh at archive scale: one module a job, behind the adapter in search/backend.py.

Whoosh is pure Python and walks postings one at a time. These modules read and
write the same on-disk segments in blocks and evaluate queries with NumPy, so
an exact search over 50,000 documents stays interactive. Whoosh's own readers,
matchers and writers keep working on every index written here.

- schema.py: the fields, SCHEMA_VERSION and needs_rebuild();
- folder.py: opening the committed index; integrity.py: checksums, damage;
- reading.py: the searcher lifecycle and damage while reading; postings.py,
  matching.py: posting lists and query evaluation with arrays (evaluation.py
  builds the query; exact_form.py: a term in the EXACT form); ranking.py:
  BM25 or a field's order; facets.py; more_like.py: similar documents;
  expansion.py: their key terms; conversion.py: haystack SearchResults;
- writing.py: the write lock and incremental commits; writer.py: the bulk
  segment writer; folding.py: which small segments to fold; rebuild.py: a
  parallel rebuild swapped in whole;
- whoosh_internals.py: every use of Whoosh's private API (pinned to 2.7.4).
"""
