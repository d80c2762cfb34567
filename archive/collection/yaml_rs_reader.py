"""A plain people file read by yaml-rs (Rust), three times faster than by libyaml's events.

Reading YAML was half of a large import's work: libyaml parses fast, but PyYAML builds a
Python event object, with two marks, for every scalar. yaml-rs builds the data in Rust.

PyYAML stays the archive's YAML parser: what a file means is what PyYAML reads (YAML 1.1).
yaml-rs reads YAML 1.2, with its own ideas about plain scalars (``yes`` stays text, ``017`` is
seventeen, ``1e3`` a float, ``_1`` a number). So its data is taken only when nothing in the
file could be read differently, and anything else raises ``Unsure``: the caller then reads the
file with PyYAML, which gives the same data or the precise problem. Every check below errs on
that side; a wrong guess costs time, never a different reading.

* The bytes hold nothing PyYAML and yaml-rs might treat differently: no tag, anchor, alias or
  merge key, no directive or document marker, no flow
  collection but ``[]`` and ``{}``, no tab or carriage return, no control character and
  none of the line breaks YAML 1.1 has and 1.2 has not (NEL, LS, PS), no byte-order mark,
  and no line that starts with 200 spaces or block indicators (yaml-rs recurses on the
  stack and crashes the process past 10,000 levels; PyYAML's reading is bounded).
* Every text value that PyYAML would read as something else if it were written plain (a
  ``'1937'``, a ``'2005-11-04'``) was written quoted: either yaml-rs too reads its plain form
  as a non-text (a number), so text means quotes, or every occurrence of it in the file is
  between quotes.
* No plain word starts with a zero or an underscore where a number could (``017``, ``08``,
  ``0o17``, ``0X1F``, ``_1``: numbers to yaml-rs, other numbers or text to PyYAML), and
  there is no float, date or time, and no key that is not text.
* No value is only line breaks (yaml-rs reads an empty block scalar, ``key: |``, as one).
* No value is longer than ``max_scalar_chars`` and no nesting is deeper than ``max_depth``.

``tests/test_yaml_rs_reader.py`` compares the two parsers on thousands of generated files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

try:
    import yaml_rs
except ImportError:  # pragma: no cover - a platform without its wheel: PyYAML reads every file
    yaml_rs = None


class Unsure(Exception):
    """yaml-rs might read this file differently from PyYAML, or cannot read it."""


# The checks below are bytes' own C loops (``translate``, ``in``, ``find``): the regex engine
# scans a character class at some sixty instructions a byte, more than yaml-rs takes to parse.

# Bytes that need a closer look, wherever they are. Control characters (PyYAML refuses them,
# yaml-rs takes them, and stops at a NUL) and tab and carriage return (each version places
# them differently); the lead bytes of the C1 block with NEL (a line break in YAML 1.1 only),
# of LS and PS (the same), and of U+FEFF, U+FFFE, U+FFFF; and the YAML indicators: tags,
# anchors (which would hide a number from the checks below) and aliases, flow collections,
# merge keys, directives.
_CONTROL = bytes([*range(0x00, 0x0A), *range(0x0B, 0x20), 0x7F])
_LOOKED_AT = _CONTROL + b"!&*[{<%\xc2\xe2\xef"
_NOT_LOOKED_AT = bytes(b for b in range(256) if b not in _LOOKED_AT)
_NODE_START = frozenset(b" \n,:?[{")  # a tag, an anchor or an alias follows one of these
_BREAKS = frozenset(b" \n")
_C1 = range(0x80, 0xA0)
# Nesting: with no flow collection but ``[]`` and ``{}``, a file nests at most one level
# deeper than its longest run of indentation and block indicators at the start of a line.
_RUN_CHARACTERS = bytes.maketrans(b" -?:\n", b"    \n")
_RUN_MAP = bytes(_RUN_CHARACTERS[b] if b in b" -?:\n" else ord("x") for b in range(256))
_LONG_RUN = 200
# A plain word that yaml-rs may read as a number other than PyYAML's (``017``, ``08``,
# ``0o17``, ``0X1F``, ``_1``, signed or not) after a mapping's or a sequence's indicator, or
# after a key that holds a number (or a value on a line of its own, where one could be).
_NUMBER_STARTS = (b": 0", b"- 0", b": _", b"- _", b": -", b"- -", b": +", b"- +", b":  ", b"-  ")
_ODD_TOKEN = rb"[ ]+[-+]?(?:0[0-9A-Za-z_]|_)[0-9A-Za-z_]*(?=[ ]*(?:\n|\Z|#|:[ \n]|:\Z))"
_ODD_NUMBER = re.compile(rb"[:-]" + _ODD_TOKEN)
_ODD_AFTER_KEY = re.compile(rb"[\"']?[ ]*:(?:" + _ODD_TOKEN + rb"|[ ]*(?:#|\n|\Z))")


def _found(raw: bytes, byte: bytes, where: Any) -> bool:
    """Whether ``byte`` occurs where ``where(before, after)`` (the bytes around it) says it matters."""
    at = raw.find(byte)
    size = len(raw)
    while at >= 0:
        if where(raw[at - 1] if at else 10, raw[at + 1] if at + 1 < size else 10):
            return True
        at = raw.find(byte, at + 1)
    return False


def _reads_differently(raw: bytes) -> bool:
    """Whether the bytes hold anything the two readings may part on (see the module's notes)."""
    if raw.startswith((b"%", b"---", b"...")) or b"\n---" in raw or b"\n..." in raw:
        return True
    looked_at = set(raw.translate(None, _NOT_LOOKED_AT))
    if not looked_at:
        return False
    if not looked_at.isdisjoint(_CONTROL):
        return True
    return (
        (0x21 in looked_at and _found(raw, b"!", lambda before, after: before in _NODE_START))
        or (0x26 in looked_at and _found(raw, b"&", lambda before, after: before in _NODE_START
                                         and after not in _BREAKS))
        or (0x2A in looked_at and _found(raw, b"*", lambda before, after: before in _NODE_START
                                         and after not in _BREAKS))
        or (0x5B in looked_at and _found(raw, b"[", lambda before, after: after != 0x5D))
        or (0x7B in looked_at and _found(raw, b"{", lambda before, after: after != 0x7D))
        or (0x3C in looked_at and b"<<" in raw)
        or (0x25 in looked_at and b"\n%" in raw)
        or (0xC2 in looked_at and _found(raw, b"\xc2", lambda before, after: after in _C1))
        or (0xE2 in looked_at and (b"\xe2\x80\xa8" in raw or b"\xe2\x80\xa9" in raw))
        or (0xEF in looked_at and (b"\xef\xbb\xbf" in raw or b"\xef\xbf\xbe" in raw or b"\xef\xbf\xbf" in raw))
    )


def _may_nest_deep(raw: bytes) -> bool:
    runs = raw.translate(_RUN_MAP)
    return runs.startswith(b" " * _LONG_RUN) or (b"\n" + b" " * _LONG_RUN) in runs


def _odd_number(raw: bytes, int_keys: set[str], int_in_list: bool) -> bool:
    """Whether a whole number yaml-rs read may have been written otherwise. Numbers in
    mappings are looked for after their keys; numbers in lists, and files with escapes
    (a key could be written with one), by every indicator."""
    if not int_in_list and b"\\" not in raw:
        for key in int_keys:
            needle = key.encode("utf-8")
            at = raw.find(needle)
            if at < 0:
                return True
            while at >= 0:
                if _ODD_AFTER_KEY.match(raw, at + len(needle)):
                    return True
                at = raw.find(needle, at + 1)
        return False
    for start in _NUMBER_STARTS:
        at = raw.find(start)
        while at >= 0:
            if _ODD_NUMBER.match(raw, at):
                return True
            at = raw.find(start, at + 1)
    return False


_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_RESOLVED_FIRST = frozenset(yaml.SafeLoader.yaml_implicit_resolvers)
# What a text value asks of the file, remembered for short values: nothing (most texts);
# to be quoted wherever it occurs (PyYAML would read its plain form as a date, "yes" or
# "1:20", and yaml-rs as text); or nothing yaml-rs can promise (only line breaks).
_FINE, _QUOTED, _NEVER = 0, 1, 2
_VERDICTS: dict[str, int] = {}
_CACHE_SIZE = 50_000
_CACHED_LENGTH = 64
_LOOK_CLOSER = _RESOLVED_FIRST | {"\n"}  # first characters of the texts ``_verdict`` must see


def _verdict(value: str) -> int:
    first = value[:1]
    if first == "\n" and not value.strip("\n"):  # an empty block scalar: "" in PyYAML, "\n" in yaml-rs
        return _NEVER
    if first not in _RESOLVED_FIRST or _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG:
        return _FINE
    try:
        plain = yaml_rs.loads("v: " + value, parse_datetime=False)["v"]
    except Exception:  # noqa: BLE001 - what yaml-rs cannot read alone proves nothing
        return _QUOTED
    # a plain form yaml-rs reads as a number too: text means it was quoted
    return _QUOTED if isinstance(plain, str) else _FINE


def _quoted_everywhere(value: str, raw: bytes) -> bool:
    """Every occurrence of ``value`` in the file is between quotes, so no plain scalar is it
    (a plain scalar folded from several lines holds a space: such values are not taken)."""
    if any(c.isspace() for c in value):
        return False
    text = value.encode("utf-8")
    return raw.count(text) == raw.count(b"'" + text + b"'") + raw.count(b'"' + text + b'"')


class _Walk:
    """Checks the data yaml-rs built, once over every value: a loop of its own per container
    kind, with the common case (text no resolver looks at) decided by one set lookup."""

    def __init__(self, raw: bytes, max_depth: int):
        self.raw = raw
        self.max_depth = max_depth
        self.int_keys: set[str] = set()  # the keys of the whole numbers seen (see _odd_number)
        self.int_in_list = False

    def text(self, value: str) -> None:
        verdict = _VERDICTS.get(value) if len(value) <= _CACHED_LENGTH else None
        if verdict is None:
            verdict = _verdict(value)
            if len(value) <= _CACHED_LENGTH and len(_VERDICTS) < _CACHE_SIZE:
                _VERDICTS[value] = verdict
        if verdict and (verdict == _NEVER or not _quoted_everywhere(value, self.raw)):
            raise Unsure

    def mapping(self, data: dict[Any, Any], depth: int) -> None:
        closer = _LOOK_CLOSER
        for key in data:
            if type(key) is not str:
                raise Unsure
            if key[:1] in closer:
                self.text(key)
        if self.values(data.values(), depth):
            self.int_keys.update(key for key, value in data.items() if type(value) is int)

    def values(self, values: Iterable[Any], depth: int) -> bool:
        """Checks a collection's values; whether one of them is a whole number."""
        if depth > self.max_depth:
            raise Unsure
        closer = _LOOK_CLOSER
        whole_number = False
        for value in values:
            kind = type(value)
            if kind is str:
                if value[:1] in closer:
                    self.text(value)
            elif kind is dict:
                self.mapping(value, depth + 1)
            elif kind is list:
                if self.values(value, depth + 1):
                    self.int_in_list = True
            elif kind is int:
                whole_number = True
            elif kind is not bool and value is not None:  # a float, a date, a time
                raise Unsure
        return whole_number


def read_plain(raw: bytes, text: str, max_depth: int, max_scalar_chars: int) -> Any:
    """The data of a file (its bytes, and ``text`` decoded from them) as PyYAML would read
    it, or ``Unsure``."""
    if yaml_rs is None or len(raw) > max_scalar_chars or _reads_differently(raw) or _may_nest_deep(raw):
        raise Unsure  # (no value is longer than a file within the scalar limit: none is measured)
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # noqa: BLE001 - a syntax error: PyYAML says what it is
        raise Unsure from None
    walk = _Walk(raw, max_depth)
    if type(data) is dict:
        walk.mapping(data, 1)
    elif type(data) is list:
        walk.int_in_list = walk.values(data, 1)
    else:  # a file of one scalar, or empty: not a collection's file, PyYAML says so
        raise Unsure
    if (walk.int_keys or walk.int_in_list) and _odd_number(raw, walk.int_keys, walk.int_in_list):
        raise Unsure
    return data
