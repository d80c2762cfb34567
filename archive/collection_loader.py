"""Reading and validating a whole collection folder.

A collection is ``collection.yaml``, ``vocabulary.yaml`` and ``people/*.yaml``. Every
problem in every file is gathered before anything is written, so one run of
``archive check`` tells the archivist all that is wrong, each as ``file:line: field:
what is wrong, what is expected``.
"""

from __future__ import annotations

import os
import re
import threading
import typing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable

from pydantic import BaseModel, ValidationError

from archive import collection_format as fmt
from archive.gc_pause import ObjectsKept
from archive.idle_cores import idle_cores
from archive.problems import InvalidCollection, Problem
from archive.vocabulary import Vocabulary, missing_required
from archive.yaml_source import YamlDocument, YamlLimits, describe_size, load_yaml_file

COLLECTION_FILE = "collection.yaml"
VOCABULARY_FILE = "vocabulary.yaml"
PEOPLE_DIR = "people"


@dataclass
class Collection:
    """A validated collection, ready to be imported."""

    root: Path
    info: fmt.CollectionInfo
    sources: list[fmt.Source]
    vocabulary: Vocabulary
    vocabulary_file: fmt.VocabularyFile
    people: list[fmt.Person]
    source_texts: dict[str, str] = field(default_factory=dict)


# --- pydantic errors as problems -------------------------------------------------------


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``list[Quote] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, str) and part in current.model_fields:
            current = _model_in(current.model_fields[part].annotation)
    return list(current.model_fields) if current else []


def _describe(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        return f"unknown field; expected one of: {', '.join(allowed)}"
    if kind == "missing":
        return "required field is missing"
    message = error["msg"]
    message = re.sub(r"^(Value error|Assertion failed), ", "", message)
    if kind in {"string_type", "int_type", "int_parsing", "bool_type", "bool_parsing", "list_type", "dict_type",
                "model_type", "float_type", "literal_error", "string_pattern_mismatch", "model_attributes_type"}:
        message += f" (got {error.get('input')!r})"
    return message


def _validate(doc: YamlDocument, model: type[BaseModel], problems: list[Problem]) -> Any:
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), f"expected a mapping of fields, got {type(doc.data).__name__}"))
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors():
            # drop pydantic's internal location parts (e.g. function-after[...])
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            problems.append(doc.problem(loc, _describe(error, model)))
        return None


# --- cross-file checks -----------------------------------------------------------------


