"""What an index holds, as a comparable value: for tests that build one index two ways."""

from __future__ import annotations

from typing import Any

from whoosh.reading import IndexReader


def postings(reader: IndexReader, fieldname: str, text: bytes, key: Any = None,
             blocks: bool = True) -> list[tuple[Any, ...]]:
    """Every posting of a term with its block's bounds (min/max length, max weight).

    ``key`` maps a docnum to what identifies the document (its stored id when two indexes
    number the documents differently); the postings are then sorted by it."""
    found = []
    matcher = reader.postings(fieldname, text)
    while matcher.is_active():
        docnum = matcher.id()
        posting = (key(docnum) if key else docnum, matcher.weight(), matcher.value())
        if blocks:
            posting += (matcher.block_min_length(), matcher.block_max_length(), matcher.block_max_weight())
        found.append(posting)
        matcher.next()
    return sorted(found, key=lambda p: p[0]) if key else found


def index_contents(reader: IndexReader, blocks: bool = True, key: Any = None) -> dict[str, Any]:
    """Terms with their statistics, postings, field lengths, stored fields and columns.

    With ``blocks=False`` the block bounds are left out (they depend on how documents were
    split between segments); with ``key`` documents are named by it rather than numbered."""
    schema = reader.schema
    name = key or (lambda docnum: docnum)
    terms = {}
    for fieldname, text in reader.all_terms():
        info = reader.term_info(fieldname, text)
        stats = (info.weight(), info.doc_frequency())
        if blocks:
            stats += (info.min_length(), info.max_length(), info.max_weight(), info.min_id(), info.max_id())
        terms[(fieldname, text)] = (stats, postings(reader, fieldname, text, key, blocks))
    scorable = [f for f in schema.names() if schema[f].scorable]
    # (Whoosh's min/max field length fails on a segment where no document has the field:
    # they are compared for one segment, with the blocks)
    lengths = {f: (reader.field_length(f),
                   (reader.min_field_length(f), reader.max_field_length(f)) if blocks else None,
                   # no length is None, or 0 in a segment where no document has the field
                   sorted((name(n), reader.doc_field_length(n, f) or 0) for n in range(reader.doc_count_all())))
               for f in scorable}
    stored = sorted((name(n), sorted(fields.items())) for n, fields in enumerate(reader.all_stored_fields()))
    columns = {}
    for fieldname in schema.names():
        if schema[fieldname].column_type and reader.has_column(fieldname):
            values = list(reader.column_reader(fieldname))
            columns[fieldname] = sorted((name(n), v) for n, v in enumerate(values))
    return {"terms": terms, "lengths": lengths, "stored": stored, "columns": columns,
            "doc_count": reader.doc_count_all()}
