"""Writing imported timecoded segments into a collection folder.

An OHMS export (``archive.interchange.ohms``) and a subtitle file (``archive.interchange.subtitles``) bring the
same thing: one recording of one person, cut into timecoded segments. This module turns
such an import into the collection format: a person file (new, or an existing one that
gains an interview and quotes), the interview, one quote per segment, and a source for
the imported file, whose copy is kept in ``sources/``. The folder is then checked with
``read_collection`` exactly as ``archive check`` does; if it does not validate, every file
is put back as it was and the problems are raised.

Nothing is invented. A new person's stance is ``not-stated`` with basis ``none`` and a
rationale saying the imported format carries no stance; an existing person's coding is
left alone. Keywords and subjects become themes only where they equal a theme's id,
label or synonym in the collection's vocabulary; all of them are kept, word for word, in
the quote's ``context`` as well.

Re-importing the same file replaces the quotes it brought the first time (those of the
same source and recording), so an import can be repeated. An existing person file is
rewritten by PyYAML, which keeps its data but not its comments.
"""

from __future__ import annotations

import re
import shutil
import textwrap
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from archive.collection import format as fmt
from archive.collection.loader import COLLECTION_FILE, PEOPLE_DIR, VOCABULARY_FILE, read_collection
from archive.collection.timecodes import format_timecode
from archive.collection.vocabulary import NOT_STATED
from archive.collection.yaml_source import load_yaml_file, load_yaml_text
from archive.search.transliteration import _CYRILLIC  # the archive's one romanisation table

SOURCES_DIR = "sources"


class SegmentImportError(ValueError):
    """An import that cannot be written (the folder is not a collection, a person is unnamed, …)."""


@dataclass
class Segment:
    """One timecoded passage of a recording, as an import reads it."""

    text: dict[str, str]
    original_language: str
    timecode_in: float
    timecode_out: float | None = None
    published_translations: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # keywords and subjects, matched against the themes
    context: str | None = None
    locator: str | None = None
    suffix: str = ""  # the quote id is <person>-<interview>-<suffix>


@dataclass
class NewPerson:
    """What a person file needs when the person is not in the collection yet."""

    name: str
    portrait: dict[str, str]
    stance_rationale: str
    group: bool = False


@dataclass
class RecordingImport:
    person_id: str
    person: NewPerson
    interview: dict[str, Any]  # fields of collection_format.Interview; ``id`` required
    source: dict[str, Any]  # fields of collection_format.Source; ``id`` required
    segments: list[Segment]
    source_file: Path | None = None  # copied into sources/ for provenance


@dataclass
class NewCollection:
    """``collection.yaml``'s collection, when the import creates the folder."""

    id: str
    title: str
    kind: str = "oral history collection"
    languages: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    root: Path
    created_collection: bool
    person_files: list[Path]
    quote_ids: list[str]
    themes: dict[str, list[str]]  # quote id -> themes matched from its terms


# --- ids -----------------------------------------------------------------------------------


def slugify(text: str | None, fallback: str) -> str:
    """A slug (``[a-z0-9]`` words joined by hyphens) for an id; Cyrillic is romanised."""
    lowered = "".join(_CYRILLIC.get(ch, ch) for ch in (text or "").lower())
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or fallback


# --- theme matching --------------------------------------------------------------------------


def _norm(term: str) -> str:
    term = re.sub(r"\([^)]*\)", " ", term).replace("ё", "е").replace("Ё", "Е")
    return " ".join(term.casefold().split())


class ThemeMatcher:
    """Keywords to theme ids, by exact (case-folded) id, label or synonym of the vocabulary."""

    def __init__(self, vocabulary: fmt.VocabularyFile | None):
        self.index: dict[str, str] = {}
        for theme in vocabulary.themes if vocabulary else []:
            words = [theme.id, theme.id.replace("-", " "), *theme.label.values()]
            words += [w for values in theme.synonyms.values() for w in values]
            for word in words:
                self.index.setdefault(_norm(word), theme.id)

    def match(self, terms: list[str]) -> list[str]:
        found = [self.index.get(_norm(t)) for t in terms]
        return list(dict.fromkeys(t for t in found if t))