_WALKED_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields_with_models(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model that may hold pydantic objects (a ``str`` or ``list[str]`` field cannot)."""
    names = _WALKED_FIELDS.get(model)
    if names is None:
        names = tuple(name for name, info in model.model_fields.items()
                      if info.annotation is Any or _model_in(info.annotation) is not None)
        _WALKED_FIELDS[model] = names
    return names


def _unknown_sources(obj: Any, path: tuple[Any, ...], source_ids: set[str],
                     found: list[tuple[tuple[Any, ...], str]]) -> None:
    """Every pydantic object in a tree (depth first, fields in order) whose ``source`` is not
    among ``source_ids``, with its path; only fields that can hold a model are descended."""
    if isinstance(obj, BaseModel):
        value = getattr(obj, "source", None)
        if isinstance(value, str) and value not in source_ids:
            found.append((path, value))
        for name in _fields_with_models(type(obj)):
            child = getattr(obj, name)
            if child is not None:
                _unknown_sources(child, path + (name,), source_ids, found)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            if isinstance(item, (BaseModel, list)):
                _unknown_sources(item, path + (i,), source_ids, found)


_SPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


class _CrossChecker:
    def __init__(self, vocabulary: Vocabulary, source_ids: set[str], collection_id: str,
                 source_texts: dict[str, str], problems: list[Problem]):
        self.vocabulary = vocabulary
        self.source_ids = source_ids
        self.collection_id = collection_id
        self.source_texts = {k: normalise_space(v) for k, v in source_texts.items()}
        self.problems = problems

    def term(self, doc: YamlDocument, path: tuple, kind: str, value: str | None) -> None:
        terms = self.vocabulary.terms(kind)
        if value is not None and value not in terms:
            self.problems.append(doc.problem(
                path, f"{value!r} is not in the {kind} of vocabulary.yaml; expected one of: {', '.join(terms)}"))

    def sources(self, doc: YamlDocument, root: BaseModel) -> None:
        unknown: list[tuple[tuple[Any, ...], str]] = []
        _unknown_sources(root, (), self.source_ids, unknown)
        for path, value in unknown:
            self.problems.append(doc.problem(
                path + ("source",),
                f"source {value!r} does not exist; expected a source id of collection.yaml: "
                f"{', '.join(sorted(self.source_ids))}"))

    def person(self, doc: YamlDocument, person: fmt.Person, expected_id: str) -> None:
        if person.id != expected_id:
            doc_path = ("id",)
            self.problems.append(doc.problem(
                doc_path, f"id {person.id!r} differs from the file name; expected {expected_id!r} (people/<id>.yaml)"))
        self.sources(doc, person)
        self.term(doc, ("role",), "roles", person.role)
        self.term(doc, ("stance", "value"), "stances", person.stance.value)
        quote_ids = {q.id for q in person.quotes}
        for i, quote_id in enumerate(person.stance.supporting_quotes):
            if quote_id not in quote_ids:
                self.problems.append(doc.problem(
                    ("stance", "supporting_quotes", i),
                    f"quote {quote_id!r} is not among this person's quotes; expected one of: "
                    f"{', '.join(sorted(quote_ids)) or '(no quotes)'}"))
        seen_relatives: dict[str, int] = {}
        for r, relative in enumerate(person.family):
            self.term(doc, ("family", r, "relation"), "relations", relative.relation)
            key = fmt.relative_key(person.id, relative, r + 1)
            if key in seen_relatives:
                self.problems.append(doc.problem(("family", r, "id"), f"duplicate relative id {key!r}"))
            seen_relatives[key] = r
            for e, event in enumerate(relative.events):
                self.term(doc, ("family", r, "events", e, "kind"), "fates", event.kind)
        recordings = {i.id for i in person.interviews} | {self.collection_id}
        interview_ids: set[str] = set()
        for i, interview in enumerate(person.interviews):
            if interview.id in interview_ids:
                self.problems.append(doc.problem(("interviews", i, "id"), f"duplicate interview id {interview.id!r}"))
            interview_ids.add(interview.id)
        for q, quote in enumerate(person.quotes):
            path = ("quotes", q)
            for t, theme in enumerate(quote.themes):
                self.term(doc, path + ("themes", t), "themes", theme)
            self.term(doc, path + ("stance",), "stances", quote.stance)
            if quote.recording and quote.recording not in recordings:
                self.problems.append(doc.problem(
                    path + ("recording",),
                    f"recording {quote.recording!r} is neither an interview of this person nor the collection; "
                    f"expected one of: {', '.join(sorted(recordings))}"))
            if quote.timecode_in and not quote.recording:
                self.problems.append(doc.problem(path + ("timecode_in",),
                                                 "a timecode needs `recording` (the interview or film it is in)"))
            for lang in quote.published_translations:
                if lang not in quote.text:
                    self.problems.append(doc.problem(path + ("published_translations",),
                                                     f"{lang!r} is listed as published but the quote has no {lang} text"))
            self.verbatim(doc, path, quote)

    def verbatim(self, doc: YamlDocument, path: tuple, quote: fmt.Quote) -> None:
        """A quote in a published language must occur word for word in its source's text."""
        text = self.source_texts.get(quote.source)
        if text is None:
            return
        published = {quote.original_language, *quote.published_translations}
        for lang, value in quote.text.items():
            if lang in published and normalise_space(value) not in text:
                self.problems.append(doc.problem(
                    path + ("text", lang),
                    f"this text does not occur verbatim in the text of source {quote.source!r}; "
                    "expected the exact wording of the source (check quotation marks and spelling)"))


# --- the whole collection --------------------------------------------------------------


def _display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


Progress = Callable[[list[Path]], Iterable[Path]]


def _source_text(root: Path, text_file: str, limits: YamlLimits) -> tuple[str, str | None]:
    """A source's full text, read only from inside the collection folder: ``(text, None)``,
    or ``("", what is wrong)`` for a path that leaves the folder, a missing, too large or non-UTF-8 file."""
    parts = PurePosixPath(text_file).parts
    if (not parts or PurePosixPath(text_file).is_absolute() or "\\" in text_file or "\x00" in text_file
            or ":" in parts[0] or any(part in ("..", ".") for part in parts)):
        return "", (f"{text_file!r} is not a path inside the collection; expected a relative path such as "
                    "sources/interview.txt")
    folder = root.resolve()
    path = folder.joinpath(*parts).resolve()
    if folder not in path.parents or not path.is_file():  # a symbolic link out of the folder too
        return "", f"no such file {text_file!r} in the collection"
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        return "", (f"the text file is {describe_size(size)}, more than the limit of "
                    f"{describe_size(limits.max_file_bytes)} per file")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", (f"the text file {text_file!r} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); "
                    "save it as UTF-8")


