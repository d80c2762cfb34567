"""File names as a message shows them: every character a terminal would act on, escaped.

A message is ``FILE:LINE: FIELD: MESSAGE`` on one line. A file name may hold a newline (which
would split the message, and could forge a second one) or a terminal escape sequence (which
could colour or rewrite what the terminal shows); ``printable`` writes each such character the
way Python writes it in a string (``\\n``, ``\\x1b``), and keeps every printable letter,
Cyrillic as well as Latin, as it is. Every message that names a file goes through it.
"""

from __future__ import annotations

from pathlib import PurePath


def printable(name: str | PurePath) -> str:
    """``name`` with each character that is not printable (controls, line and paragraph
    separators, a byte that was not UTF-8) written as an escape."""
    text = str(name)
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)
