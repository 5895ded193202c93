"""Documents: the records, their admin, and the import pipeline."""
