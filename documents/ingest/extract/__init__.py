"""Stage 4: extract raw fields and body from each layout."""
