"""What every command of :class:`~dialogue_flow.DialogueFlow` shares: construction,
deadlines, authorisation and the one commit path (its queries: ``_flow_queries``).

Every command follows the same steps, in :meth:`FlowCore._change`: check the arguments,
load the record, ask the authoriser, let the lifecycle decide the new state, then commit the
new record, its audit-trail row and its notifications in one
:class:`~dialogue_flow.storage.Changeset`. Nothing is written before every check passed.
The commands themselves live in ``_dialogue_commands`` and ``_submission_commands``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from ._access import AccessLogging
from ._auth import default_authorize
from ._calendar import WorkCalendar
from ._checks import (
    _check_actor,
    _check_date,
    _check_id,
    _check_text,
    _replace,
    _require,
)
from ._clock import Clock, SystemClock
from ._deadline_rules import DeadlineRules
from ._errors import (
    ConcurrentChangeError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PluginError,
    StorageError,
    VersionConflictError,
)
from ._flow_queries import FlowQueries, Page
from ._ids import IdFactory, time_ordered_id
from ._lifecycle import DIALOGUE, RECEPTION, SUBMISSION, Lifecycle
from ._messages import LANGUAGES, level_words, render
from ._plugins import (
    PluginManager,
    announce_commit,
    check_vetoes,
    load_plugins,
    plugin_calendar,
)
from ._policy import Anchor, DeadlinePolicy
from ._reception_records import RECEPTION_MINIMUM, ReceptionDay
from ._records import (
    Actor,
    DayOverride,
    Deadline,
    Dialogue,
    Level,
    Notification,
    Submission,
    TransitionRecord,
)
from ._retention import retention_levels
from ._store_policy import store_policy
from ._tracking import new_tracking_code
from ._withheld import identity_readable, withheld
from .storage import (
    Changeset,
    Record,
    Storage,
    SubmissionCount,
)

__all__ = ["Authorizer", "FlowCore", "Page"]

#: ``(actor, action, record) -> True/False``, or ``None`` for "no opinion, ask the next".
Authorizer = Callable[[Actor, str, Record | None], bool | None]

T = TypeVar("T")
_RecordT = TypeVar("_RecordT", Dialogue, Submission, ReceptionDay)

_LIFECYCLES: dict[str, Lifecycle] = {Submission.KIND: SUBMISSION, Dialogue.KIND: DIALOGUE,
                                     ReceptionDay.KIND: RECEPTION}

#: How many tracking codes a receive draws before it gives up (a random one is taken once
#: in millions of draws; only a broken deterministic source exhausts it).
_CODE_ATTEMPTS = 8

#: How many times a command decides again when something it read but does not write (a
#: dialogue, the set of its matters) changed before its commit. Each attempt reads afresh;
#: only a burst of commits on the same dialogue exhausts it.
DECIDE_ATTEMPTS = 5


class FlowCore(FlowQueries, DeadlineRules, AccessLogging):
    """The state and shared machinery of a flow (see :class:`~dialogue_flow.DialogueFlow`)."""

    def __init__(
        self,
        storage: Storage,
        *,
        calendar: WorkCalendar | None = None,
        policy: DeadlinePolicy | str | None = None,
        clock: Clock | None = None,
        authorizers: Iterable[Authorizer] = (),
        language: str = "vi",
        remote_area: bool = False,
        ids: IdFactory | None = None,
        plugins: PluginManager | None = None,
        reception_minimum: Mapping[str, int] | None = None,
        retention: Mapping[str, str] | None = None,
    ) -> None:
        if language not in LANGUAGES:
            raise InvalidInputError("language", f"{language!r} is not one of {LANGUAGES}")
        _check_parts(storage, calendar, clock, ids, remote_area)
        authorizers = tuple(_check_authorizers(authorizers))
        self.storage = storage
        #: The plugins every command consults (built-ins only unless given).
        self.plugins = plugins if plugins is not None else load_plugins(entry_points=False)
        self.calendar = calendar if calendar is not None else plugin_calendar(self.plugins)
        #: A policy id selects among the bundled policies and those plugins contribute; a
        #: store that records its policy runs under that one (see ``_store_policy``).
        self.policy = store_policy(self.plugins, storage, policy)
        #: Policies by id, as organisations name them; the flow's own id names the flow's
        #: policy (one a settings file loaded from its own file included).
        self._policies: dict[str, DeadlinePolicy] = {self.policy.id: self.policy}
        self._calendars: dict[tuple[DayOverride, ...], WorkCalendar] = {}
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.language = language
        #: Communes in remote areas get the policy's "remote" variants where it has them.
        self.remote_area = remote_area
        #: Citizen reception days a month at least, by organisation level (215-KL/TW).
        self.reception_minimum: Mapping[str, int] = _check_minimum(reception_minimum)
        #: How long closed matters keep personal data, by level (``dialogue_flow._retention``).
        self.retention: Mapping[str, str] = retention_levels(retention)
        self._authorizers = tuple(authorizers)
        self._new_id: IdFactory = ids if ids is not None else time_ordered_id
        # Random tracking codes, unless the ids are a test helper's that also makes
        # deterministic codes (SequentialIds.tracking_code).
        self._new_code: Callable[[], str] = getattr(ids, "tracking_code", new_tracking_code)

    # --- shared by the commands --------------------------------------------------------------

    def _current(self, cls: type[_RecordT], ref: object) -> _RecordT:
        """The stored record for an id, or for a record the caller read earlier.

        Passing a record is optimistic locking for hosts (a form showed version 3): if the
        stored one moved on, the command is refused before anything is decided.
        """
        if isinstance(ref, cls):
            current: _RecordT = self._load(cls, ref.id)
            if current.version != ref.version:
                raise VersionConflictError(cls.KIND, ref.id, ref.version, current.version)
            return current
        if isinstance(ref, str):
            _check_id(f"{cls.KIND}_id", ref)
            return self._load(cls, str(ref))
        raise InvalidInputError(cls.KIND, f"expected a {cls.KIND} id or a {cls.__name__} "
                                f"record, got {ref!r}")

    def _expect(self, cls: type[_RecordT], ref: str | _RecordT,
                expected_version: int | None) -> str | _RecordT:
        """``ref`` pinned to ``expected_version`` (a command's ``expected_version=``): the
        stored record, when it is still at that version, which the command then reads as a
        caller's record (optimistic locking, like passing the record a form showed).

        :raises VersionConflictError: the record moved on since the caller read it.
        :raises InvalidInputError: not a version, or a record of another version was passed.
        """
        if expected_version is None:
            return ref
        if not _is_version(expected_version):
            raise InvalidInputError("expected_version", "expected the version the caller "
                                    f"read (a whole number >= 1), got {expected_version!r}")
        if isinstance(ref, cls) and ref.version != expected_version:
            raise InvalidInputError(
                "expected_version", f"{expected_version} is not the version of the "
                f"{cls.KIND} passed ({ref.version}); pass the id with expected_version, or "
                "the record alone")
        current = self._current(cls, ref.id if isinstance(ref, cls) else ref)
        if current.version != expected_version:
            raise VersionConflictError(cls.KIND, current.id, expected_version, current.version)
        return current

    def _decide(self, kind: str, ref: object, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` (a whole command: reads, checks, commit), again when its commit
        failed on a guard: a record it read but does not write changed, or the count of a
        dialogue's matters (:class:`ConcurrentChangeError`). A conflict on the command's own
        record (``kind`` and the id in ``ref``) is the caller's to resolve and is raised."""
        own = ref.id if isinstance(ref, (Dialogue, Submission, ReceptionDay)) else ref
        for left in range(DECIDE_ATTEMPTS - 1, -1, -1):
            try:
                return attempt()
            except VersionConflictError as exc:
                mine = (exc.kind, exc.record_id) == (kind, own)
                if left == 0 or (mine and not isinstance(exc, ConcurrentChangeError)):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _load(self, cls: type[_RecordT], record_id: str) -> _RecordT:
        if cls is Submission:
            return self.storage.get_submission(record_id)
        if cls is ReceptionDay:
            return self.storage.get_reception_day(record_id)
        return self.storage.get_dialogue(record_id)  # type: ignore[return-value]

    def permits(self, actor: Actor, action: str, record: Record | None = None) -> bool:
        """Whether ``actor`` may ``action`` (a command's name as the ``authorize`` hook gets
        it: ``"answer"``, ``"assign"``, ``"plan"``, ``"issue_document"``, ...) on ``record``
        (``None`` for a command that creates one), asking the same authorisers in the same
        order as the command itself (plugins' ``authorize`` hook, the host's authorizers,
        the default rules).

        For a host's screens: show a form only to those who may use it. The command still
        checks when it runs, with the record as it is then; the lifecycle (is the event
        allowed from the record's state?) is not part of this answer.

        Pass the record for an action on one: without it the answer is the role's alone
        (whether a chair may ``answer`` at all, not this matter of another organisation).
        ``read_identity`` on a confidential submission also asks its organisation's policy
        (``[confidential] roles``), as :meth:`identity` does first.

        :raises InvalidInputError: ``actor`` is not an :class:`Actor`, ``action`` is empty,
            or ``record`` is not a record (an id, say).
        :raises PluginError: an authoriser answered something other than True, False or None.
        """
        _check_actor(actor)
        _check_text("action", action)
        given: object = record
        if given is not None and not isinstance(given, (Dialogue, Submission, ReceptionDay)):
            raise InvalidInputError("record", f"expected the Submission, Dialogue or "
                                    f"ReceptionDay itself (or None), not a "
                                    f"{type(given).__name__}; read it first, e.g. "
                                    "flow.submission(id)")
        if (action == "read_identity" and isinstance(record, Submission)
                and not identity_readable(record, actor.role,
                                          self.policy_of(record.organisation_id).confidential)):
            return False
        record = withheld(record)  # a decision on a matter needs no petitioner's identity
        # Plugins first, then the host's authorizers, then the seed's rules.
        allowed = self.plugins.hook.dialogue_flow_authorize(actor=actor, action=action,
                                                            record=record)
        for authorizer in self._authorizers:
            if allowed is not None:
                break
            allowed = authorizer(actor, action, record)
        if allowed is None:
            allowed = default_authorize(actor, action, record)
        if allowed is not True and allowed is not False:
            # Fails closed: only True grants. A refusal reason given as text, a truthy object
            # or anything else is a plugin's mistake, never a permission.
            raise PluginError(
                f"an authoriser answered {type(allowed).__name__} for {action}; only True "
                "(allowed), False (refused) or None (no opinion) are understood; refused")
        return allowed

    def available_commands(self, record: Record, *, actor: Actor) -> tuple[str, ...]:
        """The events of ``record``'s lifecycle ``actor`` may run on it now, sorted: those
        its state allows, that the authorisers grant (:meth:`permits`), and that no rule
        of the library known before running refuses (a matter escalated to another
        organisation of the store is assigned and extended there; a matter of a completed
        dialogue is not reopened). For a host's screens: the command still checks
        everything, its arguments too, when it runs.

        :raises InvalidInputError: ``record`` is not a Submission, Dialogue or ReceptionDay.
        """
        given: object = record
        lifecycle = (SUBMISSION if isinstance(given, Submission) else
                     DIALOGUE if isinstance(given, Dialogue) else
                     RECEPTION if isinstance(given, ReceptionDay) else None)
        if lifecycle is None:
            raise InvalidInputError("record", f"expected a Submission, Dialogue or "
                                    f"ReceptionDay, not a {type(given).__name__}")
        refused = self._refused_now(record)
        return tuple(event for event in lifecycle.allowed(str(record.state))
                     if event not in refused and self.permits(actor, event, record))

    def _refused_now(self, record: Record) -> frozenset[str]:
        """Events a rule of the library refuses on ``record`` whatever their arguments
        (beyond its lifecycle and authorisation); the commands' mixins name theirs."""
        del record
        return frozenset()

    def _authorize(self, actor: Actor, action: str, record: Record | None) -> None:
        if not self.permits(actor, action, record):
            what = f" {record.KIND} {record.id}" if record is not None else ""
            raise PermissionDeniedError(
                f"{actor.name} ({actor.role}) may not {action}{what}")

    def _day(self, field: str, value: dt.date | None) -> dt.date:
        """A command's date argument: defaults to today, never in the future."""
        today = self.clock.today()
        if value is None:
            return today
        value = _check_date(field, value)
        if value > today:
            raise InvalidInputError(field, f"{value.isoformat()} is in the future "
                                    f"(today is {today.isoformat()})")
        return value

    def _due_on_decision(self, s: Submission, complex_matter: bool) -> Deadline | None:
        """The due date set when a matter is assigned or escalated.

        Under a rule anchored on the conclusion notice, a matter raised at a dialogue that
        has not concluded yet gets its date from the notice; anything else (outside a
        dialogue, reopened, handed back) counts from today.
        """
        today = self.clock.today()
        rules = self._rules(s.organisation_id)
        rule = self._answer_rule(complex_matter, s, rules[0], today)
        if rule.anchor is Anchor.CONCLUSION_NOTICE and s.dialogue_id is not None:
            d = self.dialogue(s.dialogue_id)
            if d.conclusion is None:
                return None
        return self._answer_deadline(s, today, complex_matter=complex_matter,
                                     assigned_on=today, rules=rules)

    def _tracking_code(self) -> str:
        """A tracking code no stored submission holds (drawn again on a repeat, which
        comes once in millions; the unique index refuses the rare race)."""
        for _attempt in range(_CODE_ATTEMPTS):
            code = self._new_code()
            try:
                self.storage.get_submission_by_code(code)
            except NotFoundError:
                return code
        raise StorageError(f"no free tracking code in {_CODE_ATTEMPTS} draws; the code "
                           "source repeats itself")

    def _notify(self, s: Submission, event: str, audience: str, now: dt.datetime,
                reason: str | None = None) -> Notification:
        """The notification of ``event`` on ``s`` (no personal data in it)."""
        due = s.due.date.isoformat() if s.due is not None else "—"
        level = ""
        if event == "escalated":  # "beyond the authority of the commune / the province"
            org = self._stored_organisation(s.organisation_id)
            level = level_words(org.level if org else Level.COMMUNE, self.language)
        # The petitioner quotes the tracking code, staff the id (a record built outside the
        # flow, without a code, shows its id to both).
        subject, body = render(event, self.language, id=s.id, topic=s.topic,
                               code=s.tracking_code or s.id,
                               responsible=s.responsible or "—", due=due,
                               answer=s.answer or "", reason=reason or "", level=level)
        return Notification(
            key=f"submission:{s.id}:v{s.version}:{event}", event=event, kind=s.KIND,
            record_id=s.id, audience=audience, subject=subject, body=body,
            language=self.language, created_at=now, responsible=s.responsible,
            data={"state": s.state.value, "due": due}, organisation_id=s.organisation_id)

    def _commit_new(self, record: Record, lifecycle: Lifecycle, actor: Actor,
                    now: dt.datetime, guards: tuple[tuple[str, str, int], ...] = (),
                    notifications: tuple[Notification, ...] = ()) -> None:
        event = lifecycle.creation_event
        row = _row(record, event, None, actor, now)
        # A record being created has no "before": the hooks see the record to be created.
        check_vetoes(self.plugins, record.KIND, record, event, str(record.state), actor)
        self.storage.commit(Changeset(((record, 0),), (row,), notifications, guards))
        announce_commit(self.plugins, record.KIND, record, event, actor)

    def _follow_due(self, record: Record, new: Record, actor: Actor, now: dt.datetime,
                    ) -> tuple[list[tuple[Record, int]], list[TransitionRecord]]:
        """What keeps the matters escalated to ``record`` on its new due date: nothing
        here; :class:`~dialogue_flow._transfers.TransferSteps` writes them."""
        del record, new, actor, now
        return [], []

    def _change(
        self,
        record: _RecordT,
        event: str,
        actor: Actor,
        changes: Mapping[str, Any],
        *,
        reason: str | None = None,
        details: Mapping[str, str] | None = None,
        arguments: Mapping[str, Any] | None = None,
        notify: tuple[str, str] | None = None,
        notifications: Iterable[Notification] = (),
        extra: Iterable[tuple[Record, int]] = (),
        extra_rows: Iterable[TransitionRecord] = (),
        guards: Iterable[tuple[str, str, int]] = (),
        counts: Iterable[SubmissionCount] = (),
        then_complete: bool = False,
    ) -> _RecordT:
        """Check, decide and commit one event on ``record`` (plus ``extra`` writes)."""
        lifecycle = _LIFECYCLES[record.KIND]
        source = record.state
        # State first, then permission, then the state-dependent checks (guards): the most
        # useful refusal comes first, and nothing is decided on a record one may not touch.
        _require(lifecycle, record, event)
        self._authorize(actor, event, record)
        dest = lifecycle.fire(record.id, source, event, **(arguments or {}))
        now = self.clock.now()
        new = _replace(record, {**changes, "state": dest, "version": record.version + 1,
                                "updated_at": now})
        rows: list[TransitionRecord] = [_row(new, event, source, actor, now, reason, details)]
        if "due" in changes:  # matters escalated to this one follow its clock, in this commit
            followers: tuple[list[tuple[Record, int]], list[TransitionRecord]] = (
                self._follow_due(record, new, actor, now))
            extra, extra_rows = (*extra, *followers[0]), (*extra_rows, *followers[1])
        if then_complete:
            done_state = lifecycle.fire(new.id, new.state, "complete", open_submissions=())
            new = _replace(new, {"state": done_state, "version": new.version + 1})
            rows.append(_row(new, "complete", dest, actor, now))
        outbox = list(notifications)
        if notify is not None and isinstance(new, Submission):
            outbox.append(self._notify(new, notify[0], notify[1], now, reason))
        check_vetoes(self.plugins, record.KIND, record, event, dest, actor)
        self.storage.commit(Changeset(
            ((new, record.version), *extra), (*rows, *extra_rows), tuple(outbox),
            tuple(guards), tuple(counts)))
        announce_commit(self.plugins, record.KIND, new, event, actor)
        return withheld(new)


def _check_parts(storage: object, calendar: object, clock: object, ids: object,
                 remote_area: object) -> None:
    """Refuse, at construction, a part of the wrong kind that would fail at the first
    command."""
    missing = [name for name in ("commit", "get_submission", "find_submissions", "close")
               if not callable(getattr(storage, name, None))]
    if missing:
        raise InvalidInputError("storage", f"{type(storage).__name__} is not a storage "
                                f"backend (no {', '.join(missing)}); see "
                                "dialogue_flow.storage.Storage")
    if calendar is not None and not isinstance(calendar, WorkCalendar):
        raise InvalidInputError("calendar", f"expected a WorkCalendar, got "
                                f"{type(calendar).__name__}")
    if clock is not None and not (callable(getattr(clock, "now", None))
                                  and callable(getattr(clock, "today", None))):
        raise InvalidInputError("clock", f"{type(clock).__name__} has no now() and today(); "
                                "see dialogue_flow.Clock")
    if ids is not None and not callable(ids):
        raise InvalidInputError("ids", f"expected a callable prefix -> id, got "
                                f"{type(ids).__name__}")
    if not isinstance(remote_area, bool):
        raise InvalidInputError("remote_area", "expected True or False")


def _is_version(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_minimum(value: object) -> Mapping[str, int]:
    """``reception_minimum``: level -> days a month (``None``: 215-KL/TW's figures)."""
    if value is None:
        return RECEPTION_MINIMUM
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and not isinstance(v, bool) and isinstance(v, int) and v >= 0
            for k, v in value.items()):
        raise InvalidInputError("reception_minimum", "expected a mapping of level -> days a "
                                f"month (whole numbers >= 0), got {value!r}")
    return dict(value)


def _check_authorizers(authorizers: object) -> Iterator[Authorizer]:
    if isinstance(authorizers, str) or not isinstance(authorizers, Iterable):
        raise InvalidInputError("authorizers", "expected a list of callables")
    for authorizer in authorizers:
        if not callable(authorizer):
            raise InvalidInputError("authorizers", f"{type(authorizer).__name__} is not "
                                    "callable (actor, action, record) -> True/False/None")
        yield authorizer


def _row(record: Record, event: str, source: str | None, actor: Actor, now: dt.datetime,
         reason: str | None = None, details: Mapping[str, str] | None = None,
         ) -> TransitionRecord:
    """The audit-trail row of ``record``'s new version."""
    return TransitionRecord(
        kind=record.KIND, record_id=record.id, version=record.version, event=event,
        source=None if source is None else str(source), dest=str(record.state),
        actor_id=actor.id, at=now, reason=reason, details=dict(details or {}),
        organisation_id=record.organisation_id)
