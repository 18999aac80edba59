"""Importing an office's register of submissions (issue 18): :meth:`ImportCommands.
import_register`, mixed into :class:`~dialogue_flow.DialogueFlow`.

Every office already keeps its register in a spreadsheet. An import reads it (the header row,
then one row per matter; :mod:`dialogue_flow._import_rows` maps and checks the cells), checks
every row before anything is written, and adds the rows not imported before as submissions
in one commit: all of them or none. Each keeps its dates and gets the legal clock the policy
in force on the day it was received sets, counted from that day (the flow's own deadline
helpers), a tracking code and an audit row (event ``import``), but no notification: the
petitioners of past matters were told at the time, by hand.

A row's key (the register's own number with the year it was received, or a digest of its
cells where the register has no number column) is recorded with the submission made of it
(:class:`~dialogue_flow.storage.ImportKey`), so importing the same file again adds nothing.
A row's tracking code, where the file has the column (an export does), is read too: one
naming a matter of the organisation skips the row (an export imported back into its own
store), one naming another organisation's is refused, and a new matter keeps its code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence

from ._checks import _check_actor, _check_bool, _check_id
from ._errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    VersionConflictError,
)
from ._flow_core import _CODE_ATTEMPTS, FlowCore, _row
from ._import_rows import (
    ImportRejected,
    ImportResult,
    RegisterRow,
    RowError,
    layout,
    normal,
    read_rows,
)
from ._petitioner import Petitioner
from ._plugins import announce_commit, check_vetoes
from ._policy import Purpose
from ._records import (
    Actor,
    AnswerMode,
    Deadline,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
)
from ._register import register_column
from .storage import Changeset, ImportKey
from .storage._import_sql import IMPORT_KEY_KIND

__all__ = ["ImportCommands", "ImportRejected", "ImportResult", "RowError"]

#: The event of an imported submission's first audit row.
IMPORT_EVENT = "import"
#: How many times an import decides again when another import of the same rows committed
#: first (their keys are then held, and those rows skipped).
_ATTEMPTS = 3


def _organisation_column(header: Sequence[object]) -> int | None:
    """Where the register's own "organisation" column is (as an export writes it)."""
    column = register_column("organisation")
    names = {normal(column.vi), normal(column.en)}
    for index, cell in enumerate(header):
        if cell is not None and normal(cell) in names:
            return index
    return None


def _noting(rows: Iterator[object], column: int, seen: set[str]) -> Iterator[object]:
    """``rows`` as they are, noting each one's non-empty cell in ``column`` in ``seen``."""
    for row in rows:
        if isinstance(row, Sequence) and not isinstance(row, (str, bytes)) and \
                column < len(row) and row[column] not in (None, ""):
            seen.add(str(row[column]).strip())
        yield row


