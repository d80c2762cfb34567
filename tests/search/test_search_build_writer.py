"""A new build written with postings kept per term (``archive/search/term_pool.py``,
``archive/search/build_writer.py``): the index Whoosh's own writer makes, in one process or several."""

from __future__ import annotations

import io
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import fields, formats
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter, W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from archive.facade import Archive
from archive.search import build_writer, index_schema, term_pool
from archive.search.documents import documents_for
from archive.search.index_schema import build_schema
from tests.index_fingerprint import index_contents

pytestmark = pytest.mark.slow  # builds indexes both ways and compares them byte for byte

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    from tests.conftest import FIXTURES

    archive = Archive.open(tmp_path_factory.mktemp("home"))
    archive.import_collection(FIXTURES / "collection")
    with archive.engine.connect() as conn:
        found = list(documents_for(conn))
    archive.close()
    return found


def _whoosh_build(folder: Path, schema: fields.Schema, documents: list[dict[str, Any]]) -> None:
    """The same documents through Whoosh's own writer: its pool, its flush, its block writer."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    writer = SegmentWriter(ix)
    for doc in documents:
        writer.add_document(**doc)
    writer.commit()
    ix.close()


def _our_build(folder: Path, schema: fields.Schema, documents: list[dict[str, Any]], procs: int = 1,
               limitmb: float = 256) -> None:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    build_writer.write_all(ix, iter(documents), procs=procs, limitmb=limitmb)  # type: ignore[arg-type]
    ix.close()


def _contents(folder: Path, blocks: bool = True, key: str | None = None) -> dict[str, Any]:
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        name = (lambda docnum: reader.stored_fields(docnum)[key]) if key else None
        found = index_contents(reader, blocks=blocks, key=name)
    ix.close()
    return found


def _runs_spilled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    spilled: list[int] = []
    real_save = term_pool.TermPool.save

    def save(self: term_pool.TermPool) -> None:
        spilled.append(self._postings)
        real_save(self)

    monkeypatch.setattr(term_pool.TermPool, "save", save)
    return spilled


# a pool that never spills, one that spills a few runs, one that spills a run every few documents
@pytest.mark.parametrize("limitmb, runs", [(256, (0, 0)), (0.01, (3, 60)), (0.0005, (50, 100_000))])
def test_the_index_is_the_one_whoosh_writes(tmp_path: Path, documents: list[dict[str, Any]], limitmb: float,
                                            runs: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    _whoosh_build(tmp_path / "whoosh", build_schema(), documents)
    spilled = _runs_spilled(monkeypatch)
    monkeypatch.setattr(term_pool, "_RUN_CHUNK_POSTINGS", 5)  # many chunks per run
    _our_build(tmp_path / "ours", build_schema(), documents, limitmb=limitmb)
    assert runs[0] <= len([n for n in spilled if n]) <= runs[1]
    ours, theirs = _contents(tmp_path / "ours"), _contents(tmp_path / "whoosh")
    assert ours["terms"] and ours == theirs
    assert not [p for p in (tmp_path / "ours").rglob("*") if p.suffix in (".terms", ".run")]  # runs removed


def _mixed_schema() -> fields.Schema:
    """Every kind of field and analyser the pool meets: its fast paths and Whoosh's own."""
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        words=fields.TEXT(analyzer=index_schema.russian_analyzer(), phrase=True),
        counted=fields.TEXT(analyzer=index_schema.spelling_analyzer(), phrase=False),  # Frequency
        boosted=fields.TEXT(analyzer=index_schema.english_analyzer(), phrase=True, field_boost=2.5),
        chain=fields.TEXT(analyzer=index_schema.reference_analyzer(index_schema.stem_english)),
        names=fields.TEXT(analyzer=index_schema.names_analyzer(), phrase=True),
        tags=fields.KEYWORD(commas=True, scorable=True, lowercase=True),
        exists=fields.ID(),
        number=fields.NUMERIC(int, stored=True),  # term bytes that are not UTF-8
        when=fields.DATETIME(),
        plain=fields.TEXT(phrase=False),  # Whoosh's standard analyser (stop words dropped)
        sortable=fields.ID(sortable=True),
    )


