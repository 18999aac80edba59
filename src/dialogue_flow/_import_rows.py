"""Reading an office's register for an import (issue 18): the header row mapped to the
register's fields, every cell of every row parsed and checked, the key of every row.

Nothing here reads or writes the store: :mod:`dialogue_flow._import` gives the rows their
clocks and commits them. A problem is a :class:`RowError` naming the row as a spreadsheet
numbers it (the header is row 1), the field and the file's own header; its message never
quotes a cell that could hold personal data (only a date written with digits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

import attrs

from ._errors import InvalidInputError
from ._labels import VOCABULARIES
from ._petitioner import Petitioner
from ._records import Channel, SubmissionKind
from ._register import REGISTER_COLUMNS, register_column
from ._tracking import is_tracking_code, parse_tracking_code
from ._validators import FREE, LABEL, NAME, nfc, text_problem

__all__ = ["IGNORED", "IMPORTED", "REQUIRED", "ImportRejected", "ImportResult", "Layout",
           "RegisterRow", "RowError", "layout", "read_rows"]

#: The register's fields an import reads (:data:`~dialogue_flow._register.REGISTER_COLUMNS`).
IMPORTED: Final = ("number", "received_on", "channel", "kind", "name", "address", "phone",
                   "email", "topic", "content", "department", "competent_level",
                   "answered_on", "answer", "tracking_code")
#: The fields an import must find in the header row.
REQUIRED: Final = ("received_on", "topic", "content")
#: The register's fields an import leaves alone: the library gives them (ids, states and
#: clocks), or the import names them (the organisation). A tracking code is read: a matter
#: of the store with that code is not imported again, and a new one keeps its code.
IGNORED: Final = ("id", "state", "due", "overdue", "dialogue", "organisation")

#: How many problems the message of :class:`ImportRejected` lists (all are in ``errors``).
SHOWN: Final = 20
#: The longest text the key of a row may take from its number.
_NUMBER = 100
_LIMITS: Final = {"topic": LABEL, "content": FREE, "name": NAME, "address": LABEL,
                  "phone": 40, "email": 254, "department": NAME, "competent_level": NAME,
                  "answer": FREE, "number": _NUMBER, "channel": NAME, "kind": NAME,
                  "tracking_code": NAME}
_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME)
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_DATE_HINT = "write it as DD/MM/YYYY (17/06/2021) or YYYY-MM-DD (2021-06-17)"
#: 08:00, the start of an office's day: the time of a matter the register dates by day.
OPENING: Final = dt.time(8)


@attrs.frozen
class RowError:
    """One problem of an import's file: where it is and what to do about it."""

    #: The row as a spreadsheet numbers it: the header row is 1, the first data row 2.
    row: int
    #: The register field (``received_on``, ``topic``...; ``number`` for a repeated key).
    field: str
    #: The column's header as the file writes it (the register's Vietnamese header when
    #: the file has no such column).
    column: str
    #: What is wrong and what to write instead; never a personal cell's value.
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column «{self.column}»: {self.message}"


class ImportRejected(InvalidInputError):  # noqa: N818 - the issue's name
    """An import found problems in its file and wrote nothing.

    :ivar errors: every problem, by row (:class:`RowError`); the message lists the first 20.
    """

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: tuple[RowError, ...] = tuple(sorted(errors, key=lambda e: e.row))
        count = len(self.errors)
        lines = [str(e) for e in self.errors[:SHOWN]]
        if count > SHOWN:
            lines.append(f"... and {count - SHOWN} more")
        noun = "problem" if count == 1 else "problems"
        super().__init__("rows", f"{count} {noun} in the file; nothing was imported:\n"
                         + "\n".join(lines))


@attrs.frozen
class ImportResult:
    """What an import did (or, ``dry_run``, would do)."""

    #: Rows added as submissions.
    added: int
    #: Rows skipped: imported before (their key is recorded), or naming by their tracking
    #: code a matter the organisation holds already (an export of its own register).
    skipped: int
    #: Data rows read (blank rows are not counted).
    rows: int
    #: The ids of the submissions added, in the order of their rows (none for a dry run).
    ids: tuple[str, ...]
    #: The headers of the columns the import did not read, as the file writes them.
    ignored_columns: tuple[str, ...]
    dry_run: bool


