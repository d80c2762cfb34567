"""Reading YAML while remembering the line of every value.

Validation messages must say ``file:line: field``. PyYAML's composer keeps the position
of every node, so we build the Python data from the node tree ourselves and record, for
each path (``("quotes", 2, "stance")``), the line it starts on. The C loader (libyaml) is
used when PyYAML was built with it: it is many times faster on large collections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archive.problems import Problem

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

Path_ = tuple[Any, ...]


@dataclass
class YamlDocument:
    """The data of one YAML file and the line of each path in it."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """The line of the deepest known node on ``path`` (1-based)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: Path_, message: str) -> Problem:
        return Problem(self.file, self.line_of(path), format_path(path), message)


def format_path(path: Path_) -> str:
    """``("quotes", 2, "stance")`` -> ``quotes[2].stance``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


class _Builder:
    def __init__(self, loader: Any, doc: YamlDocument, problems: list[Problem]):
        self.loader = loader
        self.doc = doc
        self.problems = problems

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.doc.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    self.problems.append(
                        Problem(self.doc.file, key_node.start_mark.line + 1, format_path(path), "a key must be a plain word")
                    )
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in result:
                    self.problems.append(
                        Problem(
                            self.doc.file,
                            key_node.start_mark.line + 1,
                            format_path(path + (key,)),
                            f"duplicate key (first given on line {self.doc.lines[path + (key,)]})",
                        )
                    )
                    continue
                self.doc.lines[path + (key,)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, path + (key,))
                self.doc.lines[path + (key,)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def load_yaml_text(text: str, file: str) -> tuple[YamlDocument, list[Problem]]:
    """Parse one YAML document; syntax errors come back as problems, not exceptions."""
    doc = YamlDocument(file, None)
    problems: list[Problem] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.data = _Builder(loader, doc, problems).build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or ""
        if exc.context:
            started = exc.context_mark.line + 1 if exc.context_mark else line
            reason = f"{reason} ({exc.context}, which started on line {started})"
        problems.append(Problem(file, line, "(syntax)", f"YAML syntax error: {reason}"))
    except yaml.YAMLError as exc:
        problems.append(Problem(file, 1, "(syntax)", f"YAML error: {exc}"))
    finally:
        loader.dispose()
    return doc, problems


def load_yaml_file(path: Path, display: str) -> tuple[YamlDocument, list[Problem]]:
    """Read a file as UTF-8 YAML; a file that is not UTF-8 is a problem with the line of the bad byte."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return YamlDocument(display, None), [
            Problem(display, line, "(encoding)", f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    return load_yaml_text(text, display)