def _mixed_documents(count: int) -> list[dict[str, Any]]:
    import datetime

    rng = random.Random(7)
    vocabulary = ["лагерь", "лагерях", "Ёлка", "елка", "camp", "camps", "Stalin", "the", "a", "и",
                  "Галина", "Galina", "shark", "feed", "1937", "x" * 70] + [f"w{i}" for i in range(300)]
    docs = []
    for n in range(count):
        def text(k: int) -> str:
            return " ".join(rng.choice(vocabulary) for _ in range(k))
        doc: dict[str, Any] = {
            "key": f"d{n}", "words": text(rng.randrange(0, 40)), "counted": text(rng.randrange(1, 30)),
            "boosted": text(rng.randrange(1, 12)), "chain": text(rng.randrange(1, 20)),
            "names": rng.choice(["Галина Иванова", "Galina", "Igor Sergeyev", ""]),
            "tags": ",".join(rng.sample(["Gulag", "war", "faith", "a b"], rng.randrange(0, 4))),
            "exists": rng.choice(["quote", "person", "relative"]), "number": rng.randrange(-5, 10**9),
            "when": datetime.datetime(1930 + n % 50, 1 + n % 12, 1), "plain": text(rng.randrange(0, 15)),
            "sortable": rng.choice(["b", "a", "c"]),
        }
        if n % 7 == 0:
            doc["words"] = text(400)  # longer than the values the pool remembers
        if n % 5 == 0:
            doc["_boost"] = 1.5
        if n % 3 == 0:
            doc["_words_boost"] = 3.0
        if n % 11 == 0:
            del doc["chain"]  # a field missing from a document: no length
        docs.append(doc)
    return docs


MIXED_DOCUMENTS = 400


@pytest.fixture(scope="module")
def mixed_by_whoosh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What Whoosh's own writer makes of the mixed documents (the same for every memory limit of ours)."""
    folder = tmp_path_factory.mktemp("mixed") / "whoosh"
    _whoosh_build(folder, _mixed_schema(), _mixed_documents(MIXED_DOCUMENTS))
    return _contents(folder)


