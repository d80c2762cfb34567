"""yaml-rs reads a plain file only where its reading is PyYAML's: generated files of every
style, the scalars where YAML 1.1 and 1.2 part, and the bytes yaml-rs takes and PyYAML
refuses, checked against PyYAML itself."""

from __future__ import annotations

import datetime
import random
import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from archive.collection import yaml_rs_reader
from archive.collection import yaml_source
from archive.collection.yaml_rs_reader import Unsure, read_plain
from archive.collection.yaml_source import YamlLimits

ROOT = Path(__file__).resolve().parents[2]
LIMITS = YamlLimits()


def typed(value: Any) -> Any:
    """``value`` with every scalar's type beside it: ``1 == True == 1.0`` must not pass."""
    if isinstance(value, dict):
        return {typed(k): typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, repr(value))


def by_rs(raw: bytes) -> Any:
    return read_plain(raw, raw.decode("utf-8"), LIMITS.max_depth, LIMITS.max_scalar_chars)


def pyyaml(raw: bytes) -> Any:
    return yaml.load(raw, Loader=yaml.CSafeLoader)


# --- generated files -----------------------------------------------------------------------------

ALPHABET = string.ascii_letters + string.digits + " -_:#'\"!&*?,[]{}|>%@`\\/.\n\t" + "ёЁжЖ—«»…" + "\x85\u2028\u00a0"
TRICKY = ["yes", "no", "On", "OFF", "y", "n", "2005-11-04", "2005", "00:00:20", "00:00:07", "1:20", "190:20:30",
          "017", "08", "0o17", "0X1F", "0x1F", "_1", "+_1", "1_000", "0b101", "1e3", "1.5e3", "+.5", "._5", ".nan",
          "3.14", "~", "null", "NULL", "true", "FALSE", "", " lead", "trail ", "a: b", "- x", "#c", "x #y", "'q'",
          '"d"', "multi\nline\n\n para", "  indented\n more", "=", "<<", "2001-12-14 21:59:43.10 -5",
          "2005-11-04T10:00", "0", "-0", "+12", "193X", "1930s", "1_", "0_1", "12:30"]


def generated_file(rnd: random.Random) -> bytes:
    """A document PyYAML's emitter writes in one of its styles; some quotes then removed, so
    that plain forms the emitter would never write (``yes``, ``017``, a bare date) appear, and
    some anchors added."""
    def scalar() -> Any:
        k = rnd.random()
        if k < 0.4:
            return "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 30)))
        if k < 0.5:
            return rnd.randint(-10**6, 10**6)
        if k < 0.55:
            return rnd.choice([True, False, None, 1.5])
        return rnd.choice(TRICKY)

    def value(depth: int = 0) -> Any:
        k = rnd.random()
        if depth > 3 or k < 0.5:
            return scalar()
        if k < 0.75:
            return {str(scalar()) if rnd.random() < 0.9 else scalar(): value(depth + 1) for _ in range(rnd.randint(0, 4))}
        return [value(depth + 1) for _ in range(rnd.randint(0, 4))]

    text = yaml.safe_dump({"root": value()}, default_style=rnd.choice([None, None, None, "'", '"', "|", ">"]),
                          default_flow_style=rnd.choice([False, None, True]), allow_unicode=rnd.random() < 0.7,
                          width=rnd.choice([20, 80, 1000]), indent=rnd.choice([2, 4]))
    if rnd.random() < 0.3:
        text = "\n".join(line.replace("'", "") if rnd.random() < 0.3 else line for line in text.split("\n"))
    if rnd.random() < 0.2:  # anchors before values (which may then be unquoted numbers)
        text = text.replace(": ", f": &a{rnd.randint(0, 9)} ", 1).replace("- ", "- &b ", 1)
    return text.encode("utf-8")


