"""Finding matters by their words (issue 16): the one rule every backend follows.

A submission's *words* are those of its topic and its content, folded: lower case, without
diacritics, "đ" as "d" (Unicode does not decompose it, so SQLite FTS5's
``remove_diacritics`` and PostgreSQL's ``unaccent`` treat it differently; we fold it
ourselves), compatibility forms as their plain letters (full-width digits, ligatures). A
word is a run of letters and digits. A search matches a submission when every word of the
search is one of its words, except the last, which only needs to begin one of them (the
user may still be typing it): ``"dat da"`` finds "Tranh chấp đất đai".

Python folds both sides, so backends never fold text themselves: a SQL backend stores
:func:`search_text` (the folded words between single spaces) in a column and matches each
word with ``LIKE`` (:func:`like_patterns`); the memory backend calls :func:`matches`. The
same rule, to the character, on every backend. (Folding uses the ``unicodedata`` tables of
the running Python; they change only for scripts added to Unicode, never for Vietnamese.)
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ._errors import InvalidInputError
from ._validators import LABEL, check_text

__all__ = ["MAX_TERMS", "fold", "like_patterns", "matches", "search_terms", "search_text",
           "words"]

#: The most words a search may hold (each is one more condition on every row).
MAX_TERMS = 32

_WORD = re.compile(r"[^\W_]+")


def _plain(text: str) -> str:
    """``text`` decomposed (compatibility forms too), without its combining marks."""
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _fold_character(c: str) -> str:
    # Twice: case folding may add a mark ("İ" -> "i̇"), and a compatibility form may be a
    # capital only once decomposed ("ℌ" -> "H", then "h").
    return _plain(_plain(c).casefold()).replace("đ", "d")


class _Folded(dict[int, str]):
    """Code point -> its folded text, computed once per character seen (``str.translate``
    looks each character up in C; only a character not seen before costs Python)."""

    def __missing__(self, code_point: int) -> str:
        folded = self[code_point] = _fold_character(chr(code_point))
        return folded


_FOLDED = _Folded()


def fold(text: str) -> str:
    """``text`` as search compares it: lower case, no diacritics, "đ"/"Đ" as "d".

    Character by character (decomposition, case folding and dropping marks are; marks are
    dropped, never reordered), so a table of the characters seen does it. Folding twice
    changes nothing, and the result holds no ASCII capital (both checked over every code
    point by the tests).
    """
    return text.translate(_FOLDED)


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (repeats kept)."""
    return _WORD.findall(fold(text))


@functools.lru_cache(maxsize=4096)
def search_text(topic: str, content: str) -> str:
    """What a SQL backend stores for a submission: its folded words between single spaces,
    with a space at each end (so ``LIKE '% word %'`` is a whole word).

    Cached: every command on a matter rewrites its indexed columns, and its words rarely
    change; folding 500 characters costs ~60 µs, 5-7 % of a durable SQLite commit."""
    return f" {' '.join([*words(topic), *words(content)])} "


def search_terms(text: object) -> tuple[str, ...]:
    """The folded words of a search, checked.

    :raises InvalidInputError: not text, too long, or no word in it (``search=None`` is
        "no search").
    """
    check_text("search", text, LABEL)
    terms = tuple(words(str(text)))
    if not terms:
        raise InvalidInputError("search", "has no letter or digit to search for; pass "
                                "search=None to list without searching")
    if len(terms) > MAX_TERMS:
        raise InvalidInputError("search", f"has {len(terms)} words; at most {MAX_TERMS} are "
                                "searched for")
    return terms


def matches(terms: tuple[str, ...], topic: str, content: str) -> bool:
    """The reference rule: every term but the last is one of the words of ``topic`` and
    ``content``, and the last begins one of them."""
    found = _vocabulary(topic, content)
    *whole, last = terms
    return all(term in found for term in whole) and any(w.startswith(last) for w in found)


@functools.lru_cache(maxsize=4096)
def _vocabulary(topic: str, content: str) -> frozenset[str]:
    # Cached: the memory backend asks again for every query over the same records.
    return frozenset((*words(topic), *words(content)))


def like_patterns(terms: tuple[str, ...]) -> list[str]:
    """One ``LIKE`` pattern per term over :func:`search_text`: a whole word for every term
    but the last, a word's beginning for the last. (Terms hold neither ``%`` nor ``_``: a
    word is letters and digits only.)"""
    return [*(f"% {term} %" for term in terms[:-1]), f"% {terms[-1]}%"]
