"""Subtitles: a person's timecoded segments as WebVTT or SRT, and subtitle files imported
as timecoded segments of an interview.

Export goes through the one export path (``iter_quotes`` over ``ResultSet.person``), so it
honours the visibility rule. A subtitle file belongs to one recording: a person whose
timecoded quotes are in several recordings (two interviews, or an interview and the
film) must say which one. A quote without ``timecode_out`` ends where the next one
starts, or after ``DEFAULT_CUE_SECONDS``.

Import reads files with the libraries that define the formats in Python (webvtt-py,
strict, and srt); this module only checks what they let through and what the collection
cannot represent, and says where: ``file:line: cue N: what is wrong``. Refused:

* a WebVTT timestamp with a decimal comma (``00:00:01,000``: that is SRT's notation);
* a cue that ends before it starts;
* cue text containing ``-->`` (it would read as a new cue's timings);
* a file that is not UTF-8, or holds a character XML 1.0 cannot carry (a NUL, another
  control character: ``archive.collection.xml_characters``);
* anything else webvtt-py's strict parser or srt refuses.

The cues are then written into a collection by ``archive.interchange.segment_import``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import srt
import webvtt
from sqlalchemy import select
from sqlmodel import col
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.vtt import WebVTTCueBlock

from archive.access.visibility import Viewer, visible_clause
from archive.catalogue import pages as catalogue
from archive.catalogue.interviews import SegmentView
from archive.catalogue.result_sets import QuoteRecord, ResultSet, iter_quotes
from archive.collection.display import printable
from archive.collection.loader import PEOPLE_DIR
from archive.collection.xml_characters import first_unsafe_character, unsafe_character_message
from archive.interchange.segment_import import (
    ImportResult,
    NewCollection,
    NewPerson,
    RecordingImport,
    Segment,
    SegmentImportError,
    slugify,
    write_imports,
)
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

DEFAULT_CUE_SECONDS = 5.0
FORMATS = ("vtt", "srt")


class SubtitleError(ValueError):
    """A subtitle file that cannot be imported, with where and what."""

    def __init__(self, file: str, message: str, cue: int | None = None, line: int | None = None):
        self.file, self.message, self.cue, self.line = file, message, cue, line
        where = f"{printable(file)}:{line}" if line else printable(file)
        super().__init__(f"{where}: {'cue ' + str(cue) + ': ' if cue else ''}{message}")


class AmbiguousRecording(ValueError):
    """The person's timecoded quotes are in more than one recording; say which one."""


@dataclass
class Cue:
    number: int  # 1-based, in file order
    start: float
    end: float | None
    text: str
    identifier: str | None = None
    speaker: str | None = None
    line: int | None = None  # the line of the cue's timings in the file
    # the classes of the cue's voice span (``<v.interpreter Name>``: ("interpreter",)); WebVTT lets a
    # voice carry classes, and the OHMS export uses one for a speaker's role its record cannot give
    voice_classes: tuple[str, ...] = ()


# --- export --------------------------------------------------------------------------------


def _person_visible(archive: Archive, person_id: str, viewer: Viewer) -> None:
    with archive.engine.connect() as conn:
        if conn.scalar(select(col(models.Person.id)).where(col(models.Person.id) == person_id,
                                                           visible_clause(viewer, models.Person))) is None:
            raise catalogue.NotFound(person_id)


def _pick_text(quote: QuoteRecord, lang: str | None) -> str:
    for candidate in (lang, quote.original_language, *quote.texts):
        if candidate and quote.texts.get(candidate):
            return quote.texts[candidate]
    return ""


def recordings(archive: Archive, person_id: str, viewer: Viewer) -> list[str]:
    """The recordings (interview ids, or the collection id for the film) the person's visible
    timecoded quotes are in, in the order they first occur."""
    _person_visible(archive, person_id, viewer)
    found = [q.recording for q in iter_quotes(archive, ResultSet.person(person_id), viewer)
             if q.recording and q.timecode_in is not None]
    return list(dict.fromkeys(r for r in found if r))


