"""Writing the index faster, and the same: lengths read once at a flush (``archive/search/whoosh_writing.py``),
and text analysed in one pass (``index_schema.WordTokenizer``)."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.writing import PostingPool, SegmentWriter

from archive.facade import Archive
from archive.search import index_schema, whoosh_writing
from archive.search.documents import documents_for
from archive.search.index_schema import TEXT_FIELDS, build_schema


def _fingerprint(folder: Path) -> str:
    """Every term's statistics, every posting with its block's length bounds, and the field lengths."""
    digest = hashlib.sha256()
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            digest.update(repr((fieldname, text, info.weight(), info.doc_frequency(), info.min_length(),
                                info.max_length(), info.max_weight())).encode())
            if fieldname in TEXT_FIELDS:
                matcher = reader.postings(fieldname, text)
                while matcher.is_active():
                    digest.update(repr((matcher.id(), matcher.weight(), matcher.value(),
                                        matcher.block_min_length(), matcher.block_max_length())).encode())
                    matcher.next()
        for fieldname in TEXT_FIELDS:
            digest.update(repr((reader.field_length(fieldname), reader.min_field_length(fieldname),
                                reader.max_field_length(fieldname),
                                [reader.doc_field_length(n, fieldname)
                                 for n in range(reader.doc_count_all())])).encode())
    ix.close()
    return digest.hexdigest()


def _build(folder: Path, documents: list[dict], writer_class: type[SegmentWriter],  # type: ignore[type-arg]
           limitmb: float = 128) -> int:
    """Build with ``writer_class``, and say how many runs its postings pool spilled to disk."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = writer_class(ix, limitmb=limitmb)
    for doc in documents:
        writer.add_document(**doc)
    runs = len(writer.pool.runs)
    writer.commit()
    ix.close()
    return runs


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:  # type: ignore[type-arg]
    from tests.conftest import FIXTURES

    home = tmp_path_factory.mktemp("home")
    archive = Archive.open(home)
    archive.import_collection(FIXTURES / "collection")
    with archive.engine.connect() as conn:
        found = list(documents_for(conn))
    archive.close()
    assert len({len(d.get("text_en", "").split()) for d in found}) > 3  # lengths that differ
    return found