def block_scalar_file(rnd: random.Random) -> bytes:
    """A block or quoted scalar over several lines: chomping, indentation indicators, blank and
    space-only lines, a comment or a key after it."""
    pieces = ["a", "b c", "", " ", "  x", "ж", "- y", "# z", "key: v", "'q'", "yes", "017"]
    lines = [rnd.choice(pieces) for _ in range(rnd.randint(0, 5))]
    style = rnd.choice(["|", ">", "|-", ">-", "|+", ">+", "|2", ">2-", "|1+", "'", '"', ""])
    digits = [c for c in style if c.isdigit()]
    indent = int(digits[0]) if digits else rnd.choice([1, 2, 4])
    body = "".join((" " * indent + line if line else rnd.choice(["", " " * indent, " " * (indent + 1)])) + "\n"
                   for line in lines)
    close = style + "\n" if style in ("'", '"') else ""
    tail = rnd.choice(["", "next: 1\n", "\n", "# c\n", "- z\n"])
    return ("k: " + style + "\n" + body + close + tail).encode("utf-8")


@pytest.mark.parametrize("make, seed", [(generated_file, 1), (generated_file, 2), (block_scalar_file, 3)],
                         ids=["emitted-1", "emitted-2", "block-scalars"])
def test_whatever_yaml_rs_reads_pyyaml_reads_the_same(make: Any, seed: int) -> None:
    rnd = random.Random(seed)
    taken = 0
    for _ in range(2500):
        raw = make(rnd)
        try:
            data = by_rs(raw)
        except Unsure:
            continue
        taken += 1
        try:
            expected = pyyaml(raw)
        except yaml.YAMLError as error:
            pytest.fail(f"yaml-rs read a file PyYAML refuses ({error}): {raw!r}")
        assert typed(data) == typed(expected), raw
    assert taken > 500, "most plain files are read by yaml-rs"


# --- where the two readings part -----------------------------------------------------------------

PARTING = {
    "yes": b"k: yes\n", "on": b"k: On\n", "octal": b"k: 017\n", "leading zero": b"k: 08\n",
    "0o": b"k: 0o17\n", "0X": b"k: 0X1F\n", "underscore": b"k: _1\n", "signed underscore": b"- -_1\n",
    "exponent": b"k: 1e3\n", "float": b"k: 3.14\n", "date": b"k: 2005-11-04\n", "date and time": b"k: 2005-11-04 10:00:00\n",
    "sexagesimal": b"k: 1:20\n", "value on its own line": b"k:\n  017\n", "yes as a key": b"yes: 1\n",
    "number as a key": b"1: x\n", "empty block": b"k: |\n", "empty kept block": b"k: >+\n\n", "equals": b"k: =\n",
    "tab": b"k:\ta\n", "carriage return": b"k: a\r\nj: b\r\n", "NEL": "k: a\x85b\n".encode(), "LS": "k: a\u2028b\n".encode(),
    "control": b"k: a\x07b\n", "escape": b"k: a\x1bb\n", "C1": "k: a\x80b\n".encode(), "U+FFFE": "k: a\ufffeb\n".encode(),
    "byte-order mark": b"\xef\xbb\xbfk: a\n", "anchor and alias": b"a: &x 1\nb: *x\n",
    "anchor before a number": b"k: &a 017\nj: 1\n", "anchor in a list": b"- &b _1\n", "tag": b"k: !!str 1\n",
    "non-specific tag": b"k: ! a\n", "merge": b"b: {}\nm:\n  <<: {}\n", "two documents": b"a: 1\n---\nb: 2\n",
    "directive": b"%YAML 1.1\n---\na: 1\n", "flow sequence": b"k: [1, 2]\n", "flow mapping": b"k: {a: 1}\n",
    "duplicate key": b"a: 1\na: 2\n", "root scalar": b"17\n", "empty file": b"", "syntax error": b"a: [1, 2\n",
    "alias-like prose (left to PyYAML to be safe)": b"note: a *starred* word\n",
    "date unquoted beside quoted": b"a: '2005-11-04'\nb: 2005-11-04\n", "escaped key": b'"y\\x65ars": 017\nb: 1\n',
}


@pytest.mark.parametrize("raw", PARTING.values(), ids=PARTING.keys())
def test_where_the_readings_part_the_careful_path_reads_the_file(raw: bytes, tmp_path: Path) -> None:
    with pytest.raises(Unsure):
        by_rs(raw)
    path = tmp_path / "f.yaml"
    path.write_bytes(raw)
    doc, problems = yaml_source.load_yaml_file(path, "f.yaml")
    careful, careful_problems = yaml_source._load_tracking_lines(raw.decode("utf-8").lstrip("\ufeff"), "f.yaml", LIMITS)
    assert typed(doc.data) == typed(careful.data)
    assert [str(p) for p in problems] == [str(p) for p in careful_problems]