def person_cues(archive: Archive, person_id: str, viewer: Viewer, *, lang: str | None = None,
                recording: str | None = None) -> list[Cue]:
    """The person's visible timecoded quotes in one recording, as cues in time order.

    ``lang`` picks the text (falling back to the original); ``recording`` is needed only
    when the quotes are in several recordings (``AmbiguousRecording`` otherwise)."""
    _person_visible(archive, person_id, viewer)
    quotes = [q for q in iter_quotes(archive, ResultSet.person(person_id), viewer)
              if q.recording and q.timecode_in is not None]
    found = list(dict.fromkeys(q.recording for q in quotes))
    if recording is None and len(found) > 1:
        raise AmbiguousRecording(f"{person_id}'s timecoded quotes are in {len(found)} recordings "
                                 f"({', '.join(str(r) for r in found)}); choose one")
    chosen = recording or (found[0] if found else None)
    return quote_cues([q for q in quotes if q.recording == chosen], lambda q: _pick_text(q, lang))


def quote_cues(quotes: list[QuoteRecord], text: Callable[[QuoteRecord], str | None]) -> list[Cue]:
    """Timecoded quotes of one recording as cues in time order, with the text ``text`` picks
    (quotes it gives no text for are left out); a missing end is the next start, or
    ``DEFAULT_CUE_SECONDS`` later."""
    timed = sorted((q for q in quotes if q.timecode_in is not None), key=lambda q: (q.timecode_in, q.position))
    starts = sorted({float(q.timecode_in) for q in timed})  # type: ignore[arg-type]
    cues: list[Cue] = []
    for quote in timed:
        body = text(quote)
        if not body:
            continue
        start = float(quote.timecode_in)  # type: ignore[arg-type]
        end = quote.timecode_out
        if end is None or end <= start:
            later = [s for s in starts if s > start]
            end = later[0] if later else start + DEFAULT_CUE_SECONDS
        cues.append(Cue(len(cues) + 1, start, float(end), body, identifier=quote.id, speaker=quote.person_name))
    return cues


def segment_cues(segments: list[SegmentView], lang: str, recording: str | None = None) -> list[Cue]:
    """An interview's transcript segments (as the viewer may see them) of one recording as
    cues in ``lang``, each voiced by its speaker; segments without text in ``lang`` are left out."""
    cues: list[Cue] = []
    for segment in segments:
        body = segment.text.get(lang)
        if not body or (recording is not None and segment.recording not in (recording, None)):
            continue
        cues.append(Cue(len(cues) + 1, segment.start, segment.end, body, identifier=f"s{segment.position}",
                        speaker=segment.speaker_name))
    return cues


def _lines(text: str) -> list[str]:
    """Cue text lines: a blank line would end the cue, so paragraphs become lines."""
    return [line.strip() for line in text.splitlines() if line.strip()] or ["…"]


def _vtt_time(seconds: float) -> str:
    total = round(seconds * 1000)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def cues_to_vtt(cues: list[Cue]) -> str:
    """WebVTT text; cue ids are the quote ids, the speaker is a voice span."""
    captions = []
    for cue in cues:
        # escaping '<', '&' and '>' also turns a '-->' in the text into '--&gt;'
        lines = [html.escape(line, quote=False) for line in _lines(cue.text)]
        if cue.speaker:
            voice = re.sub(r"[<>&\n]", " ", cue.speaker).strip()
            classes = "".join(f".{name}" for name in cue.voice_classes)
            lines[0] = f"<v{classes} {voice}>{lines[0]}"
        captions.append(webvtt.Caption(_vtt_time(cue.start), _vtt_time(cue.end or cue.start), lines,
                                       identifier=cue.identifier))
    return webvtt.WebVTT(captions=captions).content


def cues_to_srt(cues: list[Cue], *, speakers: bool = False) -> str:
    """SRT text; SRT cannot escape '-->' in a cue, so it becomes '→'. SRT has no voices: with
    ``speakers`` a cue's speaker leads its first line as ``Name: `` (``speaker_prefix`` reads it back)."""
    subtitles = []
    for cue in cues:
        lines = [line.replace("-->", "→") for line in _lines(cue.text)]
        if speakers and cue.speaker:
            lines[0] = f"{cue.speaker.replace(chr(10), ' ').strip()}: {lines[0]}"
        subtitles.append(srt.Subtitle(index=cue.number, start=timedelta(seconds=cue.start),
                                      end=timedelta(seconds=cue.end if cue.end is not None else cue.start),
                                      content="\n".join(lines)))
    return srt.compose(subtitles)