# a pool that never spills, one that spills a few runs, one that spills more runs than Whoosh
# opens at once (128: it first merges runs into runs)
@pytest.mark.parametrize("limitmb, runs", [(128, (0, 0)), (0.01, (4, 200)), (0.0005, (128, 100_000))])
@pytest.mark.slow
def test_the_segment_is_the_one_whoosh_writes(tmp_path: Path, documents: list[dict], limitmb: float,  # type: ignore[type-arg]
                                               runs: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = _build(tmp_path / "whoosh", documents, SegmentWriter, limitmb)
    monkeypatch.setattr(whoosh_writing, "RUN_CHUNK", 7)  # many chunks per run
    ours = _build(tmp_path / "ours", documents, whoosh_writing.UpdateWriter, limitmb)
    assert ours == theirs and runs[0] <= ours <= runs[1]
    assert _fingerprint(tmp_path / "ours") == _fingerprint(tmp_path / "whoosh")
    assert not list((tmp_path / "ours").glob("*.run"))  # every run removed once read


def test_an_incremental_update_writes_with_the_update_writer(tmp_path: Path, fixture_collection: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.search import build_writer

    flushed: list[str] = []
    for cls in (build_writer.BuildWriter, whoosh_writing.UpdateWriter):
        real_flush = cls._flush_segment
        monkeypatch.setattr(cls, "_flush_segment",
                            lambda self, real=real_flush: flushed.append(type(self).__name__) or real(self))
    whoosh_flush = SegmentWriter.__dict__["_flush_segment"]
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(fixture_collection)
    assert flushed == ["BuildWriter"]  # a first import writes a whole build (test_search_build_writer.py)
    archive.index.update_people(["anna-synthetic"])
    archive.close()
    assert flushed == ["BuildWriter", "UpdateWriter"]  # an update adds to a copy of the build
    # Whoosh's own classes are left as they are
    assert SegmentWriter.__dict__["_flush_segment"] is whoosh_flush
    assert "_write_run" not in PostingPool.__dict__ and "_read_run" not in PostingPool.__dict__


def test_lengths_answer_as_the_column_reader(tmp_path: Path) -> None:
    schema = fields.Schema(body=fields.TEXT(), tag=fields.ID(), plain=fields.KEYWORD(scorable=False))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    writer = ix.writer()
    writer.add_document(body="one two three", tag="a", plain="x y")
    writer.add_document(tag="b")  # no body: no length
    writer.add_document(body=" ".join(["word"] * 300), tag="c")
    writer.commit()
    with ix.reader() as reader:
        theirs = reader.codec().per_document_reader(reader.storage(), reader.segment())
        ours = whoosh_writing.ColumnLengths(theirs)
        for docnum in range(3):
            for fieldname in ("body", "plain", "tag"):
                assert ours.doc_field_length(docnum, fieldname) == theirs.doc_field_length(docnum, fieldname)
        assert ours.doc_field_length(0, "tag", default=7) == 7  # a field that stores no lengths
        assert ours.doc_field_length(3, "body") is None  # past the last document, as Whoosh answers
        with pytest.raises(IndexError):
            ours.doc_field_length(4, "body")
    ix.close()


# --- one pass of analysis ---------------------------------------------------------------------------

TEXTS = [
    "Ёлки и ЛАГЕРЯХ, лагерь; Stalin’s pro-Stalin 1937 под_черк ё Ё",
    "The CAMPS were closed in 1956 — «лагеря» закрыли. Shark-feed, shark feed!",
    "", "   ", "a", "Я", "x2 3y ё-ё ЁЁЁ",
    "Галина Ивановна (Galina) — repression / репрессии … 1930-е годы",
]


@pytest.mark.parametrize("stemfn", [index_schema.stem_russian, index_schema.stem_english, None])
@pytest.mark.parametrize("options", [
    {}, {"positions": True, "chars": True}, {"positions": True, "start_pos": 5, "chars": True, "start_char": 10},
    {"keeporiginal": True, "positions": True}, {"mode": "query"}, {"tokenize": False, "positions": True, "chars": True},
])
def test_one_pass_gives_the_tokens_of_the_filter_chain(stemfn, options) -> None:  # type: ignore[no-untyped-def]
    ours, chain = index_schema.WordTokenizer(stemfn), index_schema.reference_analyzer(stemfn)
    attributes = ["text", "boost", "stopped"] + (["pos"] if options.get("positions") else []) \
        + (["startchar", "endchar"] if options.get("chars") else []) \
        + (["original"] if options.get("keeporiginal") else [])
    for text in TEXTS:
        mine = [tuple(getattr(t, a) for a in attributes) for t in ours(text, **options)]
        theirs = [tuple(getattr(t, a) for a in attributes) for t in chain(text, **options)]
        assert mine == theirs, text
        assert ours.has_morph() == chain.has_morph()


def test_the_analyser_pickles_without_its_cache() -> None:
    ours = index_schema.russian_analyzer()
    assert [t.text for t in ours("лагерях")] == ["лагер"]
    assert ours._stems  # remembered
    copy = pickle.loads(pickle.dumps(ours))
    assert copy == ours and copy._stems == {}
    assert [t.text for t in copy("ЛАГЕРЯХ ёлка")] == ["лагер", "елк"]


def test_the_stem_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_schema, "_STEM_CACHE_LIMIT", 3)
    ours = index_schema.english_analyzer()
    words = "camps camp walking walked stones"
    reference = index_schema.reference_analyzer(index_schema.stem_english)
    assert [t.text for t in ours(words)] == [t.text for t in reference(words)]
    assert len(ours._stems) <= 3
    monkeypatch.setattr(index_schema, "_STEM_CACHE_LIMIT", 100)
    long_word = "a" * 10_000
    assert [t.text for t in ours(long_word)] == [long_word] and long_word not in ours._stems
