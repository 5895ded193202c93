"""Research tools over a search result set: trend, KWIC, compare, export."""