# --- people files, parsed here or by worker processes ------------------------------------

PARALLEL_FILES = 64  # from this many people files on, worker processes parse them
PARALLEL_WORKERS = 2
SPARE_CORE = 0.8  # idle cores (``idle_cores``) from which worker processes read the files
_CHUNK_FILES = 8


@dataclass
class _PersonResult:
    """One people file read: ``problems`` of reading and validating it, ``checks`` of the
    cross-checks against the collection (None when they were not run)."""

    doc: YamlDocument | None
    person: fmt.Person | None
    problems: list[Problem]
    checks: list[Problem] | None = None


def _check_person(path: Path, doc: YamlDocument | None, problems: list[Problem],
                  checker: "_CrossChecker | None") -> _PersonResult:
    if problems or doc is None:
        return _PersonResult(None, None, problems)
    person = _validate(doc, fmt.Person, problems)
    result = _PersonResult(doc, person, problems)
    if person is not None and checker is not None:
        checks: list[Problem] = []
        checker.problems = checks
        try:
            checker.person(doc, person, path.stem)
        finally:
            checker.problems = []
        result.checks = checks
    return result


def _parse_people(paths: list[tuple[Path, str]], limits: YamlLimits) -> list[tuple[YamlDocument, list[Problem]]]:
    """The YAML of some people files, parsed (in a worker process: the results are pickled, so
    a document whose lines are not known yet is sent without its text: the file is read again
    should a message need a line)."""
    loaded = []
    for path, display in paths:
        doc, problems = load_yaml_file(path, display, limits)
        if doc.pending is not None:
            doc.pending = (path, doc.pending[1])
        loaded.append((doc, problems))
    return loaded


def _spare_cores() -> bool:
    """Whether worker processes would help: no other thread here (forking a process that runs
    threads, a web server, is not safe) and a core idle now (on a busy machine they only add
    the cost of sending the data back)."""
    if threading.active_count() != 1:
        return False
    return (os.cpu_count() or 1) >= 2 and idle_cores() >= SPARE_CORE


def _read_people(paths: list[Path], limits: YamlLimits, checker: "_CrossChecker | None",
                 progress: Progress | None, workers: int | None,
                 made: Callable[[], None] = lambda: None) -> list[_PersonResult]:
    """Every people file read, validated and cross-checked (when ``checker`` is given), in order.

    From ``PARALLEL_FILES`` files on, ``PARALLEL_WORKERS`` processes parse the YAML (the
    larger part of the work) while this one validates what they send back, in the files'
    order: the results are those of reading the files here. Should the processes not start
    (no ``fork``, no semaphores in a sandbox), the files are read here.
    """
    displays = [(path, _display_path(path)) for path in paths]
    if workers is None:
        workers = PARALLEL_WORKERS if len(paths) >= PARALLEL_FILES and _spare_cores() else 1
    count = workers
    ticks = iter(progress(paths)) if progress else None
    results: list[_PersonResult] = []
    if count > 1 and len(paths) > 1:
        chunks = [displays[i:i + _CHUNK_FILES] for i in range(0, len(displays), _CHUNK_FILES)]
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
            pool = ProcessPoolExecutor(max_workers=count, mp_context=context)
        except (OSError, ImportError, NotImplementedError, ValueError):
            pool = None
        if pool is not None:
            from concurrent.futures.process import BrokenProcessPool

            try:
                with pool:
                    parsed = pool.map(_parse_people, chunks, [limits] * len(chunks))
                    for chunk, loaded in zip(chunks, parsed):
                        for (path, _), (doc, problems) in zip(chunk, loaded):
                            if ticks is not None:
                                next(ticks, None)
                            results.append(_check_person(path, doc, problems, checker))
                            made()
                return results
            except (BrokenProcessPool, OSError):  # the workers could not run: read the files here
                results = []
                ticks = iter(progress(paths)) if progress else None
    for path, display in displays:
        if ticks is not None:
            next(ticks, None)
        if not path.is_file():
            results.append(_PersonResult(None, None, [Problem(display, 1, "(file)", "missing file")]))
            continue
        doc, problems = load_yaml_file(path, display, limits)
        results.append(_check_person(path, doc, problems, checker))
        made()
    return results