@pytest.mark.parametrize("limitmb", [256, 0.01])
def test_every_kind_of_field_gets_the_postings_whoosh_gives_it(tmp_path: Path, limitmb: float,
                                                               mixed_by_whoosh: dict[str, Any],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _our_build(tmp_path / "ours", _mixed_schema(), _mixed_documents(MIXED_DOCUMENTS), limitmb=limitmb)
    ours, theirs = _contents(tmp_path / "ours"), mixed_by_whoosh
    assert any(not text.decode("utf-8", "replace").isprintable() for _, text in ours["terms"])  # numeric terms
    assert any(stats[0] != int(stats[0]) for stats, _ in ours["terms"].values())  # boosted weights
    assert ours == theirs


def _block_writer(compression: int = 3, ours: bool = False) -> tuple[W3PostingsWriter, io.BytesIO]:
    buffer = io.BytesIO()
    file = StructFile(buffer)
    writer_class = term_pool.BlockPostingsWriter if ours else W3PostingsWriter
    return writer_class(file, blocklimit=128, compression=compression), buffer


def _blocks(data: bytes) -> list[tuple[int, Any, Any]]:
    """A postings file's blocks: the sign of the length, the header, and the uncompressed data."""
    import pickle
    import struct

    assert data.startswith(b"W3Bl")
    found, at = [], 4
    while at < len(data):
        length = struct.unpack(">i", data[at:at + 4])[0]
        at += 4
        body = data[at:at + abs(length)]
        info = pickle.loads(body)
        header_length = len(pickle.dumps(info, 2))
        payload = body[header_length:]
        found.append((length < 0, info, pickle.loads(zlib.decompress(payload) if info[3] else payload)))
        at += abs(length)
        if length < 0 and at < len(data):
            assert data[at:at + 4] == b"W3Bl"
            at += 4
    return found


@pytest.mark.parametrize("fmt", [formats.Positions(), formats.Frequency(), formats.Existence()])
@pytest.mark.parametrize("compression", [3, 0])
def test_a_block_is_written_as_whoosh_writes_it(fmt: formats.Format, compression: int) -> None:
    rng = random.Random(3)
    for count in (1, 2, 127, 128, 129, 300):
        ids = sorted(rng.sample(range(10**6), count))
        weights = [rng.choice([1.0, 1.0, 2.0, 0.4 * rng.randrange(1, 9)]) for _ in ids]
        if count == 127:
            weights = [1.0] * count  # all ones: no weights are written
        if count == 128:
            weights = [2.5] * count  # all equal: one weight
        values = [fmt.encode(sorted(rng.sample(range(200), rng.randrange(1, 4)))) if isinstance(fmt, formats.Positions)
                  else pack_uint(rng.randrange(1, 4)) if isinstance(fmt, formats.Frequency) else b"" for _ in ids]
        # no length (None, 0) only within one block: Whoosh's own writer fails when a later block has one
        lengths = [rng.choice([None, 0, 1, 7, 300, 10**5] if count <= 128 else [1, 7, 300, 10**5]) for _ in ids]
        written = []
        for ours in (False, True):
            writer, buffer = _block_writer(compression, ours)
            writer.start_postings(fmt, W3TermInfo())
            if isinstance(writer, term_pool.BlockPostingsWriter):
                table = {docnum: length for docnum, length in zip(ids, lengths, strict=False)}
                doc_lengths = [table.get(n) for n in range(max(ids) + 1)]
                for start in range(0, count, 128):
                    end = start + 128
                    writer.fill_block(ids[start:end], weights[start:end], values[start:end], doc_lengths)
                    if end < count:
                        writer.write_block()
            else:
                for docnum, weight, value, length in zip(ids, weights, values, lengths, strict=False):
                    writer.add_posting(docnum, weight, value, length)
            info = writer.finish_postings()
            written.append((_blocks(buffer.getvalue()), info.to_bytes()[:-12]))  # less the extent (offset, length)
        assert written[0] == written[1], count


def test_a_compressed_block_is_read_by_zlib() -> None:
    data = bytes(random.Random(1).choice(b"abc\x00\x01") for _ in range(5000))
    packed = term_pool._compress(data, 3)
    assert zlib.decompress(packed) == data and len(packed) < len(data) // 2


def test_two_writer_processes_write_the_index_one_writes(tmp_path: Path, documents: list[dict[str, Any]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_writer, "BATCH", 3)  # batches go to both processes in turn
    _our_build(tmp_path / "one", build_schema(), documents, procs=1)
    _our_build(tmp_path / "two", build_schema(), documents, procs=2)
    ix = whoosh_index.open_dir(str(tmp_path / "two"))
    with ix.searcher() as searcher:
        sizes = [r.doc_count_all() for r, _ in searcher.leaf_searchers()]
    ix.close()
    assert len(sizes) == 2 and min(sizes) > 0 and sum(sizes) == len(documents)
    one = _contents(tmp_path / "one", blocks=False, key="doc_id")
    two = _contents(tmp_path / "two", blocks=False, key="doc_id")
    assert one["terms"] and one == two


def _failing(documents: list[dict[str, Any]], at: int) -> Iterator[dict[str, Any]]:
    for n, doc in enumerate(documents):
        yield {**doc, "no_such_field": "x"} if n == at else doc


def test_a_writer_process_that_fails_stops_the_build_with_its_error(tmp_path: Path,
                                                                    documents: list[dict[str, Any]]) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with pytest.raises(build_writer.WriterProcessFailed, match="no_such_field"):
        build_writer.write_all(ix, _failing(documents, 5), procs=2)
    assert not multiprocessing.active_children()  # no writer process left behind
    assert whoosh_index.open_dir(str(tmp_path)).doc_count_all() == 0  # nothing committed
    ix.close()


def test_a_failure_in_the_documents_stops_the_writer_processes(tmp_path: Path,
                                                               documents: list[dict[str, Any]]) -> None:
    def broken() -> Iterator[dict[str, Any]]:
        yield from documents[:700]
        raise RuntimeError("the database went away")

    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with pytest.raises(RuntimeError, match="went away"):
        build_writer.write_all(ix, broken(), procs=2)
    assert not multiprocessing.active_children()
    writer = ix.writer()  # the write lock was released
    writer.cancel()
    ix.close()


KILLED_PARENT = """
import os, signal, sys
from whoosh import index as whoosh_index
from archive.search import build_writer
from archive.search.index_schema import build_schema

ix = whoosh_index.create_in(sys.argv[1], build_schema())

def documents():
    for n in range(5000):
        yield {"doc_id": f"d{n}", "kind": "quote", "text_en": "camp " * 20}
        if n == 2000:
            import multiprocessing
            with open(sys.argv[2], "w") as f:
                f.write(" ".join(str(p.pid) for p in multiprocessing.active_children()))
            os.kill(os.getpid(), signal.SIGKILL)

build_writer.write_all(ix, documents(), procs=2)
"""


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_writer_processes_end_when_the_building_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "killed.py"
    script.write_text(KILLED_PARENT)
    pids_file = tmp_path / "pids"
    (tmp_path / "index").mkdir()
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "index"), str(pids_file)],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.returncode == -signal.SIGKILL
    pids = [int(p) for p in pids_file.read_text().split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pids if _running(pid)]