@attrs.frozen
class Layout:
    """Which column holds each field."""

    columns: Mapping[str, int]
    #: The header texts, as the file writes them.
    headers: tuple[str, ...]
    ignored: tuple[str, ...]

    def column(self, field: str) -> str:
        """The header of ``field``'s column (the register's Vietnamese one if none)."""
        index = self.columns.get(field)
        return register_column(field).vi if index is None else self.headers[index]


@attrs.frozen
class RegisterRow:
    """One data row, checked: what a submission is made of."""

    row: int
    key: str
    received_at: dt.datetime
    received_on: dt.date
    channel: Channel
    kind: SubmissionKind
    petitioner: Petitioner
    topic: str
    content: str
    department: str | None
    competent_level: str | None
    answered_on: dt.date | None
    answer: str | None
    #: The matter's tracking code as the file gives it (an export of the register does).
    tracking_code: str | None = None


def normal(value: object) -> str:
    """A header or a label as an import compares it: NFC, spaces collapsed, case folded."""
    words = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return unicodedata.normalize("NFC", words.casefold())


def layout(header: Sequence[object], mapping: Mapping[str, str] | None) -> Layout:
    """Map the header row's columns to fields: ``mapping`` (field -> header) first, then
    the register's own headers in Vietnamese or English for the fields it leaves out.

    :raises InvalidInputError: ``mapping`` names a field an import does not read.
    :raises ImportRejected: a mapped header or a required field is not in the header row.
    """
    wanted = _check_mapping(mapping)
    headers = tuple("" if cell is None else str(cell).strip() for cell in header)
    where: dict[str, list[int]] = {}
    for index, text in enumerate(headers):
        if text:
            where.setdefault(normal(text), []).append(index)
    errors: list[RowError] = []
    columns: dict[str, int] = {}
    for field, text in wanted.items():
        found = where.get(normal(text), [])
        if len(found) != 1:
            errors.append(RowError(1, field, text, (
                "two columns have this header; rename one" if found else
                "no column has this header in row 1; check its spelling (and that row 1 "
                "holds the headers), or map the field to the header the file uses")))
        else:
            columns[field] = found[0]
    taken = set(columns.values())
    for field in IMPORTED:
        if field not in columns and field not in wanted:
            _by_label(field, where, headers, taken, columns, errors)
    for field in REQUIRED:
        if field not in columns and field not in wanted:
            column = register_column(field)
            errors.append(RowError(1, field, column.vi, (
                f"the file has no column for {field} (header «{column.vi}» or "
                f"«{column.en}»); rename its column, or map it: {field}=HEADER")))
    if errors:
        raise ImportRejected(errors)
    ignored = tuple(text for i, text in enumerate(headers) if text and i not in taken)
    return Layout(columns, headers, ignored)


def _by_label(field: str, where: Mapping[str, list[int]], headers: tuple[str, ...],
              taken: set[int], columns: dict[str, int], errors: list[RowError]) -> None:
    """The column of ``field`` by the register's own header, in Vietnamese or English."""
    column = register_column(field)
    found = [i for label in dict.fromkeys((normal(column.vi), normal(column.en)))
             for i in where.get(label, []) if i not in taken]
    if len(found) > 1:
        errors.append(RowError(1, field, headers[found[0]], "two columns have this header; "
                               "keep one, or map the field to one of them"))
    elif found:
        columns[field] = found[0]
        taken.add(found[0])


def _check_mapping(mapping: object) -> dict[str, str]:
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise InvalidInputError("mapping", "expected a mapping of field -> header text")
    checked: dict[str, str] = {}
    for field, text in mapping.items():
        if field in IGNORED:
            raise InvalidInputError("mapping", f"{field} is not imported: the library gives "
                                    "it, or the import names it; leave it out")
        if field not in IMPORTED:
            raise InvalidInputError("mapping", f"{field!r} is not a field of the register; "
                                    f"expected some of {', '.join(IMPORTED)}")
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError("mapping", f"{field}: expected the header text of a "
                                    "column")
        checked[field] = text
    return checked