class ImportCommands(FlowCore):
    """:meth:`import_register` (mixed into :class:`~dialogue_flow.DialogueFlow`)."""

    def import_register(self, rows: Iterable[Sequence[object]], *, actor: Actor,
                        mapping: Mapping[str, str] | None = None,
                        organisation: str | None = None,
                        dry_run: bool = False) -> ImportResult:
        """Import an office's register: ``rows`` is the header row, then one row per
        matter (cells as text, numbers, dates, datetimes or ``None``: what a CSV or a
        spreadsheet reader gives).

        Columns are found by ``mapping`` (register field -> the file's header, compared
        ignoring case, spaces and Unicode form), else by the register's own headers in
        Vietnamese or English (:data:`~dialogue_flow._register.REGISTER_COLUMNS`); other
        columns are ignored and listed in the result. ``received_on``, ``topic`` and
        ``content`` are required. A row with a ``department`` is assigned to it on the day
        it was received, with a ``competent_level`` escalated to it, with ``answered_on``
        and ``answer`` answered in writing; the others wait as received. Every row is
        checked first; rows imported before (by their key) are skipped, and so are rows
        whose ``tracking_code`` names a matter of the organisation (an export of its own
        register); a code naming another organisation's matter is a problem of the row; a
        new matter keeps the file's code, else gets one. The rest are written in one
        commit, without notifications, into ``organisation`` (default: the actor's; only
        the actor's own is accepted). ``dry_run=True`` checks and counts without writing.

        :raises ImportRejected: a problem in the file: nothing was written; ``errors`` lists
            each (:class:`RowError`: the row as the spreadsheet numbers it, the column).
        :raises PermissionDeniedError: the actor may not import (action
            ``import_register``: by default the office and the chair), or not into
            ``organisation``.
        """
        _check_actor(actor)
        _check_bool("dry_run", dry_run)
        if organisation is None:
            organisation = actor.organisation_id
        _check_id("organisation", organisation)
        self._authorize(actor, "import_register", None)
        if organisation != actor.organisation_id:
            raise PermissionDeniedError(
                f"{actor.name} ({actor.role}) may not import into {organisation}: a register "
                "is imported by its own organisation's office or chair")
        self._check_organisation(organisation)
        if not callable(getattr(self.storage, "import_keys", None)):
            raise ConfigurationError(f"{type(self.storage).__name__} does not record import "
                                     "keys (Storage.import_keys); it cannot import a register")
        return self._import_all(rows, mapping, actor, organisation, dry_run)

    def _import_all(self, rows: Iterable[Sequence[object]],
                    mapping: Mapping[str, str] | None, actor: Actor, organisation: str,
                    dry_run: bool) -> ImportResult:
        every, ignored, column = self._read_register(rows, mapping, organisation)
        checked = self._not_here(every, organisation, column)
        total = len(every)
        for _attempt in range(_ATTEMPTS - 1):
            try:
                return self._import(checked, ignored, total, actor, organisation, dry_run)
            except VersionConflictError as exc:
                if exc.kind != IMPORT_KEY_KIND:
                    raise
            except StorageError:
                # A tracking code is another submission's (the store's unique index refused
                # it): one drawn, drawn again and checked against the store as receive
                # does; or one of the file's, which a matter committed meanwhile holds
                # (another import of the same export): then it names that matter.
                checked = self._not_here(every, organisation, column)
                return self._import(checked, ignored, total, actor, organisation, dry_run,
                                    check_codes=True)
        return self._import(checked, ignored, total, actor, organisation, dry_run)

    def _read_register(self, rows: Iterable[Sequence[object]],
                       mapping: Mapping[str, str] | None, organisation: str,
                       ) -> tuple[list[tuple[RegisterRow, Deadline | None]], tuple[str, ...],
                                  str]:
        """Every row of the file checked, with its clock, the ignored columns and the
        tracking code's column; or :class:`ImportRejected` (a tracking code naming another
        organisation's matter among the problems)."""
        given: object = rows
        if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
            raise InvalidInputError("rows", "expected the rows of a table (the header row "
                                    "first), not a single string")
        lines = iter(given)
        header: object = next(lines, None)
        if isinstance(header, (str, bytes)) or not isinstance(header, Sequence):
            header = ()
        if not any(c is not None and str(c).strip() for c in header):
            raise ImportRejected([RowError(1, "", "", "the file has no header row; the first "
                                           "row names the columns")])
        plan = layout(header, mapping)
        zone = self._zone()
        holders: set[str] = set()
        column = _organisation_column(header)
        if column is not None:  # an export of several organisations' registers
            lines = _noting(lines, column, holders)
        parsed, errors = read_rows(lines, plan, zone=zone, today=self.clock.today())
        if len(holders) > 1:
            errors.insert(0, RowError(
                1, "organisation", str(header[column or 0]),
                f"the file holds the registers of {len(holders)} organisations, each numbered "
                "from 1; export one organisation's at a time (export register --org ORG) "
                "and import each into its organisation"))
        clocks = _Clocks(self, organisation)
        checked: list[tuple[RegisterRow, Deadline | None]] = []
        for row in parsed:
            try:
                checked.append((row, clocks.due(row)))
            except (InvalidInputError, ConfigurationError) as exc:
                # A day outside the calendar's years, or before the policy had a rule.
                errors.append(RowError(row.row, "received_on", plan.column("received_on"),
                                       str(exc)))
        self._codes_here(checked, organisation, plan.column("tracking_code"), errors)
        if errors:
            raise ImportRejected(errors)
        return checked, plan.ignored, plan.column("tracking_code")

    def _not_here(self, checked: list[tuple[RegisterRow, Deadline | None]],
                  organisation: str, column: str,
                  ) -> list[tuple[RegisterRow, Deadline | None]]:
        """The rows whose tracking code names no matter of ``organisation`` (an export of
        this store's own register is not imported again); :class:`ImportRejected` when a
        code names another organisation's."""
        errors: list[RowError] = []
        here = self._codes_here(checked, organisation, column, errors)
        if errors:
            raise ImportRejected(errors)
        return [item for item in checked if item[0].row not in here]

    def _codes_here(self, checked: list[tuple[RegisterRow, Deadline | None]],
                    organisation: str, column: str, errors: list[RowError]) -> set[int]:
        """The rows whose tracking code names a stored matter of ``organisation``; a code
        naming another organisation's matter is the row's problem (in ``errors``)."""
        here: set[int] = set()
        for row, _due in checked:
            if row.tracking_code is None:
                continue
            try:
                found = self.storage.get_submission_by_code(row.tracking_code)
            except NotFoundError:
                continue  # a matter new to this store: it keeps its code
            if found.organisation_id == organisation:
                here.add(row.row)
            else:
                errors.append(RowError(
                    row.row, "tracking_code", column,
                    f"names {found.id} of {found.organisation_id}: this is "
                    f"{found.organisation_id}'s register, which its own office imports "
                    f"(into {found.organisation_id}), not {organisation}"))
        return here

    def _import(self, checked: list[tuple[RegisterRow, Deadline | None]],
                ignored: tuple[str, ...], total: int, actor: Actor, organisation: str,
                dry_run: bool, *, check_codes: bool = False) -> ImportResult:
        """Skip the rows imported before and commit the others. Tracking codes are drawn
        unique within the import; the store's unique index refuses one another submission
        holds (one draw in tens of millions: the caller then draws again with
        ``check_codes``, a look-up per code, which cost 40 µs a row at 100,000 rows).

        The submissions are made, and written, in the order the matters were received
        (the result lists their ids in the order of the rows): time-ordered ids then follow
        the days received, and the store adds each row to its indexes of ids and days
        (and the audit trail's) near the one before instead of anywhere in them, which
        took SQLite 7.7 s instead of 4.3 s for 100,000 rows."""
        held = self.storage.import_keys(organisation, [row.key for row, _due in checked])
        new = [item for item in checked if item[0].key not in held]
        if dry_run:
            return ImportResult(len(new), total - len(new), total, (), ignored, dry_run=True)
        now = self.clock.now()
        made: list[Submission] = []
        trail: list[TransitionRecord] = []
        keys: list[ImportKey] = []
        ids: set[str] = set()
        # The file's own codes are kept (and never drawn for another row).
        codes = {row.tracking_code for row, _due in new if row.tracking_code is not None}
        made_of: dict[int, str] = {}
        for row, due in sorted(new, key=lambda item: item[0].received_at):
            code = row.tracking_code or self._code(codes, checked=check_codes)
            sub = self._submission(row, due, organisation, now, ids, code)
            made_of[row.row] = sub.id
            check_vetoes(self.plugins, Submission.KIND, sub, IMPORT_EVENT, sub.state.value,
                         actor)
            made.append(sub)
            trail.append(_row(sub, IMPORT_EVENT, None, actor, now,
                              details={"row": str(row.row)}))
            keys.append(ImportKey(organisation, row.key, sub.id))
        if made:
            self.storage.commit(Changeset(tuple((sub, 0) for sub in made), tuple(trail),
                                          import_keys=tuple(keys)))
            for sub in made:
                announce_commit(self.plugins, Submission.KIND, sub, IMPORT_EVENT, actor)
        return ImportResult(len(new), total - len(new), total,
                            tuple(made_of[row.row] for row, _due in new), ignored,
                            dry_run=False)

    def _zone(self) -> dt.tzinfo:
        """The flow's time zone: a register's days are days there."""
        zone = self.clock.now().tzinfo
        return dt.UTC if zone is None else zone

    def _code(self, codes: set[str], *, checked: bool) -> str:
        """A tracking code no other row of this import has (``checked``: nor any stored
        submission)."""
        for _attempt in range(_CODE_ATTEMPTS):
            code = self._tracking_code() if checked else self._new_code()
            if code not in codes:
                codes.add(code)
                return code
        raise StorageError(f"no free tracking code in {_CODE_ATTEMPTS} draws; the code "
                           "source repeats itself")

    def _submission(self, row: RegisterRow, due: Deadline | None, organisation: str,
                    now: dt.datetime, ids: set[str], code: str) -> Submission:
        """The submission a checked row makes, with an id no other row of this import has
        (time-ordered ids of the same millisecond differ by 24 random bits)."""
        record_id = self._new_id("sub")
        while record_id in ids:
            record_id = self._new_id("sub")
        ids.add(record_id)
        state = SubmissionState.RECEIVED
        if row.answered_on is not None:
            state = SubmissionState.ANSWERED
        elif row.competent_level is not None:
            state = SubmissionState.ESCALATED
        elif row.department is not None:
            state = SubmissionState.ASSIGNED
        decided = row.department is not None or row.competent_level is not None
        return Submission(
            id=record_id, petitioner=row.petitioner, topic=row.topic, content=row.content,
            state=state, version=1, received_at=row.received_at, updated_at=now,
            kind=row.kind, channel=row.channel, department=row.department,
            competent_level=row.competent_level,
            assigned_on=row.received_on if decided else None, due=due,
            answer=row.answer, answered_on=row.answered_on,
            answer_mode=AnswerMode.IN_WRITING if row.answered_on is not None else None,
            organisation_id=organisation, tracking_code=code,
            confidential=row.kind is SubmissionKind.DENUNCIATION)