def test_without_fork_the_documents_are_written_here(tmp_path: Path, documents: list[dict[str, Any]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # as on Windows
    _our_build(tmp_path / "one", build_schema(), documents, procs=2)
    ix = whoosh_index.open_dir(str(tmp_path / "one"))
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 1 and searcher.doc_count_all() == len(documents)
    ix.close()


def test_only_fields_whose_values_repeat_are_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(term_pool, "_CACHE_TRIAL", 20)
    pool = term_pool.TermPool(None)
    schema = _mixed_schema()
    for n in range(200):
        pool.add_field("key", schema["key"], n, f"d{n}", 1.0)  # a new value each time
        pool.add_field("names", schema["names"], n, ["Галина Иванова", "Igor"][n % 2], 1.0)
    assert "key" in pool._uncached and "key" not in pool._analysed
    assert "names" not in pool._uncached and len(pool._analysed["names"]) == 2
    terms = dict(((f, t), flat) for f, t, flat in pool.iter_terms())
    assert terms[("key", b"d150")] == [150, 1.0, b""] and len(terms[("names", b"igor")]) == 3 * 100


def test_a_schema_with_term_vectors_is_written_by_whooshs_own_writer(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    schema = fields.Schema(key=fields.ID(stored=True), body=fields.TEXT(vector=True))
    docs = [{"key": f"d{n}", "body": f"camp {n} лагерь"} for n in range(50)]
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with pytest.raises(ValueError, match="term vectors"):
        build_writer.BuildWriter(ix)
    build_writer.write_all(ix, iter(docs), procs=2)
    with ix.searcher() as searcher:
        assert searcher.doc_count_all() == 50
        assert searcher.vector_as("frequency", 0, "body")  # the vectors were written
        assert len(list(searcher.documents())) == 50
    ix.close()


def test_a_build_names_whoosh_codec_in_its_segments(tmp_path: Path, documents: list[dict[str, Any]]) -> None:
    """The build is written through our codec subclass, but its table of contents names Whoosh's
    own codec: reading an index does not depend on the writer's module (nor on its name)."""
    _our_build(tmp_path / "ours", build_schema(), documents[:50], procs=1)
    ix = whoosh_index.open_dir(str(tmp_path / "ours"))
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert leaves and all(type(leaf.segment().codec()) is W3Codec for leaf in leaves)
    ix.close()
    toc = next((tmp_path / "ours").glob("_MAIN_*.toc")).read_bytes()
    assert b"term_pool" not in toc and b"BuildCodec" not in toc
