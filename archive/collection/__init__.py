"""The collection format and its reading: YAML files, their schema, the vocabulary."""