# --- YAML ------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Quotes every date and timecode, as the format asks archivists to (``"00:12:05"``)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = '"' if re.fullmatch(r"[0-9X.:/\-]+", value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def minimal_vocabulary() -> dict[str, Any]:
    """The vocabulary of a collection created by an import: the terms the archive requires,
    the interviewee role and one theme (the format asks for at least one). Archivists add
    their own themes; an import then matches keywords against them."""
    def term(term_id: str, en: str, ru: str, **extra: Any) -> dict[str, Any]:
        return {"id": term_id, "label": {"en": en, "ru": ru}, **extra}

    return {
        "stances": [
            term("admirer", "Admirer", "Почитатель"),
            term("ambivalent", "Ambivalent", "Двойственное отношение"),
            term("critic", "Critic", "Критик"),
            term(NOT_STATED, "Not stated", "Не выражено"),
        ],
        "themes": [
            term("oral-history", "Oral history", "Устная история",
                 definition={"en": "Placeholder theme: the format needs one; replace it with the collection's own.",
                             "ru": "Временная тема: формат требует хотя бы одну; замените её темами коллекции."}),
        ],
        "relations": [term("other", "other", "другое")],
        "fates": [
            term("executed", "executed", "расстрелян", repression=True),
            term("sent-to-camp", "sent to a camp", "отправлен в лагерь", repression=True),
            term("exiled", "exiled", "сослан", repression=True),
            term("deported", "deported", "депортирован", repression=True),
            term("dekulakised", "dekulakised", "раскулачен", repression=True),
            term("died-in-war", "died in the war", "погиб на войне", repression=False),
            term("survived", "survived", "выжил", repression=False),
            term("rehabilitated", "rehabilitated", "реабилитирован", repression=False),
            term("other", "other", "другое", repression=False),
        ],
        "roles": [term("interviewee", "interviewee", "собеседник")],
    }


def _read_yaml(path: Path, root: Path) -> Any:
    """A collection file, read under the limits every import applies (``archive/collection/yaml_source.py``):
    a file too large or too deeply nested, an alias bomb or a file that is not UTF-8 stops the
    import with its file and line, in bounded time and memory, and the folder is restored."""
    display = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    document, problems = load_yaml_file(path, display)
    if problems:
        raise SegmentImportError("; ".join(str(p) for p in problems))
    return document.data


def _read_vocabulary(path: Path, root: Path) -> fmt.VocabularyFile | None:
    data = _read_yaml(path, root)  # past the limits: refused here, before any validation
    try:
        return fmt.VocabularyFile.model_validate(data)
    except Exception:  # an invalid vocabulary is reported by read_collection, with its lines
        return None


def _add_sources(path: Path, root: Path, sources: list[dict[str, Any]]) -> None:
    """Add sources to collection.yaml, keeping the file's comments when ``sources`` comes last."""
    data = _read_yaml(path, root) or {}
    if not isinstance(data, dict):
        raise SegmentImportError(f"{COLLECTION_FILE}: the file must hold a mapping (collection:, sources:)")
    text = path.read_text(encoding="utf-8")
    present = {s.get("id") for s in data.get("sources") or [] if isinstance(s, dict)}
    new = [s for s in sources if s["id"] not in present]
    if not new:
        return
    wanted = {**data, "sources": list(data.get("sources") or []) + new}
    if list(data)[-1:] == ["sources"]:
        after = text[text.find("\nsources:") + 1:] if "\nsources:" in text else text
        item = re.search(r"^([ \t]*)- ", after, re.MULTILINE)
        if item:
            candidate = text.rstrip("\n") + "\n" + textwrap.indent(dump_yaml(new), item.group(1))
            if load_yaml_text(candidate, COLLECTION_FILE)[0].data == wanted:
                path.write_text(candidate, encoding="utf-8")
                return
    path.write_text(dump_yaml(wanted), encoding="utf-8")


# --- the import --------------------------------------------------------------------------------


def _new_person(imp: RecordingImport) -> dict[str, Any]:
    person: dict[str, Any] = {"id": imp.person_id, "name": imp.person.name}
    if imp.person.group:
        person["group"] = True
    person["role"] = "interviewee"
    person["stance"] = {
        "value": NOT_STATED,
        "basis": "none",
        "rationale": imp.person.stance_rationale,
        "coded_by": "import (not coded)",
        "source": imp.source["id"],
    }
    person["portrait"] = {"text": imp.person.portrait, "sources": [{"source": imp.source["id"]}]}
    return person


def _quote(imp: RecordingImport, segment: Segment, themes: list[str]) -> dict[str, Any]:
    quote: dict[str, Any] = {
        "id": f"{imp.person_id}-{imp.interview['id']}-{segment.suffix}",
        "text": dict(segment.text),
        "original_language": segment.original_language,
    }
    if segment.published_translations:
        quote["published_translations"] = list(segment.published_translations)
    quote["recording"] = imp.interview["id"]
    quote["timecode_in"] = format_timecode(segment.timecode_in)
    if segment.timecode_out is not None and segment.timecode_out >= segment.timecode_in:
        quote["timecode_out"] = format_timecode(segment.timecode_out)
    if themes:
        quote["themes"] = themes
    if segment.context:
        quote["context"] = segment.context
    quote["source"] = imp.source["id"]
    if segment.locator:
        quote["locator"] = segment.locator
    return quote


class _Restorer:
    """The files and folders an import touches, as they were, to put back if it fails."""

    def __init__(self, folders: list[Path]):
        self.backups: dict[Path, bytes | None] = {}
        self.made_dirs = [d for d in folders if not d.exists()]

    def remember(self, path: Path) -> None:
        if path not in self.backups:
            self.backups[path] = path.read_bytes() if path.exists() else None

    def restore(self) -> None:
        for path, content in self.backups.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        for directory in reversed(self.made_dirs):
            if directory.exists() and not any(directory.iterdir()):
                directory.rmdir()


