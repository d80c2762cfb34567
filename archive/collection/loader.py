"""Reading and validating a whole collection folder.

A collection is ``collection.yaml``, ``vocabulary.yaml`` and ``people/*.yaml``. Every
problem in every file is gathered before anything is written, so one run of
``archive check`` tells the archivist all that is wrong, each as ``file:line: field:
what is wrong, what is expected``.
"""

from __future__ import annotations

import re
import threading
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from archive.collection import format as fmt
from archive.collection.display import printable
from archive.collection.interviews import check_interviews
from archive.collection.problems import InvalidCollection, Problem
from archive.collection.vocabulary import Vocabulary, missing_required
from archive.collection.xml_characters import first_unsafe_character, unsafe_character_message
from archive.collection.yaml_source import YamlDocument, YamlLimits, describe_size, load_yaml_file

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


def _describe(error: ErrorDetails, model: type[BaseModel]) -> str:
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
            # drop pydantic's internal location parts (e.g. function-after[...]) and the format's union
            # tags (rights[words])
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            problems.append(doc.problem(loc, _describe(error, model)))
        return None


# --- cross-file checks -----------------------------------------------------------------


_WALKED_FIELDS: dict[type, tuple[str, ...]] = {}


def _holds_sources(model: type[BaseModel], seen: frozenset[type] = frozenset()) -> bool:
    """Whether a model, or a model inside one of its fields, has a ``source`` field."""
    if "source" in model.model_fields:
        return True
    for info in model.model_fields.values():
        inner = _model_in(info.annotation)
        if info.annotation is Any or (inner is not None and inner not in seen
                                      and _holds_sources(inner, seen | {model})):
            return True
    return False