class _Clocks:
    """The clock of each imported row, as the flow would have set it on the day the row
    was received: the processing rule for its channel while it waits as received, the
    written-answer rule once assigned or escalated (that day too); shared per day."""

    def __init__(self, flow: ImportCommands, organisation: str) -> None:
        self.flow = flow
        self.organisation = organisation
        self.rules = flow._rules(organisation)  # noqa: SLF001 - the flow's own helper
        self.zone = flow._zone()  # noqa: SLF001
        self.known: dict[tuple[dt.date, str, bool], Deadline | None] = {}

    def due(self, row: RegisterRow) -> Deadline | None:
        decided = row.department is not None or row.competent_level is not None
        # The channel chooses the processing rule only: an answer clock is the same for all.
        key = (row.received_on, "" if decided else row.channel.value, decided)
        if key not in self.known:
            self.known[key] = self._count(row.received_on, row.channel.value, decided)
        return self.known[key]

    def _count(self, day: dt.date, channel: str, decided: bool) -> Deadline | None:
        policy, calendar = self.rules
        if not decided:
            rule = policy.applicable_rule(Purpose.PROCESSING, day, channel=channel)
            return None if rule is None else rule.compute(day, calendar)
        # The flow's own count of an answer clock started on the day of receipt (assigned
        # or escalated that day), on a stand-in for the matter: only its day matters.
        probe = Submission(id="import", petitioner=Petitioner(), topic="-", content="-",
                           state=SubmissionState.ASSIGNED, version=1,
                           received_at=dt.datetime.combine(day, dt.time(8), self.zone),
                           updated_at=dt.datetime.combine(day, dt.time(8), self.zone),
                           assigned_on=day, organisation_id=self.organisation)
        return self.flow._answer_deadline(probe, day, complex_matter=False,  # noqa: SLF001
                                          assigned_on=day, rules=self.rules)
