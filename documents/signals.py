"""Signals documents sends for the apps that keep copies of its rows (the index)."""

from django.dispatch import Signal

# A person edited or deleted these documents (the admin), inside the edit's
# transaction. Keyword argument: document_ids, a list of primary keys.
documents_edited = Signal()