def _fields_with_models(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model that may hold a pydantic object with a ``source`` field (a ``str``
    field cannot, nor a ``Visibility``, so those are not walked)."""
    names = _WALKED_FIELDS.get(model)
    if names is None:
        names = tuple(name for name, info in model.model_fields.items()
                      if info.annotation is Any
                      or ((inner := _model_in(info.annotation)) is not None and _holds_sources(inner)))
        _WALKED_FIELDS[model] = names
    return names


def _unknown_sources(obj: Any, path: tuple[Any, ...], source_ids: set[str],
                     found: list[tuple[tuple[Any, ...], str]]) -> None:
    """Every pydantic object in a tree (depth first, fields in order) whose ``source`` is not
    among ``source_ids``, with its path; only fields that can hold a model are descended."""
    if isinstance(obj, BaseModel):
        # only a model with a ``source`` field is asked for it: pydantic answers a missing
        # attribute through a slow ``__getattr__``
        value = obj.source if "source" in type(obj).model_fields else None  # type: ignore[attr-defined]
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


class CrossChecker:
    def __init__(self, vocabulary: Vocabulary, source_ids: set[str], collection_id: str,
                 source_texts: dict[str, str], problems: list[Problem]):
        self.vocabulary = vocabulary
        self.source_ids = source_ids
        self.collection_id = collection_id
        self.source_texts = {k: normalise_space(v) for k, v in source_texts.items()}
        self.problems = problems
        self.root: Path | None = None  # the collection folder: media and transcript files are checked in it

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
                                                     f"{lang!r} is listed as published but the quote has no "
                                                     f"{lang} text"))
            self.verbatim(doc, path, quote)
        if self.root is not None:
            check_interviews(self.root, doc, person, self.problems, _validate)

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
    """The path as the user would type it: relative to the working folder when inside it, with
    any character a terminal would act on escaped (``archive/collection/display.py``)."""
    absolute = path.absolute()
    try:
        return printable(absolute.relative_to(Path.cwd()))
    except ValueError:
        return printable(absolute)


def outside_problem(root: Path, path: Path, display: str) -> Problem | None:
    """A collection file (or its folder) that is a symbolic link out of the collection folder is
    refused, unread: what it points to is not the collection's, and must not show in messages."""
    try:
        inside = root.resolve() in path.resolve().parents
    except (OSError, RuntimeError):  # a loop of links
        inside = False
    if inside:
        return None
    return Problem(display, 1, "(file)", "a symbolic link to a file outside the collection folder (the file or "
                                         "its folder); copy the file into the collection instead")


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
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return "", (f"the text file {text_file!r} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); "
                    "save it as UTF-8")
    unsafe = first_unsafe_character(text)
    if unsafe is not None:
        return "", f"the text file {text_file!r}, line {unsafe.line}: {unsafe_character_message(unsafe)}"
    return text, None


# --- people files, read here or by worker processes -----------------------------------------

PARALLEL_FILES = 64  # from this many people files on, worker processes read them (when there are any)
_CHUNK_FILES = 8
_CHUNKS_AHEAD = 24  # chunks sent to the workers and not yet taken back here: bounds the memory


@dataclass
class PersonResult:
    """One people file read: ``problems`` of reading and validating it, ``checks`` of the
    cross-checks against the collection (None when they were not run)."""

    doc: YamlDocument | None
    person: fmt.Person | None
    problems: list[Problem]
    checks: list[Problem] | None = None


def check_person(path: Path, doc: YamlDocument | None, problems: list[Problem],
                 checker: CrossChecker | None) -> PersonResult:
    """Validate a people file's data and, with a ``checker``, check it against the collection."""
    if problems or doc is None:
        return PersonResult(None, None, problems)
    person = _validate(doc, fmt.Person, problems)
    result = PersonResult(doc, person, problems)
    if person is not None and checker is not None:
        checks: list[Problem] = []
        checker.problems = checks
        try:
            checker.person(doc, person, path.stem)
        finally:
            checker.problems = []
        result.checks = checks
    return result


def load_person_file(path: Path, display: str, limits: YamlLimits) -> tuple[YamlDocument | None, list[Problem]]:
    """A people file's YAML (a file removed since the folder was listed is a problem, and so is
    one that leads out of the collection: ``people/`` or the file a symbolic link out of it)."""
    if not path.is_file():
        return None, [Problem(display, 1, "(file)", "missing file")]
    outside = outside_problem(path.parent.parent, path, display)  # the folder holding people/
    if outside is not None:
        return None, [outside]
    return load_yaml_file(path, display, limits)


PersonJob = Callable[[Path, str, YamlLimits], Any]
_WORKER_JOB: list[PersonJob] = []  # the job of a worker process, set when it starts (empty here)


def sendable(doc: YamlDocument | None, path: Path) -> YamlDocument | None:
    """From a worker process, a document goes without its text: the file is read again
    should a message need a line."""
    if _WORKER_JOB and doc is not None and doc.pending is not None:
        doc.pending = (path, doc.pending[1])
    return doc


def _parsed(path: Path, display: str, limits: YamlLimits) -> tuple[YamlDocument | None, list[Problem]]:
    """A people file's YAML, parsed (``read_collection`` validates it here)."""
    doc, problems = load_person_file(path, display, limits)
    return sendable(doc, path), problems


def _start_worker(job: PersonJob) -> None:
    _WORKER_JOB[:] = [job]


def _run_chunk(chunk: list[tuple[Path, str]], limits: YamlLimits) -> list[Any]:
    job = _WORKER_JOB[0]
    return [job(path, display, limits) for path, display in chunk]


def worker_processes(workers: int, files: int, parallel_from: int = PARALLEL_FILES) -> int:
    """How many processes read ``files`` people files when ``workers`` are allowed: ``workers``
    from ``parallel_from`` files on, else 0 (this process reads them). A process that runs
    other threads (a web server) reads them itself: forking it is not safe."""
    if workers <= 1 or files < max(parallel_from, 2) or threading.active_count() != 1:
        return 0
    return workers


def each_person(paths: list[Path], limits: YamlLimits, job: PersonJob, progress: Progress | None,
                workers: int, parallel_from: int = PARALLEL_FILES) -> Iterator[Any]:
    """``job(path, display, limits)`` for every people file, in the files' order.

    With ``worker_processes(workers, len(paths), parallel_from)`` processes (forked from this
    one: ``job`` and what it holds are theirs without being sent), they run the job while this
    one takes the results in order, at most ``_CHUNKS_AHEAD`` chunks of files ahead. Should
    the processes not start or break (no ``fork``, no semaphores in a sandbox), or there be
    none, the files not done yet are read here.
    """
    displays = [(path, _display_path(path)) for path in paths]
    processes = worker_processes(workers, len(paths), parallel_from)
    ticks = iter(progress(paths)) if progress else None
    done = 0
    if processes:
        chunks = [displays[i:i + _CHUNK_FILES] for i in range(0, len(displays), _CHUNK_FILES)]
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
            pool = ProcessPoolExecutor(max_workers=processes, mp_context=context,
                                       initializer=_start_worker, initargs=(job,))
        except (OSError, ImportError, NotImplementedError, ValueError):
            pool = None
        if pool is not None:
            from collections import deque
            from concurrent.futures.process import BrokenProcessPool

            try:
                with pool:
                    waiting: deque[Any] = deque()
                    sent = 0
                    while done < len(paths):
                        while sent < len(chunks) and len(waiting) < _CHUNKS_AHEAD:
                            waiting.append(pool.submit(_run_chunk, chunks[sent], limits))
                            sent += 1
                        for result in waiting.popleft().result():
                            if ticks is not None:
                                next(ticks, None)
                            done += 1
                            yield result
            except (BrokenProcessPool, OSError):  # the workers could not run: the rest is read here
                pass
    for path, display in displays[done:]:
        if ticks is not None:
            next(ticks, None)
        yield job(path, display, limits)


# --- the collection's own files, and the checks across files ------------------------------------


@dataclass
class CollectionHead:
    """``collection.yaml`` and ``vocabulary.yaml``, read and checked: what every people file
    is checked against (``checker`` is None when either is not valid)."""

    problems: list[Problem]  # reading and validating the two files: reported first
    own_checks: list[Problem]  # their checks: reported after the people files' problems
    collection_doc: YamlDocument | None
    collection_file: fmt.CollectionFile | None
    vocabulary_file: fmt.VocabularyFile | None
    source_texts: dict[str, str]
    checker: CrossChecker | None


def _read_head(root: Path, limits: YamlLimits) -> CollectionHead:
    problems: list[Problem] = []

    def load(path: Path) -> YamlDocument | None:
        display = _display_path(path)
        if not path.is_file():
            problems.append(Problem(display, 1, "(file)", "missing file"))
            return None
        outside = outside_problem(root, path, display)
        if outside is not None:
            problems.append(outside)
            return None
        doc, found = load_yaml_file(path, display, limits)
        problems.extend(found)
        return None if found else doc

    collection_doc = load(root / COLLECTION_FILE)
    vocabulary_doc = load(root / VOCABULARY_FILE)
    collection_file = _validate(collection_doc, fmt.CollectionFile, problems) if collection_doc else None
    vocabulary_file = _validate(vocabulary_doc, fmt.VocabularyFile, problems) if vocabulary_doc else None

    own_checks: list[Problem] = []
    source_texts: dict[str, str] = {}
    if collection_file and collection_doc:
        seen: dict[str, int] = {}
        for i, source in enumerate(collection_file.sources):
            if source.id in seen:
                own_checks.append(collection_doc.problem(("sources", i, "id"), f"duplicate source id {source.id!r}"))
            seen[source.id] = i
            if source.text_file:
                text, wrong = _source_text(root, source.text_file, limits)
                if wrong:
                    own_checks.append(collection_doc.problem(("sources", i, "text_file"), wrong))
                else:
                    source_texts[source.id] = text
    if vocabulary_file and vocabulary_doc:
        for kind, term_id in missing_required(vocabulary_file):
            own_checks.append(vocabulary_doc.problem((kind,), f"the required term {term_id!r} is missing"))
        for kind in ("stances", "themes", "relations", "fates", "roles"):
            seen_terms: set[str] = set()
            for i, term in enumerate(getattr(vocabulary_file, kind)):
                if term.id in seen_terms:
                    own_checks.append(vocabulary_doc.problem((kind, i, "id"), f"duplicate {kind} id {term.id!r}"))
                seen_terms.add(term.id)

    checker: CrossChecker | None = None
    if collection_file and vocabulary_file and collection_doc:
        vocabulary = Vocabulary.from_file(vocabulary_file)
        source_ids = {s.id for s in collection_file.sources}
        checker = CrossChecker(vocabulary, source_ids, collection_file.collection.id, source_texts, [])
        checker.root = root
        # the sources the collection's own records cite: after every people file's problems
        checker.problems = own_checks
        checker.sources(collection_doc, collection_file)
        checker.problems = []
    return CollectionHead(problems, own_checks, collection_doc, collection_file, vocabulary_file, source_texts, checker)


class DuplicateIds:
    """Person and quote ids given by two files (checked here, as the files come in order)."""

    def __init__(self) -> None:
        self.person_files: dict[str, str] = {}
        self.quote_files: dict[str, str] = {}

    def check(self, doc: YamlDocument, person_id: str, quote_ids: list[str]) -> list[Problem]:
        found = []
        if person_id in self.person_files:
            found.append(doc.problem(("id",), f"duplicate person id {person_id!r} "
                                             f"(also in {self.person_files[person_id]})"))
        self.person_files[person_id] = doc.file
        for q, quote_id in enumerate(quote_ids):
            if quote_id in self.quote_files:
                found.append(doc.problem(("quotes", q, "id"),
                                         f"duplicate quote id {quote_id!r} (also in {self.quote_files[quote_id]})"))
            self.quote_files[quote_id] = doc.file
        return found


@dataclass
class CollectionProblems:
    """Every problem of a collection, reported in one order whichever way it was read: the
    two collection files, then each people file's own, then the collection's checks, then the
    checks of each people file against the collection and the other files."""

    head: list[Problem]
    people: list[Problem] = field(default_factory=list)
    own_checks: list[Problem] = field(default_factory=list)
    checks: list[Problem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.head or self.people or self.own_checks or self.checks)

    def all(self) -> list[Problem]:
        return self.head + self.people + self.own_checks + self.checks


def people_paths(root: Path) -> list[Path]:
    return sorted((root / PEOPLE_DIR).glob("*.y*ml"))


def begin_reading(root: Path | str, limits: YamlLimits | None
                  ) -> tuple[Path, YamlLimits, CollectionHead, CollectionProblems, list[Path]]:
    """The start of reading a collection folder: its two collection files read and checked,
    its people files listed (raises InvalidCollection when there is no such folder)."""
    root = Path(root)
    limits = limits or YamlLimits.from_environment()
    if not root.is_dir():
        raise InvalidCollection([Problem(printable(root), 1, "(folder)", "no such collection folder")])
    head = _read_head(root, limits)
    return root, limits, head, CollectionProblems(head.problems, own_checks=head.own_checks), people_paths(root)


def read_collection(root: Path | str, progress: Progress | None = None, limits: YamlLimits | None = None,
                    workers: int = 1, parallel_from: int = PARALLEL_FILES) -> Collection:
    """Validate a collection folder; raise InvalidCollection with every problem found.

    ``progress`` may wrap the list of people files (a progress bar on a terminal); ``limits``
    bound what one file may hold (``YamlLimits``: 20 MB per file unless ``ARCHIVE_YAML_MAX_MB``).
    ``workers`` processes parse the people files from ``parallel_from`` files on (the setting
    ``import_workers`` of ``archive/settings.py``; 0 or 1: none); this process validates them.
    """
    root, limits, head, problems, paths = begin_reading(root, limits)
    duplicates = DuplicateIds()
    people: list[fmt.Person] = []
    for path, (doc, found) in zip(paths, each_person(paths, limits, _parsed, progress, workers, parallel_from),
                                  strict=False):
        result = check_person(path, doc, found, head.checker)
        problems.people.extend(result.problems)
        if result.person is not None and result.doc is not None:
            people.append(result.person)
            if head.checker is not None:
                problems.checks.extend(result.checks or [])
                problems.checks.extend(duplicates.check(result.doc, result.person.id,
                                                        [q.id for q in result.person.quotes]))
    if problems:
        raise InvalidCollection(problems.all())
    assert head.collection_file is not None and head.vocabulary_file is not None
    return Collection(
        root=root,
        info=head.collection_file.collection,
        sources=head.collection_file.sources,
        vocabulary=Vocabulary.from_file(head.vocabulary_file),
        vocabulary_file=head.vocabulary_file,
        people=people,
        source_texts=head.source_texts,
    )