def _labels(vocabulary: str, cls: type[Channel | SubmissionKind]) -> dict[str, str]:
    """Every way a register writes a member of ``cls``: its value and its labels."""
    words = VOCABULARIES.get(vocabulary, {})
    found: dict[str, str] = {}
    for member in cls:
        found[normal(member.value)] = member.value
        for label in words.get(member.value, ()):
            found[normal(label)] = member.value
    return found


_CHANNELS: Final = _labels("channel", Channel)
_KINDS: Final = _labels("kind", SubmissionKind)


class _Row:
    """The cells of one data row, read field by field; each problem noted once."""

    def __init__(self, number: int, cells: Sequence[object], plan: Layout,
                 errors: list[RowError]) -> None:
        self.number, self.cells, self.plan, self.errors = number, cells, plan, errors
        self.failed = False

    def fail(self, field: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.number, field, self.plan.column(field), message))

    def cell(self, field: str) -> object:
        index = self.plan.columns.get(field)
        if index is None or index >= len(self.cells):
            return None
        value = self.cells[index]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.cell(field)
        if value is None:
            if required:
                self.fail(field, "must not be empty")
            return None
        if value.__class__ is not str:  # the common case first: a CSV's cells are text
            if isinstance(value, bool) or not isinstance(value, (str, int, float, dt.date)):
                self.fail(field, f"cannot be read (a {type(value).__name__} cell); write "
                          "it as text")
                return None
            if isinstance(value, float):
                value = str(int(value)) if value.is_integer() else str(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
        value = str(nfc(value))
        problem = text_problem(value, _LIMITS[field])
        if problem is not None:
            self.fail(field, problem)
            return None
        return value

    def when(self, field: str, zone: dt.tzinfo, *, required: bool = False,
             ) -> dt.datetime | None:
        """A date cell as the instant the register means: a datetime as it is (a naive one
        in ``zone``), a day at :data:`OPENING`."""
        value = self.cell(field)
        if value is None:
            if required:
                self.fail(field, f"must not be empty; {_DATE_HINT}")
            return None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=zone)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, OPENING, zone)
        if isinstance(value, str):
            return self._parsed(field, value, zone)
        self.fail(field, f"is not a date; {_DATE_HINT}")
        return None

    def _parsed(self, field: str, text: str, zone: dt.tzinfo) -> dt.datetime | None:
        match = _DMY.fullmatch(text)
        ymd = None if match is not None else _YMD.fullmatch(text)
        if match is not None:
            day, month, year = (int(g) for g in match.groups()[:3])
        elif ymd is not None:
            match = ymd
            year, month, day = (int(g) for g in ymd.groups()[:3])
        else:
            self.fail(field, f"is not a date; {_DATE_HINT}")
            return None
        hour, minute, second = (int(g or 0) for g in match.groups()[3:])
        try:
            if match.group(4) is None:
                return dt.datetime.combine(dt.date(year, month, day), OPENING, zone)
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
        except ValueError:
            # Only digits and separators: a date, never a person's data.
            self.fail(field, f"{text} is not a day of the calendar; {_DATE_HINT}")
            return None

    def member(self, field: str, words: Mapping[str, str], default: str) -> str:
        value = self.text(field)
        if value is None:
            return default
        found = words.get(normal(value))
        if found is None:
            vocabulary = "channel" if field == "channel" else "kind"
            labels = VOCABULARIES.get(vocabulary, {})
            choices = "; ".join(f"«{labels[v][0]}»" if v in labels else v
                                for v in dict.fromkeys(words.values()))
            self.fail(field, f"is not a {field} an import knows; write one of: {choices} "
                      "(or the English label or value)")
            return default
        return found


def read_rows(rows: Iterator[object], plan: Layout, *, zone: dt.tzinfo, today: dt.date,
              ) -> tuple[list[RegisterRow], list[RowError]]:
    """Every data row after the header (``rows`` is past it), checked; blank rows are
    skipped. A key seen on an earlier row of the file is a problem of the later one."""
    checked: list[RegisterRow] = []
    errors: list[RowError] = []
    first: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if isinstance(cells, (str, bytes)) or not isinstance(cells, Sequence):
            raise InvalidInputError("rows", f"row {number}: expected a sequence of cells, "
                                    f"got {type(cells).__name__}")
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        row = _Row(number, cells, plan, errors)
        parsed = _checked(row, zone, today)
        if parsed is None:
            continue
        code = parsed.tracking_code
        if code is not None and first.setdefault(f"code:{code}", number) != number:
            row.fail("tracking_code", f"the same tracking code as row {first[f'code:{code}']}: "
                     "each matter has its own; remove the repeated row")
            continue
        seen = first.setdefault(parsed.key, number)
        if seen != number:
            what = "number" if "number" in plan.columns else "cells"
            row.fail("number" if what == "number" else "received_on",
                     f"the same {'number in the same year' if what == 'number' else what} "
                     f"as row {seen}: every row of a register is imported once; remove or "
                     "renumber one")
            continue
        checked.append(parsed)
    return checked, errors


