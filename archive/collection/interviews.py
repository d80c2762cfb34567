"""The checks of a person's interviews that need more than one file: recordings, transcripts
kept in files of their own, index points, and quotes that point at a transcript span.

``CrossChecker.person`` (``archive/collection/loader.py``) calls ``check_interviews`` for each
people file. Beside reporting problems (``file:line: field: what is wrong``) it completes the
person it checks, so that the rows made from it (``archive/store/rows.py``) need no files:

* a transcript given as a YAML file or as WebVTT files becomes the interview's ``segments``;
* a segment or index point that names no recording gets the interview's only recording;
* a local media file whose SHA-256 checksum matches gets its resolved path on disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from archive.collection import format as fmt
from archive.collection import timecodes
from archive.collection.problems import Problem
from archive.collection.yaml_source import YamlDocument, load_yaml_file

PEOPLE_DIR = "people"
_HASH_BLOCK = 1 << 20

Validate = Callable[[YamlDocument, type, list[Problem]], Any]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (media files may be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def inside(folder: Path, relative: str) -> Path | None:
    """The file at ``relative`` (a checked ``RelativePath``) if it is a file inside ``folder``,
    a symbolic link out of the folder included; else None."""
    base = folder.resolve()
    path = base.joinpath(*PurePosixPath(relative).parts).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def _display(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root.resolve()))
    except ValueError:
        return str(path)


class _Checks:
    def __init__(self, root: Path, doc: YamlDocument, person: fmt.Person, problems: list[Problem],
                 validate: Validate):
        self.root = root
        self.doc = doc
        self.person = person
        self.problems = problems
        self.validate = validate

    def problem(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def run(self) -> None:
        seen: dict[str, tuple[Any, ...]] = {}
        for i, interview in enumerate(self.person.interviews):
            for r, recording in enumerate(interview.recordings):
                path = ("interviews", i, "recordings", r)
                if recording.id in seen:
                    self.problem(path + ("id",), f"duplicate recording id {recording.id!r}; recording ids are "
                                                 "unique among a person's interviews")
                seen[recording.id] = path
                if recording.file is not None:
                    self.media_file(path, recording)
            self.transcript(i, interview)
            self.index_points(i, interview)
        for q, quote in enumerate(self.person.quotes):
            if quote.span is not None and quote.span.recording not in seen:
                self.problem(("quotes", q, "span", "recording"),
                             f"recording {quote.span.recording!r} is not a recording of this person's interviews; "
                             f"expected one of: {', '.join(sorted(seen)) or '(no recordings)'}")

    def media_file(self, path: tuple[Any, ...], recording: fmt.Recording) -> None:
        assert recording.file is not None
        found = inside(self.root, recording.file)
        if found is None:
            self.problem(path + ("file",), f"no such file {recording.file!r} in the collection")
            return
        actual = file_sha256(found)
        if actual != recording.sha256:
            self.problem(path + ("sha256",), f"the file {recording.file!r} has the SHA-256 checksum {actual}, not the "
                                             "one given; expected the file's checksum (sha256sum FILE)")
            return
        recording._media_path = str(found)

    # --- transcripts ------------------------------------------------------------------------

    def transcript(self, i: int, interview: fmt.Interview) -> None:
        transcript = interview.transcript
        if transcript is None:
            return
        path = ("interviews", i, "transcript")
        if transcript.file is not None:
            transcript.segments = self.yaml_segments(path + ("file",), transcript.file)
        elif transcript.webvtt:
            transcript.segments = self.webvtt_segments(path, transcript, interview)
        durations = {r.id: timecodes.parse_timecode(r.duration) for r in interview.recordings if r.duration}
        for s, segment in enumerate(transcript.segments):
            at = path + ("segments", s)
            segment.recording = self.recording(at, segment.recording, interview)
            ends = durations.get(segment.recording or "")
            if ends is not None and timecodes.parse_timecode(segment.start) > ends:
                self.problem(at + ("start",), f"the segment starts at {segment.start}, after its recording ends "
                                              f"({timecodes.format_timecode(ends)})")

    def recording(self, at: tuple[Any, ...], given: str | None, interview: fmt.Interview) -> str | None:
        """The recording a segment or index point is in: the one it names, or the only one."""
        ids = [r.id for r in interview.recordings]
        if given is None:
            if len(ids) > 1:
                self.problem(at + ("recording",), f"the interview has several recordings; say which one: "
                                                  f"{', '.join(ids)}")
            return ids[0] if len(ids) == 1 else None
        if given not in ids:
            self.problem(at + ("recording",), f"recording {given!r} is not a recording of this interview; expected "
                                              f"one of: {', '.join(ids) or '(no recordings)'}")
        return given

    def person_folder(self) -> Path:
        return self.root / PEOPLE_DIR

    def yaml_segments(self, at: tuple[Any, ...], relative: str) -> list[fmt.Segment]:
        if len(PurePosixPath(relative).parts) == 1:
            self.problem(at, f"{relative!r} would be read as a person (every YAML file in people/ is one); "
                             f"put the transcript in a folder, e.g. {self.person.id}/{relative}")
            return []
        found = inside(self.person_folder(), relative)
        if found is None:
            self.problem(at, f"no such file {relative!r} next to the person's file (in people/)")
            return []
        doc, problems = load_yaml_file(found, _display(Path.cwd(), found))
        self.problems.extend(problems)
        if problems:
            return []
        data = self.validate(doc, fmt.TranscriptFile, self.problems)
        return list(data.segments) if data is not None else []

    def webvtt_segments(self, at: tuple[Any, ...], transcript: fmt.Transcript,
                        interview: fmt.Interview) -> list[fmt.Segment]:
        # interchange imports the loader: imported here
        from archive.interchange.subtitles import Cue, SubtitleError, parse_srt, parse_vtt, speaker_prefix

        cues: dict[str, list[Cue]] = {}
        names: dict[str, str] = {}
        for t, track in enumerate(transcript.webvtt):
            found = inside(self.person_folder(), track.file)
            if found is None:
                self.problem(at + ("webvtt", t, "file"), f"no such file {track.file!r} next to the person's file")
                continue
            name = names[track.language] = _display(Path.cwd(), found)
            try:
                text = found.read_text(encoding="utf-8-sig")
                if track.file.endswith(".srt"):
                    cues[track.language] = [speaker_prefix(cue, transcript.speakers) for cue in parse_srt(text, name)]
                else:
                    cues[track.language] = parse_vtt(text, name)
            except SubtitleError as error:
                self.problems.append(Problem(name, error.line or 1, f"cue {error.cue}" if error.cue else "(file)",
                                             error.message))
            except UnicodeDecodeError:
                self.problems.append(Problem(name, 1, "(file)", "the file is not UTF-8; save it as UTF-8"))
        original = transcript.original_language
        assert original is not None  # the format requires it with webvtt
        if original not in cues:
            return []
        segments: list[fmt.Segment] = []
        # a translation's cue is the original's segment with the same timings (to the millisecond)
        lookup = {lang: {(round(c.start, 3), round(c.end or c.start, 3)): c for c in found}
                  for lang, found in cues.items() if lang != original}
        for cue in cues[original]:
            where = Problem(names[original], cue.line or 1, f"cue {cue.number}", "")
            if not cue.speaker:
                self.problems.append(_with(where, "the cue has no voice; start it with <v Name> (WebVTT) or "
                                                  "'Name: ' for a name of transcript.speakers (SRT)"))
                continue
            role = transcript.speakers.get(cue.speaker)
            if role is None:
                self.problems.append(_with(where, f"the voice {cue.speaker!r} has no role; give it under "
                                                  "transcript.speakers (interviewer, interviewee, interpreter, other)"))
                continue
            end = cue.end if cue.end is not None else cue.start
            texts = {original: cue.text}
            for lang, by_time in lookup.items():
                other = by_time.get((round(cue.start, 3), round(end, 3)))
                if other is not None and other.text:
                    texts[lang] = other.text
            if not cue.text:
                self.problems.append(_with(where, "the cue has no text"))
                continue
            segments.append(fmt.Segment(
                recording=transcript.recording, start=timecodes.format_timecode(cue.start, millis=True),
                end=timecodes.format_timecode(end, millis=True), speaker=fmt.Speaker(name=cue.speaker, role=role),
                text=texts, original_language=original))
        starts = {(round(c.start, 3), round(c.end or c.start, 3)) for c in cues[original]}
        for lang, by_time in lookup.items():
            for key, cue in by_time.items():
                if key not in starts:
                    self.problems.append(Problem(names[lang], cue.line or 1, f"cue {cue.number}",
                                                 f"no cue of the original ({original}) has these timings; "
                                                 "a translation's cues must have the original's timings"))
        return segments

    # --- index points -------------------------------------------------------------------------

    def index_points(self, i: int, interview: fmt.Interview) -> None:
        for p, point in enumerate(interview.index_points):
            point.recording = self.recording(("interviews", i, "index_points", p), point.recording, interview)


def _with(where: Problem, message: str) -> Problem:
    return Problem(where.file, where.line, where.field, message)


def check_interviews(root: Path, doc: YamlDocument, person: fmt.Person, problems: list[Problem],
                     validate: Validate) -> None:
    """Check a person's recordings, transcripts, index points and quote spans against the
    collection folder at ``root``, completing the person as the module says."""
    if person.interviews or any(q.span for q in person.quotes):
        _Checks(root, doc, person, problems, validate).run()