def read_collection(root: Path | str, progress: Progress | None = None, limits: YamlLimits | None = None,
                    workers: int | None = None) -> Collection:
    """Validate a collection folder; raise InvalidCollection with every problem found.

    ``progress`` may wrap the list of people files (a progress bar on a terminal); ``limits``
    bound what one file may hold (``YamlLimits``: 20 MB per file unless ``ARCHIVE_YAML_MAX_MB``).
    ``workers`` is the number of processes reading people files (default: 2 from
    ``PARALLEL_FILES`` files on, else 1).
    """
    root = Path(root)
    limits = limits or YamlLimits.from_environment()
    problems: list[Problem] = []
    if not root.is_dir():
        raise InvalidCollection([Problem(str(root), 1, "(folder)", "no such collection folder")])

    def load(path: Path) -> YamlDocument | None:
        display = _display_path(path)
        if not path.is_file():
            problems.append(Problem(display, 1, "(file)", "missing file"))
            return None
        doc, found = load_yaml_file(path, display, limits)
        problems.extend(found)
        return None if found else doc

    collection_doc = load(root / COLLECTION_FILE)
    vocabulary_doc = load(root / VOCABULARY_FILE)
    collection_file = _validate(collection_doc, fmt.CollectionFile, problems) if collection_doc else None
    vocabulary_file = _validate(vocabulary_doc, fmt.VocabularyFile, problems) if vocabulary_doc else None

    # the collection's own checks, reported after those of the people files
    collection_problems: list[Problem] = []
    source_texts: dict[str, str] = {}
    if collection_file and collection_doc:
        seen: dict[str, int] = {}
        for i, source in enumerate(collection_file.sources):
            if source.id in seen:
                collection_problems.append(collection_doc.problem(("sources", i, "id"),
                                                                  f"duplicate source id {source.id!r}"))
            seen[source.id] = i
            if source.text_file:
                text, wrong = _source_text(root, source.text_file, limits)
                if wrong:
                    collection_problems.append(collection_doc.problem(("sources", i, "text_file"), wrong))
                else:
                    source_texts[source.id] = text
    if vocabulary_file and vocabulary_doc:
        for kind, term_id in missing_required(vocabulary_file):
            collection_problems.append(vocabulary_doc.problem((kind,), f"the required term {term_id!r} is missing"))
        for kind in ("stances", "themes", "relations", "fates", "roles"):
            seen_terms: set[str] = set()
            for i, term in enumerate(getattr(vocabulary_file, kind)):
                if term.id in seen_terms:
                    collection_problems.append(vocabulary_doc.problem((kind, i, "id"),
                                                                      f"duplicate {kind} id {term.id!r}"))
                seen_terms.add(term.id)

    checker: _CrossChecker | None = None
    if collection_file and vocabulary_file and collection_doc:
        vocabulary = Vocabulary.from_file(vocabulary_file)
        source_ids = {s.id for s in collection_file.sources}
        checker = _CrossChecker(vocabulary, source_ids, collection_file.collection.id, source_texts, [])

    people_paths = sorted((root / PEOPLE_DIR).glob("*.y*ml"))
    with ObjectsKept() as kept:  # the collector need not walk what is read and kept (archive/gc_pause.py)
        people_results = _read_people(people_paths, limits, checker, progress, workers, kept.made)
    for result in people_results:
        problems.extend(result.problems)
    problems.extend(collection_problems)

    people = [r.person for r in people_results if r.person is not None]
    if checker is not None and collection_doc is not None and collection_file is not None:
        checker.problems = problems
        checker.sources(collection_doc, collection_file)
        person_files: dict[str, str] = {}
        quote_files: dict[str, str] = {}
        for result in people_results:
            person, doc = result.person, result.doc
            if person is None or doc is None:
                continue
            problems.extend(result.checks or [])
            if person.id in person_files:
                problems.append(doc.problem(("id",), f"duplicate person id {person.id!r} "
                                                        f"(also in {person_files[person.id]})"))
            person_files[person.id] = doc.file
            for q, quote in enumerate(person.quotes):
                if quote.id in quote_files:
                    problems.append(doc.problem(("quotes", q, "id"),
                                                   f"duplicate quote id {quote.id!r} (also in {quote_files[quote.id]})"))
                quote_files[quote.id] = doc.file

    if problems:
        raise InvalidCollection(problems)
    assert collection_file is not None and vocabulary_file is not None
    return Collection(
        root=root,
        info=collection_file.collection,
        sources=collection_file.sources,
        vocabulary=Vocabulary.from_file(vocabulary_file),
        vocabulary_file=vocabulary_file,
        people=people,
        source_texts=source_texts,
    )