def speaker_prefix(cue: Cue, names: Iterable[str]) -> Cue:
    """An SRT cue whose text starts with ``Name: `` for one of the known speaker ``names``, as the
    cue of that speaker without the prefix (any other cue unchanged): the reverse of
    ``cues_to_srt(speakers=True)``. Only known names are taken, so that a line such as
    ``Note: …`` stays text."""
    if cue.speaker:
        return cue
    for name in sorted(names, key=len, reverse=True):
        if cue.text.startswith(f"{name}: "):
            return Cue(cue.number, cue.start, cue.end, cue.text[len(name) + 2:].lstrip(), cue.identifier, name,
                       cue.line)
    return cue


def interview_cues(archive: Archive, person_id: str, interview_id: str, viewer: Viewer, lang: str,
                   recording: str | None = None) -> list[Cue]:
    """An interview's transcript in ``lang`` as cues voiced by their speakers, as ``viewer`` may
    see it (``archive.catalogue.interviews``: withheld segments left out); ``recording`` (a
    recording's local id) when the interview has several."""
    from archive.catalogue.interviews import interview_page

    page = interview_page(archive.engine, viewer, person_id, interview_id)
    if recording is None and len(page.recordings) > 1:
        raise AmbiguousRecording(f"{person_id}/{interview_id} has {len(page.recordings)} recordings "
                                 f"({', '.join(r.local_id for r in page.recordings)}); choose one")
    return segment_cues(page.segments, lang, recording)


def interview_to_vtt(archive: Archive, person_id: str, interview_id: str, viewer: Viewer, lang: str,
                     recording: str | None = None) -> str:
    return cues_to_vtt(interview_cues(archive, person_id, interview_id, viewer, lang, recording))


def interview_to_srt(archive: Archive, person_id: str, interview_id: str, viewer: Viewer, lang: str,
                     recording: str | None = None) -> str:
    return cues_to_srt(interview_cues(archive, person_id, interview_id, viewer, lang, recording), speakers=True)


def person_to_vtt(archive: Archive, person_id: str, viewer: Viewer, *, lang: str | None = None,
                  recording: str | None = None) -> str:
    return cues_to_vtt(person_cues(archive, person_id, viewer, lang=lang, recording=recording))


def person_to_srt(archive: Archive, person_id: str, viewer: Viewer, *, lang: str | None = None,
                  recording: str | None = None) -> str:
    return cues_to_srt(person_cues(archive, person_id, viewer, lang=lang, recording=recording))


# --- reading ---------------------------------------------------------------------------------


def _seconds(timestamp: webvtt.models.Timestamp) -> float:
    hours, minutes, seconds, millis = timestamp.to_tuple()
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def _where_vtt_fails(name: str, lines: list[str], error: Exception) -> SubtitleError:
    """webvtt-py refused the file: find the line and say why, in the archivist's terms."""
    strict, loose = WebVTTCueBlock.STRICT_CUE_TIMINGS_PATTERN, WebVTTCueBlock.CUE_TIMINGS_PATTERN
    cue = 0
    in_header = True
    in_note = False
    block_has_timings = False
    block_length = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            in_header = in_note = False
            block_has_timings, block_length = False, 0
            continue
        if block_length == 0 and line.startswith("NOTE"):
            in_note = True
        if in_header or in_note:
            block_length += 1
            continue
        if "-->" in line:
            if block_has_timings:
                return SubtitleError(name, f"the cue text contains '-->', which WebVTT reads as the start of "
                                           f"a new cue: {line.strip()!r}", cue, number)
            cue += 1
            if not strict.match(line):
                if strict.match(line.replace(",", ".")):
                    return SubtitleError(name, f"WebVTT timestamps take a full stop before the milliseconds, "
                                               f"not a comma (that is SRT): {line.strip()!r}", cue, number)
                if not loose.match(line):
                    return SubtitleError(name, f"these are not cue timings (HH:MM:SS.mmm --> HH:MM:SS.mmm): "
                                               f"{line.strip()!r}", cue, number)
            block_has_timings = True
        block_length += 1
    quoted = re.findall(r"'([^'\n]+)'", str(error))
    for number, line in enumerate(lines, start=1):
        if quoted and quoted[0] in line:
            return SubtitleError(name, f"webvtt-py refuses this: {error}", None, number)
    return SubtitleError(name, f"webvtt-py refuses the file: {error}")


