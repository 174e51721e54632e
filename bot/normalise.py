"""Fold a draft post into plain lower-case ASCII for matching, keeping a map back to the original.

Evasions undone here: case, accents (``bóllocks``), look-alike letters from other scripts
(Cyrillic ``ѕhіt``, full-width and "fancy" maths letters), zero-width and other invisible
characters (``t\u200bw\u200ba\u200bt``), and letters spaced out (``s h i t e``). Digits and
symbols standing in for letters (``cr4p``, ``w@nker``) and asterisk masking (``b*llocks``) are
left in place: the lexicon's patterns accept them, so phone numbers and prices stay intact.

Every character of the folded text remembers which character of the original it came from, so
evidence is always quoted from the post as written: ``original[start:end]``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from confusable_homoglyphs import confusables

# Letters spaced out one at a time: "s h i t e", "f.u.c.k", "0 7 7 0 0 9 0 0 1 2 3".
SPACED = re.compile(r"(?<![a-z0-9])[a-z0-9](?:[ .\-_]{1,2}[a-z0-9](?![a-z0-9])){3,}", re.I)
SEPARATOR = re.compile(r"[ .\-_]")


@dataclass(frozen=True)
class NormalisedText:
    original: str
    cased: str  # folded, case kept (for patterns that need capitals, such as names)
    text: str  # folded and lower-case
    index: tuple[int, ...]  # index[i]: offset in ``original`` of text[i]
    joined: tuple[tuple[int, int], ...] = ()  # spans of ``text`` that were letters spaced out

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the original post of the folded span ``text[start:end]``."""
        if not self.index:
            return 0, 0
        start = max(0, min(start, len(self.index) - 1))
        end = max(start + 1, min(end, len(self.index)))
        first, last = self.index[start], self.index[end - 1] + 1
        # take along accents and other marks that were folded away after the last character
        while last < len(self.original) and unicodedata.category(self.original[last]) in (
            "Mn",
            "Me",
        ):
            last += 1
        return first, last


@lru_cache(maxsize=1)
def _look_alikes() -> dict[str, str]:
    """Non-ASCII characters that look like an ASCII letter or digit, from Unicode's list."""
    table: dict[str, str] = {}
    for char, entries in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for entry in entries:
            glyph = entry["c"]
            if len(glyph) == 1 and glyph.isascii() and glyph.isalnum():
                table[char] = glyph
                break
    return table


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character as the ASCII it shows; "" for invisible ones; other symbols unchanged."""
    if char.isascii():
        return char
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me"):  # zero-width spaces and joiners, soft hyphens, accents
        return ""
    if category.startswith("Z"):  # no-break and other odd spaces
        return " "
    if category in ("Pi", "Pf"):  # curly quotes and apostrophes: "can’t" is matched as "can't"
        return anyascii(char) or char
    decomposed = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    )
    if decomposed and decomposed.isascii() and decomposed.isalnum():
        return decomposed
    look_alike = _look_alikes().get(char)
    if look_alike:
        return look_alike
    if category.startswith("L"):
        ascii_form = anyascii(char)
        if ascii_form.isalpha():
            return ascii_form
    return char


def normalise(original: str) -> NormalisedText:
    pieces: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(original):
        folded = fold_char(char)
        pieces.append(folded)
        index.extend([offset] * len(folded))
    cased = "".join(pieces)
    cased, index, joined = _join_spaced_letters(cased, index)
    lowered = cased.lower()
    if len(lowered) != len(cased):  # a few non-ASCII symbols change length when lower-cased
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in cased)
    return NormalisedText(original, cased, lowered, tuple(index), joined)


def _join_spaced_letters(
    text: str, index: list[int]
) -> tuple[str, list[int], tuple[tuple[int, int], ...]]:
    """Drop the spaces in "s h i t e"; return where each joined run now sits."""
    if not SPACED.search(text):
        return text, index, ()
    out: list[str] = []
    out_index: list[int] = []
    joined: list[tuple[int, int]] = []
    position = 0
    for match in SPACED.finditer(text):
        out.append(text[position : match.start()])
        out_index.extend(index[position : match.start()])
        start = sum(map(len, out))
        for n in range(match.start(), match.end()):
            if not SEPARATOR.match(text[n]):
                out.append(text[n])
                out_index.append(index[n])
        joined.append((start, sum(map(len, out))))
        position = match.end()
    out.append(text[position:])
    out_index.extend(index[position:])
    return "".join(out), out_index, tuple(joined)


def for_folded(pattern: str) -> re.Pattern:
    """A pattern for the folded, lower-case text. Case-insensitive matching is several times
    slower in Python, and needless unless the pattern itself has capitals."""
    capitals = re.search(r"[A-Z]", re.sub(r"\\.", "", pattern))
    return re.compile(pattern, re.I if capitals else 0)
