"""Search: the index, tokeniser, query parser and highlighting. Only this app imports
haystack, whoosh or jieba, so an engine change touches one folder."""