def _timing_line_numbers(lines: list[str], count: int) -> list[int | None]:
    found = [n for n, line in enumerate(lines, start=1) if WebVTTCueBlock.CUE_TIMINGS_PATTERN.match(line)]
    return found if len(found) == count else [None] * count  # type: ignore[return-value]


def parse_vtt(text: str, name: str = "<vtt>", *, zero_end_is_unknown: bool = False) -> list[Cue]:
    """The cues of a WebVTT text, read by webvtt-py in strict mode.

    ``zero_end_is_unknown`` reads an end of ``00:00:00.000`` after a later start as "end not
    given" (OHMS writes its last cue so) instead of refusing it."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    try:
        parsed = webvtt.from_string(text, strict=True)
    except MalformedFileError as error:
        raise SubtitleError(name, f"not a WebVTT file (it must start with 'WEBVTT'): {error}", None, 1) from None
    except MalformedCaptionError as error:
        raise _where_vtt_fails(name, lines, error) from None
    cues = []
    end: float | None
    for n, (caption, line) in enumerate(zip(parsed.captions, _timing_line_numbers(lines, len(parsed.captions)),
                                            strict=False), start=1):
        start, end = _seconds(caption.start_time), _seconds(caption.end_time)
        if end < start:
            if zero_end_is_unknown and end == 0:
                end = None
            else:
                raise SubtitleError(name, f"the cue ends ({caption.end}) before it starts ({caption.start})", n, line)
        # <br> is not WebVTT, but OHMS transcripts use it for paragraphs
        raw = re.sub(r"<br\s*/?>", "\n", caption.raw_text, flags=re.IGNORECASE)
        body = html.unescape(webvtt.Caption(text=raw).text)
        body = "\n".join(part.strip() for part in body.splitlines() if part.strip())
        if "-->" in body:
            raise SubtitleError(name, "the cue text contains '-->'", n, line)
        found = _VOICE_CLASSES.match(caption.lines[0]) if caption.lines else None
        classes = tuple(name for name in found[1].split(".") if name) if found else ()
        cues.append(Cue(n, start, end, body, caption.identifier, caption.voice, line, classes))
    return cues


# a voice span's classes, as webvtt-py's own voice pattern allows them (``<v.loud.fast Name>``)
_VOICE_CLASSES = re.compile(r"<v((?:\.\w+)*)\s")


def _srt_line_numbers(lines: list[str], subtitles: list[srt.Subtitle]) -> list[int | None]:
    """The line of each cue's timings: the cue's index line followed by a timings line."""
    numbers: list[int | None] = []
    position = 0
    for subtitle in subtitles:
        found: int | None = None
        for i in range(position, len(lines) - 1):
            if lines[i].strip() == str(subtitle.index) and "-->" in lines[i + 1]:
                found = i + 2
                position = i + 2
                break
        numbers.append(found)
    return numbers


def parse_srt(text: str, name: str = "<srt>") -> list[Cue]:
    """The cues of an SRT text, read by the srt package."""
    text = text.lstrip("\ufeff")
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as error:
        error_line = text.count("\n", 0, error.expected_start) + 1
        raise SubtitleError(name, f"srt cannot read a cue here: {error.unmatched_content[:80]!r}", None,
                            error_line) from None
    lines = text.splitlines()
    cues = []
    for n, (subtitle, line) in enumerate(zip(subtitles, _srt_line_numbers(lines, subtitles), strict=False), start=1):
        start, end = subtitle.start.total_seconds(), subtitle.end.total_seconds()
        if end < start:
            raise SubtitleError(name, f"the cue ends ({srt.timedelta_to_srt_timestamp(subtitle.end)}) before it "
                                      f"starts ({srt.timedelta_to_srt_timestamp(subtitle.start)})", n, line)
        content_lines = subtitle.content.splitlines()
        for offset, content in enumerate(content_lines, start=1):
            if "-->" in content:
                raise SubtitleError(name, f"the cue text contains '-->', which reads as a cue's timings: "
                                          f"{content.strip()!r}", n, line + offset if line else None)
        body = "\n".join(part.strip() for part in content_lines if part.strip())
        cues.append(Cue(n, start, end, body, str(subtitle.index), None, line))
    return cues


def read_subtitles(path: str | Path) -> list[Cue]:
    """The cues of a ``.vtt`` or ``.srt`` file."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise SubtitleError(str(path), f"unknown subtitle format {path.suffix!r}; expected .vtt or .srt")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubtitleError(str(path), f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                            None, raw[: exc.start].count(b"\n") + 1) from None
    unsafe = first_unsafe_character(text)
    if unsafe is not None:
        raise SubtitleError(str(path), unsafe_character_message(unsafe), None, unsafe.line)
    return parse_vtt(text, str(path)) if suffix == "vtt" else parse_srt(text, str(path))


