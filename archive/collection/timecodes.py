"""Timecodes within a recording: ``HH:MM:SS`` with optional milliseconds (``01:02:03.250``)."""

from __future__ import annotations

import re

_TIMECODE = re.compile(r"^(?P<h>\d{1,3}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)(?:\.(?P<ms>\d{1,3}))?$")
FORMAT_HELP = "a timecode like 00:12:05 or 01:02:03.250 (hours:minutes:seconds[.milliseconds])"


class BadTimecode(ValueError):
    """A timecode that cannot be read."""


_PARSED: dict[str, float] = {}  # an import reads each quote's timecodes four times (validation, order, rows)
_PARSED_LIMIT = 65_536


def parse_timecode(text: str) -> float:
    """Seconds from the start of the recording."""
    if not isinstance(text, str):
        raise BadTimecode(f"expected {FORMAT_HELP} as a quoted string, got {type(text).__name__}")
    found = _PARSED.get(text)
    if found is not None:
        return found
    match = _TIMECODE.match(text.strip())
    if not match:
        raise BadTimecode(f"{text!r} is not {FORMAT_HELP}")
    millis = int((match["ms"] or "0").ljust(3, "0"))
    seconds = int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"]) + millis / 1000
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.clear()
    _PARSED[text] = seconds
    return seconds


def format_timecode(seconds: float, *, millis: bool = False) -> str:
    """The inverse of ``parse_timecode``; milliseconds only when asked or present."""
    total_ms = round(seconds * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{ms:03d}" if (millis or ms) else text
