"""Who a request about personal data is about (Law 91/2025/QH15): a petitioner named by
phone, e-mail or name, matched exactly on normalised values.

- a phone number by its digits, ``+84``/``0084`` read as the leading ``0`` (``+84 912
  345 678`` is ``0912345678``); it matches the petitioner's ``phone`` and any contact
  channel holding the same number (``zalo``);
- an e-mail address trimmed and case-folded; it matches ``email`` and any contact equal;
- a name in NFC, case-folded, its spaces collapsed (``"nguyễn  văn a"`` is
  ``"Nguyễn Văn A"``); it matches the person's ``name`` (a group's representative too).

Every criterion given must match. Nothing here logs or raises with a value: a complaint
names the field only.

A store finds the candidates without reading every record through
:func:`petitioner_keys`: each matter's normalised phone numbers, e-mail addresses and name,
each hashed to 16 bits (``p3fa9``), kept in an indexed column. Sixteen bits are a
bucket, not an identity: every bucket holds thousands of possible numbers and names, so
the column tells nothing about a person that the store would not tell; it only spares a
search from reading the records of everybody else. The candidates are then compared
exactly.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import attrs

from ._errors import InvalidInputError
from ._petitioner import Petitioner
from ._validators import check_text

__all__ = ["PetitionerMatch", "normal_email", "normal_name", "normal_phone",
           "petitioner_keys"]

#: Fewer digits than this is not a phone number anyone can be found by.
_MIN_DIGITS = 6
_NOT_DIGITS = re.compile("[^0-9]")


def normal_phone(value: str) -> str:
    """The digits of a phone number, ``+84``/``0084`` as the leading ``0``."""
    digits = _NOT_DIGITS.sub("", value)
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif value.lstrip().startswith("+84"):
        digits = "0" + digits[2:]
    return digits


def normal_email(value: str) -> str:
    """An e-mail address as compared: trimmed, case-folded."""
    return value.strip().casefold()


def normal_name(value: str) -> str:
    """A name as compared: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def _bucket(kind: str, value: str) -> str:
    """``kind`` and 16 bits of a hash of ``value`` (see the module docstring)."""
    return kind + hashlib.blake2b(value.encode(), digest_size=2).hexdigest()


def petitioner_keys(petitioner: Petitioner) -> str | None:
    """The buckets a search finds ``petitioner`` by, space-separated between spaces
    (``" p3fa9 e0c1d n7b21 "``): ``p`` of each phone number (``phone`` and every contact
    holding one), ``e`` of each address (``email`` and every contact), ``n`` of the name;
    ``None`` for a petitioner without any, or redacted."""
    if petitioner.redaction is not None:
        return None
    contacts = tuple(petitioner.contacts.values())
    keys: set[str] = set()
    for value in (petitioner.phone, *contacts):
        if value is not None and len(digits := normal_phone(value)) >= _MIN_DIGITS:
            keys.add(_bucket("p", digits))
    for value in (petitioner.email, *contacts):
        if value is not None and (address := normal_email(value)):
            keys.add(_bucket("e", address))
    if petitioner.name is not None and (name := normal_name(petitioner.name)):
        keys.add(_bucket("n", name))
    return f" {' '.join(sorted(keys))} " if keys else None


def _given(field: str, value: object, max_length: int) -> str | None:
    if value is None:
        return None
    check_text(field, value, max_length)
    return str(value)


@attrs.frozen
class PetitionerMatch:
    """The normalised criteria of one request (``None``: not given)."""

    phone: str | None = None
    email: str | None = None
    name: str | None = None

    @classmethod
    def of(cls, *, phone: object = None, email: object = None,
           name: object = None) -> PetitionerMatch:
        """Check and normalise the criteria a caller gave.

        :raises InvalidInputError: a criterion that is not text, a phone number with too
            few digits, or nothing that normalises to a value.
        """
        raw_phone = _given("phone", phone, 40)
        raw_email = _given("email", email, 254)
        raw_name = _given("name", name, 300)
        match = cls(None if raw_phone is None else normal_phone(raw_phone),
                    None if raw_email is None else normal_email(raw_email),
                    None if raw_name is None else normal_name(raw_name))
        if match.phone is not None and len(match.phone) < _MIN_DIGITS:
            raise InvalidInputError("phone", f"expected a phone number (at least "
                                    f"{_MIN_DIGITS} digits)")
        for field in ("email", "name"):
            if getattr(match, field) == "":
                raise InvalidInputError(field, "expected a non-blank value")
        return match

    @property
    def key(self) -> str | None:
        """One bucket every petitioner this matches has (:func:`petitioner_keys`): of the
        phone, else the e-mail, else the name."""
        if self.phone is not None:
            return _bucket("p", self.phone)
        if self.email is not None:
            return _bucket("e", self.email)
        return None if self.name is None else _bucket("n", self.name)

    @property
    def empty(self) -> bool:
        return self.phone is None and self.email is None and self.name is None

    def matches(self, petitioner: Petitioner) -> bool:
        """Whether ``petitioner`` is the person every given criterion names (an erased or
        withheld petitioner never is)."""
        if self.empty or petitioner.redaction is not None:
            return False
        contacts = tuple(petitioner.contacts.values())
        if self.phone is not None and not any(
                v is not None and normal_phone(v) == self.phone
                for v in (petitioner.phone, *contacts)):
            return False
        if self.email is not None and not any(
                v is not None and normal_email(v) == self.email
                for v in (petitioner.email, *contacts)):
            return False
        return self.name is None or (petitioner.name is not None
                                     and normal_name(petitioner.name) == self.name)

    @classmethod
    def same_person(cls, petitioner: Petitioner) -> tuple[PetitionerMatch, ...]:
        """The criteria that find ``petitioner``'s other matters: its phone, its e-mail
        (each alone; not its name, which namesakes share). Empty when it has neither."""
        found = []
        if petitioner.phone is not None and len(normal_phone(petitioner.phone)) >= _MIN_DIGITS:
            found.append(cls(phone=normal_phone(petitioner.phone)))
        if petitioner.email is not None and normal_email(petitioner.email):
            found.append(cls(email=normal_email(petitioner.email)))
        return tuple(found)
