#!/usr/bin/env python3
"""Speak a collection's transcripts into its media files: the synthetic example's audio.

For every recording with a local ``file`` whose interview has inline transcript segments,
each segment's original-language text is spoken by espeak-ng (Russian or English voice) and
placed by sox at the segment's start, silence between; the file lasts the recording's
``duration``. The recording's ``sha256`` in the person's file is then set to the new file's
checksum, so that ``archive check`` and ``archive import`` accept it.

    python examples/make_audio.py                       # examples/synthetic-interview, in place
    python examples/make_audio.py --out /tmp/synthetic  # a copy of it, with its audio

Needs Debian's ``espeak-ng`` and ``sox`` (``apt-get install espeak-ng sox``). The output is
16 kHz mono WAV: a format every browser plays, and the same bytes on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "synthetic-interview"
VOICES = {"ru": "ru", "en": "en"}
SPEED_WPM = 160
RATE_HZ = 16000


class GenerationError(RuntimeError):
    """The audio cannot be made as the transcript says (a tool missing, a passage too long)."""


def _seconds(timecode: str) -> float:
    hours, minutes, seconds = timecode.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise GenerationError(f"{command[0]} is not installed (apt-get install espeak-ng sox)") from None
    except subprocess.CalledProcessError as error:
        raise GenerationError(f"{' '.join(command[:2])} failed: {error.stderr.strip()}") from None
    return done.stdout


def _duration(path: Path) -> float:
    return float(_run(["soxi", "-D", str(path)]).strip())


def speak(text: str, language: str, target: Path) -> None:
    """One passage spoken into a WAV file at ``RATE_HZ``, mono."""
    voice = VOICES.get(language)
    if voice is None:
        raise GenerationError(f"no espeak-ng voice is set for {language!r}; expected one of {', '.join(VOICES)}")
    raw = target.with_suffix(".raw.wav")
    _run(["espeak-ng", "-v", voice, "-s", str(SPEED_WPM), "-w", str(raw), text])
    _run(["sox", "-D", str(raw), "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(target)])
    raw.unlink()


def build_recording(segments: list[dict], duration: float, target: Path) -> None:
    """The recording: each segment spoken from its start, silence elsewhere, ``duration`` long."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        pieces: list[Path] = []
        at = 0.0
        for n, segment in enumerate(segments, start=1):
            start, end = _seconds(segment["start"]), _seconds(segment["end"])
            if start < at:
                raise GenerationError(f"segment {n} starts at {segment['start']}, before the previous one ends")
            spoken = folder / f"segment-{n}.wav"
            speak(segment["text"][segment["original_language"]], segment["original_language"], spoken)
            length = _duration(spoken)
            if length > end - start:
                raise GenerationError(f"segment {n} takes {length:.2f} s to say, more than its {end - start:.2f} s "
                                      f"({segment['start']}–{segment['end']}); shorten its text or its timings")
            placed = folder / f"placed-{n}.wav"
            # silence from the previous segment's end to this start, the speech, silence to this end
            _run(["sox", "-D", str(spoken), str(placed), "pad", f"{start - at:.3f}", f"{end - start - length:.3f}"])
            pieces.append(placed)
            at = end
        if duration < at:
            raise GenerationError(f"the recording lasts {duration} s but its transcript runs to {at} s")
        joined = folder / "joined.wav"
        if pieces:
            _run(["sox", "-D", *map(str, pieces), str(joined), "pad", "0", f"{duration - at:.3f}"])
        else:
            _run(["sox", "-D", "-n", "-r", str(RATE_HZ), "-c", "1", "-b", "16", str(joined),
                  "trim", "0", f"{duration:.3f}"])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(joined), target)


def _set_checksum(person_file: Path, media: str, checksum: str) -> None:
    """Set the ``sha256:`` of the recording whose ``file:`` is ``media``, keeping the file's text."""
    text = person_file.read_text(encoding="utf-8")
    pattern = re.compile(rf"(file:\s*{re.escape(media)}\s*\n(?:[^\n]*\n)*?\s*sha256:\s*)[0-9a-f]{{64}}")
    updated, count = pattern.subn(lambda m: m.group(1) + checksum, text, count=1)
    if count != 1:
        raise GenerationError(f"{person_file}: no `sha256:` line after `file: {media}` to set")
    person_file.write_text(updated, encoding="utf-8")


def make_audio(collection: Path) -> list[Path]:
    """Make the media files of every person file of ``collection``; the files made."""
    made = []
    for person_file in sorted((collection / "people").glob("*.y*ml")):
        person = yaml.safe_load(person_file.read_text(encoding="utf-8")) or {}
        for interview in person.get("interviews") or []:
            segments = (interview.get("transcript") or {}).get("segments") or []
            for recording in interview.get("recordings") or []:
                if not recording.get("file") or not recording.get("duration"):
                    continue
                own = [s for s in segments if s.get("recording", recording["id"]) == recording["id"]]
                target = collection / recording["file"]
                build_recording(own, _seconds(recording["duration"]), target)
                _set_checksum(person_file, recording["file"], hashlib.sha256(target.read_bytes()).hexdigest())
                made.append(target)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collection", nargs="?", type=Path, default=EXAMPLE,
                        help="the collection folder (default: examples/synthetic-interview)")
    parser.add_argument("--out", type=Path, help="copy the collection here first and make the audio in the copy")
    args = parser.parse_args(argv)
    collection = args.collection
    if args.out is not None:
        shutil.copytree(collection, args.out, dirs_exist_ok=True)
        collection = args.out
    try:
        made = make_audio(collection)
    except GenerationError as error:
        print(f"make_audio: {error}", file=sys.stderr)
        return 1
    for path in made:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
