"""The characters an archive text may hold: those XML 1.0 can carry.

Everything the archive holds is published as XML somewhere (OAI-PMH, OHMS, Dublin Core), and
XML 1.0 cannot carry the C0 control characters other than tab, line feed and carriage return,
nor U+FFFE, U+FFFF or a surrogate on its own. One such character in one record would make
every answer that includes the record fail, so every importer (collection YAML, source text
files, WebVTT and SRT subtitles, OHMS XML) refuses them at the door with the file and the line,
through ``first_unsafe_character``, and says what to do with ``unsafe_character_message``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# XML 1.0's Char production, negated: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_NAMES = {0x00: "NUL", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "escape", 0xFFFE: "a non-character",
          0xFFFF: "a non-character"}


@dataclass(frozen=True)
class UnsafeCharacter:
    """The first character XML cannot carry in a text: which one, and where (1-based line and column)."""

    character: str
    line: int
    column: int

    @property
    def code(self) -> str:
        return f"U+{ord(self.character):04X}"


def first_unsafe_character(text: str) -> UnsafeCharacter | None:
    """The first character of ``text`` that XML 1.0 cannot carry, with its line and column; None if there is none."""
    found = _NOT_XML_CHAR.search(text)
    if found is None:
        return None
    offset = found.start()
    line_start = text.rfind("\n", 0, offset) + 1
    return UnsafeCharacter(found.group(), text.count("\n", 0, offset) + 1, offset - line_start + 1)


def unsafe_character_message(unsafe: UnsafeCharacter, *, with_column: bool = True) -> str:
    """What is wrong and what to do, for a problem line (the caller gives the file and line);
    ``with_column=False`` for a character found in a value, whose column in the file is not known."""
    number = ord(unsafe.character)
    if 0xD800 <= number <= 0xDFFF:
        name = "a lone surrogate"
    else:
        name = _NAMES.get(number) or str(unicodedata.name(unsafe.character, "a control character"))
    where = f" in column {unsafe.column}" if with_column else ""
    return (f"character {unsafe.code} ({name}){where} cannot be stored: XML 1.0, in which the archive is "
            "published, cannot carry it; remove it")
