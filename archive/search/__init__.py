"""Full-text search: the index schema, the documents, the engine and its fenced speed-ups."""