# --- import ----------------------------------------------------------------------------------


def cue_segments(cues: list[Cue], *, file_name: str, language: str, original_language: str,
                 suffix_prefix: str = "") -> list[Segment]:
    """Cues as segments of the collection format (one quote each)."""
    segments = []
    for cue in cues:
        context = [f"Speaker: {cue.speaker}."] if cue.speaker else []
        label = f"Cue {cue.number}" + (f" ({cue.identifier})" if cue.identifier and cue.identifier != str(cue.number)
                                       else "")
        context.append(f"{label} of {file_name}.")
        segments.append(Segment(
            text={language: cue.text or "…"},
            original_language=original_language,
            published_translations=[language] if language != original_language else [],
            timecode_in=cue.start,
            timecode_out=cue.end,
            context=" ".join(context),
            locator=f"cue {cue.number}" + (f", line {cue.line}" if cue.line else ""),
            suffix=f"{suffix_prefix}{cue.number:03d}",
        ))
    return segments


def subtitles_to_collection(path: str | Path, out_dir: str | Path, *, person_id: str, interview_id: str,
                            language: str, original_language: str | None = None, person_name: str | None = None,
                            interview: dict[str, Any] | None = None,
                            vocabulary_file: str | Path | None = None) -> ImportResult:
    """Import a ``.vtt``/``.srt`` file as timecoded quotes of one interview of a person.

    ``language`` is the language of the subtitles; ``original_language`` the language
    spoken (default: the same; when they differ the texts are marked as a published
    translation). The person may be new (then ``person_name`` is needed, and the stance is
    ``not-stated``) or already in the collection (their coding is kept). ``interview``
    adds fields (date, place, interviewer, media, …) for a new interview."""
    path = Path(path)
    cues = read_subtitles(path)
    spoken = original_language or language
    root = Path(out_dir)
    if not (root / PEOPLE_DIR / f"{person_id}.yaml").exists() and not person_name:
        raise SegmentImportError(f"{person_id!r} is not in the collection at {root}; give person_name to add them")
    file_slug = slugify(path.stem, "subtitles")
    source_id = slugify(f"subtitles-{person_id}-{interview_id}-{file_slug}", "subtitles")
    kind = "WebVTT" if path.suffix.lower() == ".vtt" else "SRT"
    imp = RecordingImport(
        person_id=person_id,
        person=NewPerson(
            name=person_name or person_id,
            portrait={"en": f"Speaker in the {kind} subtitle file {path.name}; no portrait has been written yet."},
            stance_rationale=(f"Imported from the {kind} subtitle file {path.name}, which carries no stance; "
                              "not coded (never inferred by the import)."),
        ),
        interview={"id": interview_id, "language": spoken, **(interview or {})},
        source={"id": source_id, "title": f"Subtitles: {path.name}", "kind": "other", "language": language,
                "notes": f"{kind} subtitle file of interview {interview_id}, {len(cues)} cues; "
                         f"a copy is kept as sources/{path.name}."},
        segments=cue_segments(cues, file_name=path.name, language=language, original_language=spoken,
                              suffix_prefix=f"{file_slug}-"),
        source_file=path,
    )
    return write_imports(out_dir, [imp], new_collection=NewCollection(slugify(root.name, "collection"), root.name,
                                                                      languages=[spoken]),
                         vocabulary_file=vocabulary_file)
