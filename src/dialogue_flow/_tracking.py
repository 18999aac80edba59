"""Tracking codes: what a citizen quotes to ask where their matter stands (mã tra cứu).

A code is ten characters from an alphabet of 31 that leaves out the look-alikes 0/O and
1/I/L: nine random characters and a check character. The check is ISBN-10's weighted sum,
modulo the prime 31 instead of 11: with characters valued 0-30 and weighted 1 to 10 from
the left, a valid code's weighted sum is a multiple of 31. Any one character typed wrong
changes the sum by ``weight * difference``, never a multiple of 31 (31 is prime and both
factors are smaller); any two characters swapped, next to each other or not, change it by
``(weight difference) * (value difference)``, never a multiple of 31 either. So every
single-character error and every transposition is caught before a lookup.

Nine random characters give 31**9 (2.6e13) codes: with two million matters stored, a
guessed code is one of them once in 13 million tries. Codes are drawn with :mod:`secrets`
and never derived from the record's id (ids may be sequential; codes must not be
enumerable). Input is read forgivingly: case is ignored, and so are spaces and dashes
("k7m2p-x9qr4").
"""

from __future__ import annotations

import hashlib
import operator
import secrets

from ._errors import InvalidInputError

__all__ = ["ALPHABET", "LENGTH", "is_tracking_code", "new_tracking_code", "parse_tracking_code",
           "tracking_code_from"]

#: The characters of a code: digits 2-9 and the capitals without I, L and O (31, a prime).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: Characters in a code, the check character included.
LENGTH = 10

_BASE = len(ALPHABET)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
#: Multiplying by this divides by the check character's weight (LENGTH), modulo 31.
_INVERSE_OF_LAST_WEIGHT = pow(LENGTH, -1, _BASE)
_IGNORED = str.maketrans("", "", " \t-")
_WEIGHTS = range(1, LENGTH + 1)
_CHARACTERS = frozenset(ALPHABET)


def _weighted(values: list[int]) -> int:
    # map/operator.mul: no Python frame per character (twice per new matter: drawn, checked).
    total: int = sum(map(operator.mul, _WEIGHTS, values))
    return total % _BASE


def _with_check(values: list[int]) -> str:
    """The code of the nine ``values``, its check character appended."""
    check = (-_weighted(values) * _INVERSE_OF_LAST_WEIGHT) % _BASE
    return "".join(ALPHABET[v] for v in [*values, check])


def new_tracking_code() -> str:
    """A fresh random code."""
    return _code_of(secrets.randbelow(_BASE ** (LENGTH - 1)))


def tracking_code_from(seed: str) -> str:
    """A code derived from ``seed`` (for deterministic tests and demos only: anyone who
    knows the seed knows the code)."""
    return _code_of(int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big"))


def _code_of(number: int) -> str:
    """The code whose nine characters are the last nine base-31 digits of ``number``."""
    values = []
    for _ in range(LENGTH - 1):
        number, value = divmod(number, _BASE)
        values.append(value)
    return _with_check(values)


def is_tracking_code(value: object) -> bool:
    """Whether ``value`` is a code as stored: ten characters of :data:`ALPHABET` whose
    check character matches."""
    if not isinstance(value, str) or len(value) != LENGTH or not _CHARACTERS.issuperset(value):
        return False
    return _weighted([_VALUE[c] for c in value]) == 0


def parse_tracking_code(text: object, field: str = "tracking_code") -> str:
    """The code a person typed, as stored (capitals, no spaces or dashes).

    :raises InvalidInputError: naming ``field`` and what is wrong (never echoing the input,
        which might be a phone number typed in the wrong box): not ten characters, a
        character codes do not use, or a check character that does not match.
    """
    if not isinstance(text, str):
        raise InvalidInputError(field, f"expected the tracking code as text, got "
                                f"{type(text).__name__}")
    code = text.translate(_IGNORED).upper()
    if len(code) != LENGTH:
        raise InvalidInputError(field, f"a tracking code has {LENGTH} letters and digits "
                                f"(spaces and dashes aside); this has {len(code)}")
    for position, c in enumerate(code, start=1):
        if c not in _VALUE:
            raise InvalidInputError(field, f"character {position} is not used in tracking "
                                    "codes (letters and the digits 2-9; there is no 0, 1, I, "
                                    "L or O)")
    if _weighted([_VALUE[c] for c in code]) != 0:
        raise InvalidInputError(field, "the check character does not match: a character "
                                "was mistyped or two were swapped; check the code and type "
                                "it again")
    return code
