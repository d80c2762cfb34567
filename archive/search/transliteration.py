"""Cyrillic ↔ Latin matching for names and places.

A researcher types ``Galina`` or ``Галина``, ``Solzhenitsyn`` or ``Солженицын``. Rather than
guess one romanisation, both sides are reduced to the same *matching key*: Cyrillic is
romanised (a simplified BGN/PCGN scheme) and Latin spellings that the common schemes
disagree on (``iu``/``yu``/``ju``, ``ii``/``iy``/``ij``, ``ks``/``x``, ``ё``/``е``) are
folded to one form. The keys are only for matching; nothing shown to a reader is changed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The romanisation of each Cyrillic letter (lower case): a simplified BGN/PCGN scheme.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}
# Latin spellings that different romanisations use for the same sounds, folded to one.
_LATIN_FOLDS = [
    (re.compile(r"th"), "t"),  # Smithson, Смитсон
    (re.compile(r"(?<![aeiou])yo"), "e"),  # Fyodor, Yolkin: ё romanised as yo (ё is е before folding)
    (re.compile(r"(?<=[aeiou])[jy]e"), "e"),
    (re.compile(r"\b[jy]e"), "e"),
    (re.compile(r"i[jy]([aeou])"), r"y\1"),
    (re.compile(r"[jy]([aeiou])"), r"y\1"),
    (re.compile(r"i([aeou])"), r"y\1"),
    (re.compile(r"(?<=[aeiou])[jy]\b"), "i"),
    (re.compile(r"i[jy]\b"), "i"),
    (re.compile(r"ii\b"), "i"),
    (re.compile(r"(?<=[^aeiou])y\b"), "i"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"tch"), "ch"),
    (re.compile(r"w"), "v"),
    (re.compile(r"ff\b"), "v"),
    (re.compile(r"h"), "kh"),
    (re.compile(r"kkh"), "kh"),
    (re.compile(r"([zcs])kh"), r"\1h"),
    (re.compile(r"(.)\1"), r"\1"),
    # a feminine surname matches its masculine form: Ёлкина/Ёлкин, Иванова/Иванов, Гуреева/Гуреев
    (re.compile(r"(?<=[^aeiou])(in|ov|ev)a\b"), r"\1"),
]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


KEYS_REMEMBERED = 100_000  # distinct words whose key is kept (a collection's words repeat, Zipf-like)


@lru_cache(maxsize=KEYS_REMEMBERED)
def matching_key(word: str) -> str:
    """The key under which a name or place word in either script is matched.

    Remembered per word: the key of every word of each hit's text is asked for when its snippet
    marks names matched in the other script, and the folds are a score of regular expressions."""
    lowered = word.lower().replace("ё", "е")
    romanised = "".join(CYRILLIC_TO_LATIN.get(ch, ch) for ch in lowered)
    key = _strip_accents(romanised)
    for pattern, replacement in _LATIN_FOLDS:
        key = pattern.sub(replacement, key)
    return key


# Until archive/interchange/segment_import.py imports CYRILLIC_TO_LATIN; then delete.
_CYRILLIC = CYRILLIC_TO_LATIN