TAKEN = {
    "quoted words": b"a: 'yes'\nb: \"on\"\nc: '017'\nd: '1:20'\n",
    "quoted dates and years": b"date: '2005-11-04'\nas_of: '2005'\ncoded_on: \"2024-01-01\"\n",
    "timecodes": b"timecode_in: 00:00:07\ntimecode_out: 00:01:20\n",
    "numbers and booleans": b"years: 75\nn: -3\npseudonym: true\ngone: false\nnothing: ~\nempty:\n",
    "empty collections": b"family: []\nextra: {}\n",
    "prose with indicators": "ru: 'Лагерь! Сталин & «народ»'\nen: Not the camp! Tea & bread, 5 * 3 here\n".encode(),
    "folded and literal": b"a: >-\n  two\n  lines\nb: |\n  kept\n  lines\n",
    "keys starting like values": b"type: x\nnote: y\nonly: z\nfate: w\n",
}


@pytest.mark.parametrize("raw", TAKEN.values(), ids=TAKEN.keys())
def test_plain_files_are_read_by_yaml_rs_as_pyyaml_reads_them(raw: bytes) -> None:
    assert typed(by_rs(raw)) == typed(pyyaml(raw))


def test_shipped_people_files_are_read_by_yaml_rs() -> None:
    """The speed of an import rests on yaml-rs taking the usual file: if a check grew too
    strict, every file would silently go the slower way."""
    taken = []
    for path in sorted((ROOT / "data" / "people").glob("*.yaml")):
        raw = path.read_bytes()
        try:
            data = by_rs(raw)
        except Unsure:
            continue
        assert typed(data) == typed(pyyaml(raw)), path.name
        taken.append(path.stem)
    assert "galina" in taken and len(taken) >= 4


def test_nesting_too_deep_for_yaml_rs_never_reaches_it(tmp_path: Path) -> None:
    """yaml-rs recurses on the stack (a segmentation fault past 10,000 levels): such a file is
    left to PyYAML's bounded reading, which reports it."""
    raw = b"- " * 50_000 + b"x\n"
    with pytest.raises(Unsure):
        by_rs(raw)
    path = tmp_path / "deep.yaml"
    path.write_bytes(raw)
    doc, problems = yaml_source.load_yaml_file(path, "deep.yaml")
    assert doc.data is None and "nested more than" in problems[0].message


def test_limits_hold_when_yaml_rs_reads(tmp_path: Path) -> None:
    deep = b"a:\n  b:\n    c:\n      d:\n        e:\n          f: 1\n"
    with pytest.raises(Unsure):
        read_plain(deep, deep.decode(), 5, 1_000_000)
    assert read_plain(deep, deep.decode(), 6, 1_000_000) == pyyaml(deep)
    long = b"a: " + b"x" * 2000 + b"\n"
    with pytest.raises(Unsure):
        read_plain(long, long.decode(), 64, 100)
    path = tmp_path / "long.yaml"
    path.write_bytes(long)
    doc, problems = yaml_source.load_yaml_file(path, "long.yaml", YamlLimits(max_scalar_chars=100))
    assert doc.data is None and "longer than the limit" in problems[0].message


def test_quoted_dates_keep_their_text_and_plain_ones_become_dates(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: '2005-11-04'\nb: x\n")
    assert yaml_source.load_yaml_file(path, "f.yaml")[0].data == {"a": "2005-11-04", "b": "x"}
    path.write_bytes(b"a: '2005-11-04'\nb: 2005-11-04\n")
    assert yaml_source.load_yaml_file(path, "f.yaml")[0].data == {"a": "2005-11-04", "b": datetime.date(2005, 11, 4)}


def test_without_yaml_rs_every_file_is_read_by_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / "data" / "people" / "galina.yaml"
    with_rs = yaml_source.load_yaml_file(path, "galina.yaml")[0].data
    monkeypatch.setattr(yaml_rs_reader, "yaml_rs", None)
    with pytest.raises(Unsure):
        by_rs(path.read_bytes())
    assert yaml_source.load_yaml_file(path, "galina.yaml")[0].data == with_rs