def _write_collection_files(root: Path, sources: list[dict[str, Any]], new_collection: NewCollection | None,
                            vocabulary_file: str | Path | None) -> None:
    """A new collection's ``collection.yaml`` and vocabulary (``new_collection`` given); else the
    imports' sources added to the existing ``collection.yaml``."""
    collection_path = root / COLLECTION_FILE
    if new_collection is None:
        _add_sources(collection_path, root, sources)
        return
    info: dict[str, Any] = {"id": new_collection.id, "title": new_collection.title, "kind": new_collection.kind}
    if new_collection.languages:
        info["languages"] = list(dict.fromkeys(new_collection.languages))
    collection_path.write_text(dump_yaml({"collection": info, "sources": sources}), encoding="utf-8")
    vocabulary_text = (Path(vocabulary_file).read_text(encoding="utf-8") if vocabulary_file
                       else dump_yaml(minimal_vocabulary()))
    (root / VOCABULARY_FILE).write_text(vocabulary_text, encoding="utf-8")


def _copy_source_files(root: Path, imports: list[RecordingImport], restorer: _Restorer) -> None:
    """A copy of each imported file in ``sources/``, for provenance."""
    (root / SOURCES_DIR).mkdir(exist_ok=True)
    for imp in imports:
        if imp.source_file is not None:
            copy = root / SOURCES_DIR / imp.source_file.name
            if copy.resolve() != imp.source_file.resolve():
                restorer.remember(copy)
                shutil.copyfile(imp.source_file, copy)


def _merge_interview(person: dict[str, Any], interview: dict[str, Any]) -> None:
    interviews = list(person.get("interviews") or [])
    fields = {k: v for k, v in interview.items() if v is not None}
    existing = [n for n, i in enumerate(interviews) if i.get("id") == fields["id"]]
    if existing:  # what the archivist wrote wins over what the import brings
        interviews[existing[0]] = {**fields, **interviews[existing[0]]}
    else:
        interviews.append(fields)
    person["interviews"] = interviews


def _person_with_imports(person: dict[str, Any], person_imports: list[RecordingImport], matcher: ThemeMatcher,
                         result: ImportResult) -> None:
    """The person gains each import's interview and quotes; the quotes an earlier import of the
    same source and recording brought are replaced."""
    for imp in person_imports:
        _merge_interview(person, imp.interview)
        quotes = [q for q in person.get("quotes") or []
                  if not (q.get("source") == imp.source["id"] and q.get("recording") == imp.interview["id"])]
        for segment in imp.segments:
            themes = matcher.match(segment.terms)
            quote = _quote(imp, segment, themes)
            quotes.append(quote)
            result.quote_ids.append(quote["id"])
            result.themes[quote["id"]] = themes
        person["quotes"] = quotes


def _write_people(root: Path, imports: list[RecordingImport], matcher: ThemeMatcher, restorer: _Restorer,
                  result: ImportResult) -> None:
    by_person: dict[str, list[RecordingImport]] = defaultdict(list)
    for imp in imports:
        by_person[imp.person_id].append(imp)
    (root / PEOPLE_DIR).mkdir(exist_ok=True)
    for person_id, person_imports in by_person.items():
        path = root / PEOPLE_DIR / f"{person_id}.yaml"
        restorer.remember(path)
        person = _read_yaml(path, root) if path.exists() else _new_person(person_imports[0])
        if not isinstance(person, dict):
            raise SegmentImportError(f"{PEOPLE_DIR}/{path.name}: the file must hold a mapping (a person)")
        _person_with_imports(person, person_imports, matcher, result)
        path.write_text(dump_yaml(person), encoding="utf-8")
        result.person_files.append(path)


def write_imports(out_dir: str | Path, imports: list[RecordingImport], *, new_collection: NewCollection,
                  vocabulary_file: str | Path | None = None) -> ImportResult:
    """Write the imports into the collection at ``out_dir`` (created when it has no
    ``collection.yaml``), then validate the whole folder; restore it on any failure."""
    root = Path(out_dir)
    created = not (root / COLLECTION_FILE).exists()
    if created and root.exists() and any(root.iterdir()):
        raise SegmentImportError(f"{root} is not a collection folder (no {COLLECTION_FILE}) and is not empty; "
                                 "give an existing collection or a new folder")
    restorer = _Restorer([root, root / PEOPLE_DIR, root / SOURCES_DIR])
    result = ImportResult(root, created, [], [], {})
    try:
        root.mkdir(parents=True, exist_ok=True)
        restorer.remember(root / COLLECTION_FILE)
        restorer.remember(root / VOCABULARY_FILE)
        sources = list({imp.source["id"]: imp.source for imp in imports}.values())
        _write_collection_files(root, sources, new_collection if created else None, vocabulary_file)
        matcher = ThemeMatcher(_read_vocabulary(root / VOCABULARY_FILE, root))
        _copy_source_files(root, imports, restorer)
        _write_people(root, imports, matcher, restorer, result)
        read_collection(root)  # raises InvalidCollection with every problem, as `archive check` would
    except BaseException:
        restorer.restore()
        raise
    return result
