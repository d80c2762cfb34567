"""Reading YAML while remembering the line of every value, within bounds.

Validation messages must say ``file:line: field``. PyYAML's composer keeps the position
of every node, so we build the Python data from the node tree ourselves and record, for
each path (``("quotes", 2, "stance")``), the line it starts on. The C loader (libyaml) is
used when PyYAML was built with it, as it is much faster on large collections. PyYAML is the
one reader, on one of two paths that give the same data:

* the plain path (``data_from_events``) builds a plain file's data straight from the parser's
  events, without nodes or lines: the lines are found, on the line-tracking path, only when a
  message needs one. Anything that needs judgement (an anchor, an alias, a merge key, a tag,
  a duplicate or non-string key, a value its type cannot hold, a syntax error, a limit) makes
  it give up;
* the line-tracking path (``load_yaml_text_with_lines``) composes the node tree and builds the
  data and the line of every path, and reports every problem with its line.

A collection file is not trusted to be well-meant or well-made, so reading one is bounded
(``YamlLimits``), and every refusal is a ``Problem`` with the file and the line, never an
exception or a crash:

* a file larger than ``max_file_bytes`` (20 MB; ``ARCHIVE_YAML_MAX_MB``) is not read at all;
* a file that is not UTF-8 (UTF-16 or UTF-32 with or without a byte-order mark, Latin-1,
  Windows-1252), or holds a NUL byte or another control character, is refused with the line;
* nesting deeper than ``max_depth`` (64) levels is refused. libyaml's composer recurses on
  the C stack and would crash the process on deep enough nesting, so a file that *could*
  nest deeper than ``SAFE_COMPOSE_DEPTH`` is first measured event by event (cheap bounds
  decide, and a normal file never pays for it). Newer libyaml builds also refuse deep
  nesting themselves, as a syntax error on the line where it starts;
* aliases (``*name``) and merge keys (``<<``) are allowed, but what they copy is counted:
  past ``alias_nodes`` + one node per four characters of the file (an "alias bomb", a
  "billion laughs") the file is refused;
* a scalar longer than ``max_scalar_chars`` (1 MB) is refused;
* a character XML 1.0 cannot carry (a control character, U+FFFE, U+FFFF, a lone surrogate)
  written as an escape in a double-quoted value (``"Igor\\x01"``) is refused on its line
  (``archive.collection.xml_characters``: the reader refuses them written as they are);
* a value the YAML types cannot hold (``date: 1937-13-45`` unquoted, a 5,000-digit number)
  is a problem on its line.

Merge keys follow the YAML merge rule: the mapping's own keys override merged ones, and
earlier merged mappings override later ones; only a key given twice in the mapping itself
is a duplicate.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.reader import ReaderError

from archive.collection.problems import Problem
from archive.collection.xml_characters import first_unsafe_character, unsafe_character_message

try:
    _BaseLoader: type[yaml.CSafeLoader] | type[yaml.SafeLoader] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
# the first characters some implicit resolver (bool, int, float, null, timestamp, merge, value) looks at
_RESOLVED_FIRST = frozenset(_BaseLoader.yaml_implicit_resolvers)


class _Everything(frozenset):
    def __contains__(self, item: object) -> bool:
        return True


_EVERY_CHARACTER = _Everything()
_RESOLVED_CACHE: dict[str, str] = {}  # short plain scalars -> their tag ("no", "1937", "source", ...)
_RESOLVED_CACHE_SIZE = 50_000


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with the same tags resolved faster.

    PyYAML's resolver is Python code called for every node (the bulk of the composing time on a
    large file): here a plain scalar whose first character no implicit resolver looks at is a
    string at once, and the verdict on short plain scalars is remembered.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            if not implicit[0] or value[:1] not in _RESOLVED_FIRST:
                if None in self.yaml_implicit_resolvers or self.yaml_path_resolvers:  # pragma: no cover
                    return super().resolve(kind, value, implicit)
                return _STR_TAG
            tag = _RESOLVED_CACHE.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= 64 and len(_RESOLVED_CACHE) < _RESOLVED_CACHE_SIZE:
                    _RESOLVED_CACHE[value] = tag
            return tag
        if self.yaml_path_resolvers:  # pragma: no cover
            return super().resolve(kind, value, implicit)
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG


Path_ = tuple[Any, ...]

MB = 1024 * 1024
MAX_FILE_MB_VARIABLE = "ARCHIVE_YAML_MAX_MB"
# libyaml's composer (C recursion) is known to hold 20,000 levels on an 8 MB stack; a file
# that might nest deeper than this is measured event by event before it is composed.
SAFE_COMPOSE_DEPTH = 2_000
_INDICATOR_RUN = 200  # a line starting with this many spaces or block indicators is suspect
_DEEP_LINE = re.compile(rf"\n[ \t?:-]{{{_INDICATOR_RUN}}}")
_DEEP_FIRST_LINE = re.compile(rf"[ \t?:-]{{{_INDICATOR_RUN}}}")
_BIG_SCALAR = 1024  # aliases of scalars longer than this count towards the alias budget


@dataclass(frozen=True)
class YamlLimits:
    """What one collection file may hold; every limit is far beyond a real interview."""

    max_file_bytes: int = 20 * MB
    max_scalar_chars: int = 1 * MB
    max_depth: int = 64
    alias_nodes: int = 100_000  # nodes copied through aliases and merge keys, plus one per 4 characters

    @classmethod
    def from_environment(cls) -> YamlLimits:
        """The defaults, with ``ARCHIVE_YAML_MAX_MB`` (megabytes per file) when it is set."""
        raw = os.environ.get(MAX_FILE_MB_VARIABLE, "").strip()
        if not raw:
            return cls()
        try:
            megabytes = float(raw)
        except ValueError:
            raise ValueError(f"{MAX_FILE_MB_VARIABLE} must be a number of megabytes, got {raw!r}") from None
        if megabytes <= 0:
            raise ValueError(f"{MAX_FILE_MB_VARIABLE} must be more than 0, got {raw!r}")
        return cls(max_file_bytes=int(megabytes * MB))


@dataclass
class YamlDocument:
    """The data of one YAML file and the line of each path in it.

    A file read on the plain path (``data_from_events``) does not know its lines yet: they are
    found, by reading the text again on the line-tracking path, the first time one is asked for.
    """

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    # the text (its UTF-8 bytes, or the file to read again) and limits to find the lines with, until they are found
    pending: tuple[str | bytes | Path, YamlLimits] | None = field(default=None, repr=False, compare=False)

    def line_of(self, path: Path_) -> int:
        """The line of the deepest known node on ``path`` (1-based)."""
        if self.pending is not None:
            self._find_lines()
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def _find_lines(self) -> None:
        assert self.pending is not None
        text, limits = self.pending
        self.pending = None
        if isinstance(text, Path):  # sent by a worker process without its text: read it again
            text = text.read_bytes()
        if isinstance(text, bytes):  # read on the plain path, and not decoded until now
            text = text.decode("utf-8")
            text = text[1:] if text.startswith("\ufeff") else text
        tracked, _ = load_yaml_text_with_lines(text, self.file, limits)
        self.lines = tracked.lines

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(self.file, self.line_of(path), format_path(path), message)


def format_path(path: Path_) -> str:
    """``("quotes", 2, "stance")`` -> ``quotes[2].stance``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


