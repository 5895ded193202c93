"""Attachments (附件): files published with a document, their store and their text.

- ``kinds.py``: the formats the archive reads (one registry: suffix, magic bytes,
  media type, label).
- ``result.py``: what an extraction gives back (text, pages, headings, OCR
  confidence) and the limits it runs under.
- ``extract/``: one module per format; ``sandbox.py`` runs each extraction in a
  separate process with time, memory and output limits.
- ``ocr.py`` and ``quality.py``: Tesseract, and the test for text that is not
  really text (no ToUnicode map, a scan, few CJK characters).
- ``store.py``: the original bytes, once each, under the var directory by hash.
- ``metadata.py``: title, issuer and 成文日期 from an attachment's first page
  and signature block.
"""