def _checked(row: _Row, zone: dt.tzinfo, today: dt.date) -> RegisterRow | None:
    received_at = row.when("received_on", zone, required=True)
    received_on = None if received_at is None else received_at.astimezone(zone).date()
    if received_on is not None and received_on > today:
        row.fail("received_on", f"{received_on.isoformat()} is in the future (today is "
                 f"{today.isoformat()})")
    topic = row.text("topic", required=True)
    content = row.text("content", required=True)
    channel = row.member("channel", _CHANNELS, Channel.SPOKEN.value)
    kind = row.member("kind", _KINDS, SubmissionKind.PETITION.value)
    name, address = row.text("name"), row.text("address")
    phone, email = row.text("phone"), row.text("email")
    department = row.text("department")
    competent_level = row.text("competent_level")
    answered = row.when("answered_on", zone)
    answered_on = None if answered is None else answered.astimezone(zone).date()
    answer = row.text("answer")
    if (answered_on is None) != (answer is None) and not row.failed:
        missing = "answered_on" if answered_on is None else "answer"
        row.fail(missing, "an answered matter needs both the day of its answer and the "
                 "answer; fill this cell, or empty the other")
    if answered_on is not None and received_on is not None:
        if answered_on < received_on:
            row.fail("answered_on", f"{answered_on.isoformat()} is before the day it was "
                     f"received ({received_on.isoformat()})")
        elif answered_on > today:
            row.fail("answered_on", f"{answered_on.isoformat()} is in the future")
    if department is not None and competent_level is not None and answer is None:
        row.fail("competent_level", "a matter waits on a department or on a competent "
                 "level, not both; empty one of the two")
    number = row.text("number", required="number" in row.plan.columns)
    code = _code(row)
    if row.failed or received_at is None or received_on is None:
        return None
    assert topic is not None  # noqa: S101 - required, else it failed
    assert content is not None  # noqa: S101
    petitioner = Petitioner(name, address, phone, email)
    if "number" in row.plan.columns:
        key = f"{received_on.year}:{normal(number)}"
    else:
        key = "sha256:" + _digest(row, zone)
    return RegisterRow(row.number, key, received_at, received_on, Channel(channel),
                       SubmissionKind(kind), petitioner, topic, content, department,
                       competent_level, answered_on, answer, code)


def _code(row: _Row) -> str | None:
    """The row's tracking code, as stored; a cell that is not one is the row's problem
    (the message never quotes the cell)."""
    text = row.text("tracking_code")
    if text is None:
        return None
    if is_tracking_code(text):
        return text
    try:
        return parse_tracking_code(text)  # as a person types it: spaces, dashes, lowercase
    except InvalidInputError:
        row.fail("tracking_code", "is not a tracking code of this library (ten letters and "
                 "digits with a check character); leave it empty for a new code, or "
                 "rename the column if it holds the office's own numbers")
        return None


def _digest(row: _Row, zone: dt.tzinfo) -> str:
    """The key of a row of a register without numbers: a digest of its cells as the import
    reads them (a date however written, text however spaced or cased)."""
    cells: list[tuple[str, str]] = []
    for field in sorted(row.plan.columns):
        if field == "tracking_code":
            continue  # not part of the key: it was not read before, and keys must not move
        if field in ("received_on", "answered_on"):
            when = row.when(field, zone)
            value = "" if when is None else when.astimezone(zone).isoformat()
        else:
            value = normal(row.text(field) or "")
        cells.append((field, value))
    data = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


assert set(IMPORTED) | set(IGNORED) == {c.field for c in REGISTER_COLUMNS}  # noqa: S101
