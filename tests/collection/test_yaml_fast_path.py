"""The plain path of reading YAML (data straight from the parser's events, lines found only when
a message needs one) and the worker processes give the same collections as the line-tracking
path, and the messages keep their file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive.collection import yaml_source
from archive.collection.loader import Collection, read_collection
from archive.collection.problems import InvalidCollection
from archive.collection.yaml_source import YamlLimits, load_yaml_text

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = [ROOT / "data", ROOT / "tests" / "fixtures" / "collection"]
YAML_FILES = [path for folder in COLLECTIONS for path in sorted(folder.rglob("*.y*ml"))]


def slow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file read on the line-tracking path (the plain path gives up on each)."""
    def not_plain(text: str | bytes, limits: YamlLimits) -> None:
        raise yaml_source.NotPlain
    monkeypatch.setattr(yaml_source, "data_from_events", not_plain)


def count_fast(monkeypatch: pytest.MonkeyPatch) -> list[str | bytes]:
    """The files the plain path read to the end."""
    taken: list[str | bytes] = []
    original = yaml_source.data_from_events

    def spy(raw: str | bytes, limits: YamlLimits):
        data = original(raw, limits)
        taken.append(raw)
        return data
    monkeypatch.setattr(yaml_source, "data_from_events", spy)
    return taken