class _Refused(Exception):
    """The file goes past a limit: one problem, and nothing more is built."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def describe_size(size: int) -> str:
    """``21.0 MB``, or ``2,097 bytes`` below a tenth of a megabyte."""
    return f"{size / MB:.1f} MB" if size >= MB // 10 else f"{size:,} bytes"


class _Builder:
    def __init__(self, loader: Any, doc: YamlDocument, problems: list[Problem], limits: YamlLimits,
                 text_length: int):
        self.loader = loader
        self.doc = doc
        self.problems = problems
        self.limits = limits
        self.check_scalars = text_length > limits.max_scalar_chars  # a shorter file has no longer scalar
        self.budget = limits.alias_nodes + text_length // 4
        self.copied = 0  # nodes built again through an alias or copied by a merge key
        self.built: set[int] = set()  # collections (and long scalars) built once already
        self.copy_root: Path_ | None = None  # where the alias being copied stands

    # -- limits ----------------------------------------------------------------------------------

    def refuse(self, node: yaml.Node, path: Path_, message: str, line: int | None = None) -> NoReturn:
        where = format_path(path[:8]) + ("…" if len(path) > 8 else "")
        raise _Refused(Problem(self.doc.file, line or node.start_mark.line + 1, where, message))

    def spend(self, count: int, node: yaml.Node, path: Path_) -> None:
        self.copied += count
        if self.copied > self.budget:
            # where the outermost alias being copied stands (the node's own line is its anchor's)
            outer = (self.copy_root or path)[:-1]
            self.refuse(node, outer, f"aliases and merge keys copy more than {self.budget:,} values (an alias "
                                     "bomb?); write the values out, or use fewer aliases",
                        line=self.doc.lines.get(outer))

    def deep(self, node: yaml.Node, path: Path_) -> NoReturn:
        self.refuse(node, path, f"nested more than {self.limits.max_depth} levels deep (or an alias refers to a "
                                "node that contains it); a collection needs far fewer levels")

    def unsafe(self, node: yaml.ScalarNode, path: Path_) -> None:
        """Only a double-quoted scalar can hold a character XML cannot carry: as an escape."""
        if node.style == '"':
            unsafe = first_unsafe_character(node.value)
            if unsafe is not None:
                self.problems.append(Problem(self.doc.file, node.start_mark.line + 1, format_path(path),
                                             unsafe_character_message(unsafe, with_column=False)))

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        self.unsafe(node, path)
        size = len(node.value)
        if size > _BIG_SCALAR:
            if self.check_scalars and size > self.limits.max_scalar_chars:
                self.refuse(node, path, f"a value of {size:,} characters is longer than the limit of "
                                        f"{self.limits.max_scalar_chars:,}; put long texts in a source's text_file")
            if id(node) in self.built:
                self.spend(size // 64, node, path)
            self.built.add(id(node))
        if node.tag == _STR_TAG:  # the usual value: what the constructor would return
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # 1937-13-45 as a date, a 5,000-digit integer
            reason = str(exc).split(";")[0]
            self.problems.append(Problem(
                self.doc.file, node.start_mark.line + 1, format_path(path),
                f"{node.value[:40]!r} is not a valid YAML {node.tag.rsplit(':', 1)[-1]} ({reason}); "
                "put it in quotes to keep it as text"))
            return None

    # -- merge keys (<<) -------------------------------------------------------------------------

    def flatten(self, node: yaml.MappingNode, path: Path_, depth: int = 0) -> None:
        """Resolve merge keys in place: own keys first, then each merged mapping's keys not seen yet.

        Unlike PyYAML's ``flatten_mapping``, overridden keys are dropped here (so they are not
        duplicates), which also keeps merged mappings from growing with each level of merging.
        """
        merges = False
        for key, _ in node.value:
            if key.tag == _MERGE_TAG:
                merges = True
            elif key.tag == _VALUE_TAG:  # as PyYAML does: the "=" key is a plain string
                key.tag = _STR_TAG
        if not merges:
            return
        if depth > self.limits.max_depth:
            self.deep(node, path)
        own, sources = [], []
        for key, value in node.value:
            if key.tag != _MERGE_TAG:
                own.append((key, value))
            elif isinstance(value, yaml.MappingNode):
                sources.append(value)
            elif isinstance(value, yaml.SequenceNode) and all(isinstance(v, yaml.MappingNode) for v in value.value):
                sources.extend(value.value)
            else:
                self.refuse(key, path, "a merge key (<<) takes a mapping or a list of mappings")
        seen = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
        merged = []
        for source in sources:
            self.flatten(source, path, depth + 1)
            self.spend(len(source.value), source, path)
            for key, value in source.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        continue
                    seen.add(key.value)
                merged.append((key, value))
        node.value = merged + own

    # -- the tree ----------------------------------------------------------------------------------

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.doc.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            if len(path) >= self.limits.max_depth:
                self.deep(node, path)
            if id(node) in self.built:
                return self.copy(node, path)
            self.built.add(id(node))
            self.flatten(node, path)
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if len(path) >= self.limits.max_depth:
                self.deep(node, path)
            if id(node) in self.built:
                return self.copy(node, path)
            self.built.add(id(node))
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)  # the composer makes only mappings, sequences and scalars
        return self.scalar(node, path)

    def copy(self, node: yaml.Node, path: Path_) -> Any:
        """A collection met again: an alias (``*name``) to it, or a value copied by a merge key."""
        outermost = self.copy_root is None
        if outermost:
            self.copy_root = path
        try:
            self.spend(len(node.value), node, path)
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        finally:
            if outermost:
                self.copy_root = None

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        lines = self.doc.lines
        for key_node, value_node in node.value:
            if key_node.tag == _STR_TAG:  # the usual key: no constructor needed
                key = key_node.value
                self.unsafe(key_node, path)
                if self.check_scalars and len(key) > self.limits.max_scalar_chars:
                    self.scalar(key_node, path)
            elif isinstance(key_node, yaml.ScalarNode):
                key = self.scalar(key_node, path)
            else:
                key = None
            if not isinstance(key, (str, int, float, bool)) or key is None:
                self.problems.append(
                    Problem(self.doc.file, key_node.start_mark.line + 1, format_path(path),
                            "a key must be a plain word")
                )
                continue
            key = str(key) if not isinstance(key, str) else key
            key_path = path + (key,)
            if key in result:
                self.problems.append(Problem(self.doc.file, key_node.start_mark.line + 1, format_path(key_path),
                                             f"duplicate key (first given on line {lines[key_path]})"))
                continue
            result[key] = self.build(value_node, key_path)
            lines[key_path] = key_node.start_mark.line + 1
        return result


def _may_nest_deeper_than(text: str, depth: int) -> bool:
    """A cheap upper bound: nesting needs a ``[`` or ``{`` (at most two levels each: ``[a: [``),
    or one more column of indentation or block indicators (``- - -``) at the start of a line."""
    if len(text) <= depth:
        return False
    if _DEEP_FIRST_LINE.match(text) or _DEEP_LINE.search(text):
        return True
    return 2 * (text.count("[") + text.count("{")) + _INDICATOR_RUN + 2 > depth


def _depth_problem(text: str, file: str, limits: YamlLimits) -> Problem | None:
    """Walk the parser's events (no nodes, no recursion) and find the first place nested too deeply."""
    loader = _Loader(text)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limits.max_depth:
                    line = event.start_mark.line + 1 if event.start_mark is not None else 1
                    return Problem(file, line, "(document)",
                                   f"nested more than {limits.max_depth} levels deep; a collection needs far "
                                   "fewer levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return None
    finally:
        loader.dispose()


class NotPlain(Exception):
    """The plain path meets something it leaves to the line-tracking path."""


_NO_KEY = object()


def data_from_events(text: str | bytes, limits: YamlLimits) -> Any:
    """The data of a plain file, built straight from the parser's events (no nodes, no lines).

    ``text`` may be the file's UTF-8 bytes: libyaml reads them as they are, where a ``str``
    would first be encoded to UTF-8 again.

    Only what needs no judgement is built here: mappings with distinct string keys, sequences
    and scalars of the standard types, within ``max_depth`` and ``max_scalar_chars``. Anything
    else (an anchor, an alias, a merge key, an explicit tag, a key that is not a string, a
    duplicate key, a value the type cannot hold, a syntax error, a second document) raises
    ``NotPlain``, and the caller reads the file again on the line-tracking path, which gives
    the same data or the precise problem, and applies the alias budget.
    """
    loader = _Loader(text)
    try:
        get_event = loader.get_event
        resolve = loader.resolve
        resolved, resolved_first = _RESOLVED_CACHE, _RESOLVED_FIRST
        if None in loader.yaml_implicit_resolvers or loader.yaml_path_resolvers:  # pragma: no cover
            resolved_first = _EVERY_CHARACTER
        max_depth = limits.max_depth
        max_scalar = limits.max_scalar_chars
        check_scalars = len(text) > max_scalar  # no value is longer than the file (in characters or bytes)
        scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end, document_start = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.DocumentStartEvent
        stream_end, document_end, stream_start = yaml.StreamEndEvent, yaml.DocumentEndEvent, yaml.StreamStartEvent
        scalar_node = yaml.ScalarNode
        # the innermost open collection, whether it is a list, and (in a mapping) the key
        # waiting for its value; the outer ones' on the stack. Locals, not the stack's top:
        # this loop runs for each of a large import's tens of millions of events.
        parent: Any = None
        in_list = False
        key: Any = _NO_KEY
        stack: list[tuple[Any, bool, Any]] = []
        root: Any = None
        documents = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                if event.anchor is not None or event.tag is not None:
                    raise NotPlain
                value = event.value
                if check_scalars and len(value) > max_scalar:
                    raise NotPlain
                if event.style == '"' and first_unsafe_character(value) is not None:  # "\x01": reported with its line
                    raise NotPlain
                # the resolver's verdict, inlined: most values are text no implicit resolver looks at
                if not event.implicit[0] or value[:1] not in resolved_first:
                    tag = _STR_TAG
                else:
                    tag = resolved.get(value) or resolve(scalar_node, value, event.implicit)
                if tag != _STR_TAG:
                    if tag == _MERGE_TAG or tag == _VALUE_TAG:
                        raise NotPlain
                    try:
                        value = loader.construct_object(
                            scalar_node(tag, value, event.start_mark, event.end_mark, event.style), deep=True)
                    except (ValueError, OverflowError):
                        raise NotPlain from None
                if in_list:
                    parent.append(value)
                elif key is not _NO_KEY:
                    parent[key] = value
                    key = _NO_KEY
                elif parent is None:
                    root = value
                else:  # a key
                    if tag != _STR_TAG or value in parent:
                        raise NotPlain
                    key = value
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None or event.tag is not None or len(stack) >= max_depth:
                    raise NotPlain
                value = {} if kind is mapping_start else []
                if in_list:
                    parent.append(value)
                elif key is not _NO_KEY:
                    parent[key] = value
                    key = _NO_KEY
                elif parent is None:
                    root = value
                else:  # a collection as a key
                    raise NotPlain
                stack.append((parent, in_list, key))
                parent, in_list, key = value, kind is sequence_start, _NO_KEY
            elif kind is mapping_end or kind is sequence_end:
                parent, in_list, key = stack.pop()
            elif kind is document_start:
                documents += 1
                if documents > 1:
                    raise NotPlain
            elif kind is stream_end:
                return root
            elif kind is document_end or kind is stream_start:
                continue
            else:  # an alias
                raise NotPlain
    except NotPlain:
        raise
    except Exception:  # a syntax or reader error: the line-tracking path reports it
        raise NotPlain from None
    finally:
        loader.dispose()


def load_yaml_text(text: str, file: str, limits: YamlLimits | None = None) -> tuple[YamlDocument, list[Problem]]:
    """Parse one YAML document; syntax errors and limits come back as problems, not exceptions.

    A plain file (no anchors, aliases, merge keys, tags, duplicate or non-string keys, nothing
    past the limits: see ``data_from_events``) is built straight from the parser's events, and
    its lines are found only if a message needs one; any other file is read on the
    line-tracking path, which reports the problems with their lines. The plain path needs no
    depth bound first: it counts the depth itself, event by event, and gives up past the limit.
    """
    limits = limits or YamlLimits()
    try:
        data = data_from_events(text, limits)
    except NotPlain:
        return load_yaml_text_with_lines(text, file, limits)
    return YamlDocument(file, data, pending=(text, limits)), []


def load_yaml_text_with_lines(text: str, file: str, limits: YamlLimits) -> tuple[YamlDocument, list[Problem]]:
    """The line-tracking path: compose the node tree, then build the data and the line of every
    path; every problem comes back with its line."""
    doc = YamlDocument(file, None)
    problems: list[Problem] = []
    try:
        if _may_nest_deeper_than(text, SAFE_COMPOSE_DEPTH):
            deep = _depth_problem(text, file, limits)
            if deep:
                return doc, [deep]
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                doc.data = _Builder(loader, doc, problems, limits, len(text)).build(node, ())
        finally:
            loader.dispose()
    except _Refused as refused:
        return YamlDocument(file, None), [refused.problem]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or ""
        if exc.context:
            started = exc.context_mark.line + 1 if exc.context_mark else line
            reason = f"{reason} ({exc.context}, which started on line {started})"
        problems.append(Problem(file, line, "(syntax)", f"YAML syntax error: {reason}"))
    except ReaderError as exc:  # a control character
        offset = max(exc.position, 0)
        if _BaseLoader is yaml.SafeLoader:  # PyYAML's own reader counts characters
            line = text.count("\n", 0, offset) + 1
        else:  # libyaml counts the bytes of the UTF-8 it was given: a Cyrillic letter is two
            line = text.encode("utf-8")[:offset].count(b"\n") + 1
        problems.append(Problem(file, line, "(encoding)",
                                f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason}); "
                                "remove it"))
    except yaml.YAMLError as exc:
        problems.append(Problem(file, 1, "(syntax)", f"YAML error: {exc}"))
    except RecursionError:  # bounded above; kept so that no file can ever stop the reading
        problems.append(Problem(file, 1, "(document)", f"nested more than {limits.max_depth} levels deep"))
    return doc, problems


_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


def _encoding_problem(raw: bytes, display: str) -> Problem | None:
    """UTF-16/32 (marked or not) and NUL bytes: a YAML file of the collection is UTF-8 text."""
    for mark, name in _BOMS:
        if raw.startswith(mark):
            return Problem(display, 1, "(encoding)",
                           f"the file is {name} (it starts with a {name} byte-order mark); save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul < 0:
        return None
    line = raw.count(b"\n", 0, nul) + 1
    head = raw[:200]
    if head and head.count(0) * 4 >= len(head):  # every other (or fourth) byte is NUL: UTF-16 or UTF-32
        return Problem(display, line, "(encoding)",
                       "the file looks like UTF-16 or UTF-32 (NUL bytes between the letters); save it as UTF-8")
    column = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
    return Problem(display, line, "(encoding)",
                   f"the file holds a NUL byte (0x00) in column {column}; a YAML file is text: remove it")


def load_yaml_file(path: Path, display: str, limits: YamlLimits | None = None) -> tuple[YamlDocument, list[Problem]]:
    """Read a file as UTF-8 YAML; a file too large, or not UTF-8, is a problem with the line of the bad byte."""
    limits = limits or YamlLimits.from_environment()
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        return YamlDocument(display, None), [Problem(
            display, 1, "(file)",
            f"the file is {describe_size(size)}, more than the limit of {describe_size(limits.max_file_bytes)} "
            f"per file (split it, or set {MAX_FILE_MB_VARIABLE}); it was not read")]
    raw = path.read_bytes()
    wrong = _encoding_problem(raw, display)
    if wrong:
        return YamlDocument(display, None), [wrong]
    # A plain file is read from its bytes at once: libyaml refuses what is not UTF-8 and
    # control characters itself, and the plain path counts its depth event by event, so the
    # byte-order mark, the careful decoding and the depth bound below are needed only when
    # it gives up.
    try:
        data = data_from_events(raw, limits)
    except NotPlain:
        pass
    else:
        return YamlDocument(display, data, pending=(raw, limits)), []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return YamlDocument(display, None), [
            Problem(display, line, "(encoding)",
                    f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}; Latin-1 or Windows-1252?); save it as UTF-8")
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    return load_yaml_text_with_lines(text, display, limits)