def as_plain(collection: Collection) -> dict:
    return {
        "info": collection.info.model_dump(),
        "sources": [s.model_dump() for s in collection.sources],
        "vocabulary_file": collection.vocabulary_file.model_dump(),
        "people": [p.model_dump() for p in collection.people],
        "source_texts": collection.source_texts,
    }


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_file_same_data_and_lines(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, problems = load_yaml_text(text, "f.yaml")
    assert problems == []
    assert fast.pending is not None, "a file of the collection is plain: the plain path reads it"
    slow, slow_problems = yaml_source.load_yaml_text_with_lines(text, "f.yaml", YamlLimits())
    assert slow_problems == []
    assert fast.data == slow.data
    assert fast.line_of(("id",)) == slow.line_of(("id",))  # finds the lines
    assert fast.pending is None and fast.lines == slow.lines


@pytest.mark.parametrize("folder", COLLECTIONS, ids=lambda p: p.name)
def test_collection_same_on_both_paths_and_with_workers(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = count_fast(monkeypatch)
    fast = as_plain(read_collection(folder, workers=1))
    assert taken, "the plain path was taken"
    parallel = as_plain(read_collection(folder, workers=2, parallel_from=1))
    with monkeypatch.context() as patch:
        slow_only(patch)
        slow = as_plain(read_collection(folder, workers=1))
    assert fast == slow
    assert parallel == slow


def test_values_of_every_type_match(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("a: 1\nb: 2.5\nc: true\nd: no\ne: ~\nf:\ng: 2024-01-02\nh: '007'\ni: [x, {j: -3}]\n"
            "k: 'a & b *c'\nl: |\n  two\n  lines\nm: 0x1F\nn: .inf\n")
    fast, problems = load_yaml_text(text, "t.yaml")
    assert problems == [] and fast.pending is not None
    slow, _ = yaml_source.load_yaml_text_with_lines(text, "t.yaml", YamlLimits())
    assert fast.data == slow.data
    assert fast.line_of(("i", 1, "j")) == 9


@pytest.mark.parametrize("text", [
    "a: &x [1, 2]\nb: *x\n",  # aliases: the alias budget is the line-tracking path's
    "base: &b {k: 1}\nm:\n  <<: *b\n",  # a merge key
    "a: !!str 1\n",  # an explicit tag
    "a: 1\na: 2\n",  # a duplicate key
    "? [1, 2]\n: x\n",  # a key that is not a word
    "1: x\n",  # a key that is a number
    "d: 1937-13-45\n",  # a value the type cannot hold
    "a: [1, 2\n",  # a syntax error
    "a: 1\n---\nb: 2\n",  # two documents
])
def test_anything_unusual_takes_the_line_tracking_path(text: str) -> None:
    fast, fast_problems = load_yaml_text(text, "t.yaml")
    slow, slow_problems = yaml_source.load_yaml_text_with_lines(text, "t.yaml", YamlLimits())
    assert fast.pending is None
    assert fast_problems == slow_problems
    assert fast.data == slow.data


def test_limits_hold_on_the_fast_path() -> None:
    limits = YamlLimits(max_scalar_chars=100, max_depth=5)
    doc, problems = load_yaml_text("a: " + "x" * 2000 + "\n", "t.yaml", limits)
    assert doc.data is None and [p.line for p in problems] == [1] and "longer than the limit" in problems[0].message
    doc, problems = load_yaml_text("a:\n  b:\n    c:\n      d:\n        e:\n          f: 1\n", "t.yaml", limits)
    assert doc.data is None and problems and "nested more than 5 levels" in problems[0].message
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7))
    doc, problems = load_yaml_text(laughs, "bomb.yaml")
    assert doc.data is None and problems and "alias bomb" in problems[0].message


def test_errors_keep_file_and_line_after_the_fast_path(fixture_collection: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    anna = fixture_collection / "people" / "anna-synthetic.yaml"
    content = anna.read_text(encoding="utf-8")
    assert "    stance: critic\n" in content
    anna.write_text(content.replace("    stance: critic\n", "    stance: critical\n", 1), encoding="utf-8")
    line = next(n for n, text in enumerate(anna.read_text(encoding="utf-8").splitlines(), 1)
                if text == "    stance: critical")
    taken = count_fast(monkeypatch)
    with pytest.raises(InvalidCollection) as raised:
        read_collection(fixture_collection, workers=1)
    assert taken, "the file was read on the plain path first"
    [problem] = raised.value.problems
    assert problem.file.endswith("people/anna-synthetic.yaml") and problem.line == line
    assert problem.field.startswith("quotes[") and problem.field.endswith("].stance")
    assert "'critical' is not in the stances" in problem.message


@pytest.mark.parametrize("workers", [1, 2])
def test_duplicate_ids_across_files_keep_their_line(fixture_collection: Path, workers: int) -> None:
    people = fixture_collection / "people"
    copy = people / "zz-copy.yaml"
    shutil.copy(people / "anna-synthetic.yaml", copy)
    content = copy.read_text(encoding="utf-8")
    copy.write_text(content.replace("id: anna-synthetic\n", "id: zz-copy\n", 1), encoding="utf-8")
    with pytest.raises(InvalidCollection) as raised:
        read_collection(fixture_collection, workers=workers, parallel_from=1)
    duplicates = [p for p in raised.value.problems if "duplicate quote id" in p.message]
    assert duplicates
    lines = copy.read_text(encoding="utf-8").splitlines()
    for problem in duplicates:
        assert problem.file.endswith("people/zz-copy.yaml")
        quote_id = problem.message.split("'")[1]
        assert lines[problem.line - 1].strip() == f"- id: {quote_id}", problem


def test_problems_same_with_workers(fixture_collection: Path) -> None:
    anna = fixture_collection / "people" / "anna-synthetic.yaml"
    content = anna.read_text(encoding="utf-8")
    anna.write_text(content.replace("    stance: critic\n", "    stance: critical\n    colour: red\n", 1),
                    encoding="utf-8")
    (fixture_collection / "people" / "broken.yaml").write_text("id: broken\nname: [unclosed\n", encoding="utf-8")
    found = []
    for workers in (1, 2):
        with pytest.raises(InvalidCollection) as raised:
            read_collection(fixture_collection, workers=workers, parallel_from=1)
        found.append([str(p) for p in raised.value.problems])
    assert found[0] == found[1] and len(found[0]) == 2


@pytest.mark.parametrize("prefix, newline", [(b"", b"\n"), (b"\xef\xbb\xbf", b"\n"), (b"\xef\xbb\xbf", b"\r\n")],
                         ids=["plain", "bom", "bom-crlf"])
def test_the_bytes_the_fast_path_reads_give_the_data_of_the_text(tmp_path: Path, prefix: bytes, newline: bytes,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A file is parsed from its bytes on the plain path: a UTF-8 byte-order mark, CRLF line ends,
    Cyrillic, folded and quoted values give what the line-tracking path gives from the text."""
    body = ("id: galina\nname: Галина\nquotes:\n- text:\n    ru: \"Лагерь — «не» забыт\"\n    en: >-\n"
            "      folded\n      lines\n  timecode_in: '00:01:02'\n  years: 75\n  ok: yes\n")
    path = tmp_path / "p.yaml"
    path.write_bytes(prefix + body.encode("utf-8").replace(b"\n", newline))
    taken: list[object] = []
    original = yaml_source.data_from_events

    def spy(text: object, limits: YamlLimits) -> object:
        taken.append(text)
        return original(text, limits)  # type: ignore[arg-type]

    monkeypatch.setattr(yaml_source, "data_from_events", spy)
    fast, problems = yaml_source.load_yaml_file(path, "p.yaml")
    assert problems == [] and taken and isinstance(taken[0], bytes)
    text = path.read_bytes().decode("utf-8").lstrip("\ufeff")
    slow, _ = yaml_source.load_yaml_text_with_lines(text, "p.yaml", YamlLimits())
    assert fast.data == slow.data
    assert fast.data["quotes"][0]["text"]["ru"] == "Лагерь — «не» забыт"
    assert fast.data["quotes"][0]["ok"] is True and fast.data["quotes"][0]["years"] == 75
    assert fast.line_of(("quotes", 0, "years")) == slow.line_of(("quotes", 0, "years")) == 10


@pytest.mark.parametrize("bad, where, message", [
    (b"# M\xfcller\n", "(encoding)", "not UTF-8 (byte 0xfc"),  # Latin-1, in a comment no value holds
    (b"note: \xed\xa0\x80\n", "(encoding)", "not UTF-8 (byte 0xed"),  # a surrogate, encoded
    (b"note: \xc0\xaf\n", "(encoding)", "not UTF-8 (byte 0xc0"),  # an overlong sequence
    (b"note: a\x07b\n", "(encoding)", "U+0007 is not allowed"),  # a control character
], ids=["latin1-comment", "surrogate", "overlong", "control"])
def test_bytes_the_fast_path_refuses_get_the_problem_and_its_line(tmp_path: Path, bad: bytes, where: str,
                                                                  message: str) -> None:
    """The plain path reads the raw bytes before anything decodes them: whatever libyaml or the
    decoder refuses there must still come back as the careful path's problem, on its line."""
    path = tmp_path / "p.yaml"
    path.write_bytes(b"id: galina\nname: \xd0\x93\xd0\xb0\xd0\xbb\xd0\xb8\xd0\xbd\xd0\xb0\n" + bad + b"role: x\n")
    doc, problems = yaml_source.load_yaml_file(path, "p.yaml")
    assert doc.data is None
    assert [(p.line, p.field) for p in problems] == [(3, where)]
    assert message in problems[0].message
