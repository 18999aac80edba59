"""The façade host code calls: :class:`DialogueFlow`.

Every command follows the same five steps, in :meth:`DialogueFlow._change`:
check the arguments, load the record, ask the authoriser, let the lifecycle decide the new
state, then commit the new record, its audit-trail row and its notifications in one
:class:`~dialogue_flow._storage.Changeset`. Nothing is written before every check passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, Self, TypeVar

import attrs

from ._auth import default_authorize
from ._calendar import WorkCalendar
from ._checks import (
    _build,
    _check_actor,
    _check_bool,
    _check_count,
    _check_date,
    _check_id,
    _check_limit,
    _check_text,
    _enum_arg,
    _names,
    _opt_date,
    _replace,
    _require,
    _row,
    _states,
)
from ._clock import Clock, SystemClock
from ._dispatch import Dispatcher, DispatchResult
from ._errors import (
    ConfigurationError,
    InvalidInputError,
    PermissionDeniedError,
    PluginError,
    VersionConflictError,
)
from ._ids import IdFactory, time_ordered_id
from ._lifecycle import DIALOGUE, SUBMISSION, Lifecycle
from ._messages import LANGUAGES, RENDERERS, render
from ._plugins import (
    PluginManager,
    announce_commit,
    check_vetoes,
    load_plugins,
    plugin_calendar,
    select_policy,
)
from ._policy import Anchor, DeadlinePolicy, DeadlineRule, Purpose
from ._records import (
    Actor,
    AnswerMode,
    Channel,
    CloseReason,
    ConclusionItem,
    ConclusionNotice,
    Deadline,
    Dialogue,
    DialogueState,
    Notification,
    Petitioner,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
)
from ._report import FORMATS, Period, Report, build_report, render_report, report_dict
from ._storage import (
    Changeset,
    DialogueQuery,
    MemoryStorage,
    Record,
    Storage,
    SubmissionQuery,
    _note_tuple,
    _stored_note,
    _stored_row,
    _StoredRow,
)
from ._sweep import SweepResult

__all__ = ["Authorizer", "DialogueFlow", "Page"]

#: ``(actor, action, record) -> True/False``, or ``None`` for "no opinion, ask the next".
Authorizer = Callable[[Actor, str, Record | None], bool | None]

T = TypeVar("T")
_RecordT = TypeVar("_RecordT", Dialogue, Submission)

_LIFECYCLES = {Submission.KIND: SUBMISSION, Dialogue.KIND: DIALOGUE}
#: kind -> state name -> its enum member: the lifecycle answers with names, and handing
#: the record's converter a member skips ``Enum.__call__`` (~1 µs an event)
_MEMBERS: dict[str, dict[str, SubmissionState | DialogueState]] = {
    Submission.KIND: {s.value: s for s in SubmissionState},
    Dialogue.KIND: {s.value: s for s in DialogueState},
}
_RECEIVED = SubmissionState(SUBMISSION.initial)
_OPEN = frozenset(s for s in SubmissionState if s is not SubmissionState.CLOSED)


@attrs.frozen
class Page(Generic[T]):
    """One page of a query; pass ``next_after`` as ``after`` to get the next page."""

    items: tuple[T, ...]
    next_after: str | None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class DialogueFlow:
    """Runs dialogues and their submissions under a deadline policy.

    Build one with :meth:`open` (from a storage URL) or directly from a
    :class:`~dialogue_flow._storage.Storage`. Every command takes the acting
    :class:`Actor`, checks everything before writing, and returns the new record.
    """

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
    ) -> None:
        if language not in LANGUAGES:
            raise InvalidInputError("language", f"{language!r} is not one of {LANGUAGES}")
        self.storage = storage
        #: The plugins every command consults (built-ins only unless given).
        self.plugins = plugins if plugins is not None else load_plugins(entry_points=False)
        self.calendar = calendar if calendar is not None else plugin_calendar(self.plugins)
        #: A policy id selects among the bundled policies and those plugins contribute.
        self.policy = select_policy(self.plugins, policy)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.language = language
        #: Communes in remote areas get the policy's "remote" variants where it has them.
        self.remote_area = remote_area
        self._authorizers = tuple(authorizers)
        self._new_id: IdFactory = ids if ids is not None else time_ordered_id
        #: (id(rule), anchor) -> (rule, deadline) and (purpose, variant, day) -> rule, both
        #: valid for the policy and calendar objects in _memo_for (see _computed)
        self._deadlines: dict[tuple[int, dt.date], tuple[DeadlineRule, Deadline]] = {}
        self._rules: dict[tuple[Purpose, str, dt.date], DeadlineRule] = {}
        self._memo_for: tuple[object, object] = (None, None)

    @classmethod
    def open(cls, url: str = "memory://", *, plugins: PluginManager | Iterable[object] = (),
             load_entry_points: bool = False, **options: Any) -> DialogueFlow:
        """Open the storage named by ``url`` and build a flow on it.

        Plugins (``dialogue_flow_open_storage``) are asked first, so they can add schemes;
        then the built-ins ``memory://`` and ``sqlite:``. ``plugins`` is a
        :class:`PluginManager` or plugin objects to register (with the entry-point plugins
        when ``load_entry_points``). ``options`` are passed to the constructor.
        """
        if not isinstance(url, str):
            raise InvalidInputError("url", f"expected a storage URL string, got {url!r}")
        pm = plugins if isinstance(plugins, PluginManager) else load_plugins(
            plugins, entry_points=load_entry_points)
        opened = pm.hook.dialogue_flow_open_storage(url=url)
        if opened is not None:
            return cls(opened, plugins=pm, **options)
        if url == "memory://":
            return cls(MemoryStorage(), plugins=pm, **options)
        if url.startswith("sqlite:"):
            from ._sqlite import SQLiteStorage  # noqa: PLC0415 - only hosts that use it pay

            return cls(SQLiteStorage.from_url(url), plugins=pm, **options)
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise ConfigurationError(
            f"no storage backend for {scheme!r} URLs ({url!r}); "
            "supported: memory://, sqlite:///path/to/file.db, sqlite://"
        )

    def dispatch(self, limit: int = 100, **options: Any) -> DispatchResult:
        """Deliver up to ``limit`` due notifications once (see :class:`Dispatcher`)."""
        dispatcher = Dispatcher(self.storage, self.plugins, clock=self.clock, **options)
        return dispatcher.run_once(limit)

    def shutdown(self) -> None:
        """Release the storage (``close`` is the command that closes a submission)."""
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()

    # --- dialogue commands -------------------------------------------------------------

    def plan_dialogue(
        self,
        *,
        scheduled_for: dt.date,
        title: str,
        actor: Actor,
        venue: str | None = None,
        chair: str | None = None,
        secretary: str | None = None,
        invited_departments: Iterable[str] = (),
        topics: Iterable[str] = (),
        expected_attendance: int | None = None,
    ) -> Dialogue:
        """Plan a dialogue; its announcement deadline is computed from the policy."""
        _check_actor(actor)
        scheduled_for = _check_date("scheduled_for", scheduled_for)
        today = self.clock.today()
        if scheduled_for < today:
            raise InvalidInputError(
                "scheduled_for", f"{scheduled_for.isoformat()} is in the past (today is "
                f"{today.isoformat()}); a dialogue is planned ahead")
        _check_text("title", title)
        for field, value in (("venue", venue), ("chair", chair), ("secretary", secretary)):
            if value is not None:
                _check_text(field, value)
        if expected_attendance is not None:
            _check_count("expected_attendance", expected_attendance)
        self._authorize(actor, "plan", None)
        now = self.clock.now()
        dialogue = _build(
            Dialogue,
            id=self._new_id("dlg"), title=title, scheduled_for=scheduled_for,
            state=DIALOGUE.initial, version=1, created_at=now, updated_at=now,
            announce_by=self._deadline(Purpose.ANNOUNCEMENT, scheduled_for),
            venue=venue, chair=chair if chair is not None else None, secretary=secretary,
            invited_departments=_names("invited_departments", invited_departments),
            topics=_names("topics", topics), expected_attendance=expected_attendance,
        )
        self._commit_new(dialogue, DIALOGUE, actor, now)
        return dialogue

    def announce(self, dialogue: str | Dialogue, *, actor: Actor, on: dt.date | None = None,
                 ) -> Dialogue:
        """Record the announcement to the People; refused after the legal last day."""
        d = self._current(Dialogue, dialogue)
        day = self._day("on", on)
        _require(DIALOGUE, d, "announce")  # "reschedule first" is wrong advice if not planned
        if day > d.announce_by.date:
            raise InvalidInputError(
                "on", f"announcing on {day.isoformat()} is too late for a dialogue on "
                f"{d.scheduled_for.isoformat()}: the last day is "
                f"{d.announce_by.date.isoformat()} ({d.announce_by.rule_id}); "
                "reschedule the dialogue first")
        return self._change(d, "announce", actor, {"announced_on": day})

    def reschedule(self, dialogue: str | Dialogue, *, scheduled_for: dt.date, actor: Actor,
                   reason: str) -> Dialogue:
        """Move the date; the dialogue must be announced again."""
        d = self._current(Dialogue, dialogue)
        scheduled_for = _check_date("scheduled_for", scheduled_for)
        _check_text("reason", reason)
        if scheduled_for < self.clock.today():
            raise InvalidInputError("scheduled_for",
                                    f"{scheduled_for.isoformat()} is in the past")
        return self._change(d, "reschedule", actor, {
            "scheduled_for": scheduled_for, "announced_on": None,
            "announce_by": self._deadline(Purpose.ANNOUNCEMENT, scheduled_for),
        }, reason=reason, details={"from": d.scheduled_for.isoformat(),
                                   "to": scheduled_for.isoformat()})

    def cancel(self, dialogue: str | Dialogue, *, actor: Actor, reason: str) -> Dialogue:
        """Call the dialogue off."""
        _check_text("reason", reason)
        return self._change(self._current(Dialogue, dialogue), "cancel", actor,
                            {"cancel_reason": reason}, reason=reason)

    def hold(self, dialogue: str | Dialogue, *, actor: Actor, held_on: dt.date | None = None,
             actual_attendance: int | None = None) -> Dialogue:
        """Record that the dialogue took place; starts the conclusion-notice clock."""
        d = self._current(Dialogue, dialogue)
        day = self._day("held_on", held_on)
        _require(DIALOGUE, d, "hold")  # "reschedule it" is wrong advice if not announced
        if day != d.scheduled_for:
            raise InvalidInputError(
                "held_on", f"the dialogue was announced for {d.scheduled_for.isoformat()}, "
                f"not {day.isoformat()}; reschedule it (and announce again) to change the date")
        if actual_attendance is not None:
            _check_count("actual_attendance", actual_attendance)
        return self._change(d, "hold", actor, {
            "held_on": day, "actual_attendance": actual_attendance,
            "conclusion_due": self._deadline(Purpose.CONCLUSION_NOTICE, day),
        })

    def conclude(self, dialogue: str | Dialogue, *, actor: Actor,
                 notice_date: dt.date | None = None) -> Dialogue:
        """Issue the chair's conclusion notice.

        Every matter not settled at the meeting (assigned or escalated) is listed with the one
        responsible and its due date, and gets that due date; matters answered or closed at
        the meeting are left out. A submission still only *received* must be decided first.
        """
        _check_actor(actor)
        d = self._current(Dialogue, dialogue)
        day = self._day("notice_date", notice_date)
        if d.held_on is not None and day < d.held_on:
            raise InvalidInputError("notice_date", f"{day.isoformat()} is before the dialogue "
                                    f"was held ({d.held_on.isoformat()})")
        subs = list(self.iter_submissions(dialogue_id=d.id))
        undecided = sorted(s.id for s in subs if s.state is SubmissionState.RECEIVED)
        if undecided and d.state is DialogueState.HELD:
            raise InvalidInputError(
                "dialogue", "decide these submissions first (answer, assign, escalate or "
                f"close them): {', '.join(undecided)}")
        now = self.clock.now()
        items: list[ConclusionItem] = []
        extra: list[tuple[Record, int]] = []
        rows: list[_StoredRow] = []
        notes: list[_StoredRow] = []
        if d.state is DialogueState.HELD:  # otherwise _change raises the transition error
            self._authorize(actor, "conclude", d)
            for s in subs:
                if s.state not in (SubmissionState.ASSIGNED, SubmissionState.ESCALATED):
                    continue
                due = s.due or self._answer_deadline(s, anchor_day=day)
                items.append(ConclusionItem(s.id, s.state, s.responsible or "", due.date))
                if s.due is None:
                    new = attrs.evolve(s, due=due, version=s.version + 1, updated_at=now)
                    extra.append((new, s.version))
                    rows.append(_row(new, "schedule", s.state, actor, now,
                                     details={"due": due.date.isoformat()}))
                    notes.append(self._notify(new, "assigned", "department", now))
        notice = ConclusionNotice(
            issued_on=day, issued_by=actor.id,
            items=tuple(items),
            late=d.conclusion_due is not None and day > d.conclusion_due.date)
        subject, body = render("conclusion_notice", self.language, title=d.title,
                               issued_on=day.isoformat(), count=len(items))
        notes.append(_note_tuple(Notification(
            key=f"dialogue:{d.id}:conclusion", event="conclusion_notice", kind="dialogue",
            record_id=d.id, audience="departments", subject=subject, body=body,
            language=self.language, created_at=now)))
        all_closed = all(s.state is SubmissionState.CLOSED for s in subs)
        # The notice is a snapshot of every submission read: none may change underneath it.
        written = {record.id for record, _ in extra}
        guards = [(s.KIND, s.id, s.version) for s in subs if s.id not in written]
        return self._change(d, "conclude", actor, {"conclusion": notice}, extra=extra,
                            extra_rows=rows, notifications=notes, guards=guards,
                            then_complete=all_closed)

    # --- submission commands -------------------------------------------------------------

    def receive(
        self,
        dialogue_id: str | None,
        *,
        petitioner: Petitioner,
        topic: str,
        content: str,
        actor: Actor,
        channel: Channel | str = Channel.SPOKEN,
        kind: SubmissionKind | str = SubmissionKind.PETITION,
    ) -> Submission:
        """Record an opinion, question or petition (``dialogue_id=None``: outside a dialogue)."""
        _check_actor(actor)
        if not isinstance(petitioner, Petitioner):
            raise InvalidInputError("petitioner", "expected a dialogue_flow.Petitioner")
        _check_text("topic", topic)
        _check_text("content", content)
        channel = _enum_arg("channel", Channel, channel)
        kind = _enum_arg("kind", SubmissionKind, kind)
        guards: list[tuple[str, str, int]] = []
        dialogue = None
        if dialogue_id is not None:
            dialogue = self.dialogue(dialogue_id)
            if dialogue.state not in (DialogueState.PLANNED, DialogueState.ANNOUNCED,
                                      DialogueState.HELD):
                raise InvalidInputError(
                    "dialogue_id", f"dialogue {dialogue.id} is {dialogue.state}; submissions "
                    "are received before or at the meeting (pass dialogue_id=None to record "
                    "one outside a dialogue)")
            # A conclusion committed meanwhile would miss this submission: guard on it.
            guards.append((Dialogue.KIND, dialogue.id, dialogue.version))
        self._authorize(actor, "receive", dialogue)
        now = self.clock.now()
        try:
            sub = Submission(self._new_id("sub"), petitioner, topic, content, _RECEIVED, 1,
                             now, now, dialogue_id, kind, channel)
        except (TypeError, ValueError) as exc:  # as _build: the validator's words
            raise InvalidInputError("Submission", str(exc)) from None
        self._commit_new(sub, SUBMISSION, actor, now, guards=tuple(guards),
                         notifications=(self._notify(sub, "received", "petitioner", now),))
        return sub

    def prepare(self, submission: str | Submission, *, department: str, actor: Actor) -> Submission:
        """Route an opinion collected beforehand to a department to prepare the answer."""
        s = self._current(Submission, submission)
        _check_text("department", department)
        _require(SUBMISSION, s, "prepare")  # "assign it instead" is wrong advice otherwise
        if s.dialogue_id is not None:
            d = self.dialogue(s.dialogue_id)
            if d.state not in (DialogueState.PLANNED, DialogueState.ANNOUNCED):
                raise InvalidInputError(
                    "submission", f"dialogue {d.id} is {d.state}: preparation is for "
                    "opinions collected before the meeting; assign it instead")
        return self._change(s, "prepare", actor, {"preparing_department": department},
                            details={"department": department})

    def answer(self, submission: str | Submission, *, text: str, actor: Actor,
               mode: AnswerMode | str | None = None) -> Submission:
        """Record the answer. ``mode`` defaults to on the spot while the dialogue is being
        held, in writing otherwise."""
        _check_actor(actor)
        s = self._current(Submission, submission)
        _check_text("text", text)
        if mode is None:
            held = s.dialogue_id is not None and self.dialogue(s.dialogue_id).state is (
                DialogueState.HELD)
            mode = AnswerMode.ON_THE_SPOT if held else AnswerMode.IN_WRITING
        how: AnswerMode = _enum_arg("mode", AnswerMode, mode)
        return self._change(s, "answer", actor, {
            "answer": text, "answer_mode": how, "answered_on": self.clock.today(),
            "department": actor.department or s.department,
        }, details={"mode": how.value}, notify=("answered", "petitioner"))

    def assign(self, submission: str | Submission, *, department: str, actor: Actor,
               complex: bool = False) -> Submission:  # noqa: A002 - the domain's word
        """Direct a department to resolve it (again: re-assign; the legal clock keeps running)."""
        s = self._current(Submission, submission)
        _check_text("department", department)
        _check_bool("complex", complex)
        if s.state is SubmissionState.ASSIGNED and s.due is not None:
            # Re-assigning keeps the legal clock; a change of complexity re-counts it from
            # the same anchor (an extension granted by the chair is kept as it is).
            due: Deadline | None = s.due
            if complex != s.complex and s.due.rule_id != "extension":
                due = self._computed(self._answer_rule(complex, s.due.anchor), s.due.anchor)
        else:
            due = self._due_on_decision(s, complex)
        return self._change(s, "assign", actor, {
            "department": department, "competent_level": None, "complex": complex,
            "assigned_on": self.clock.today(), "due": due,
        }, details={"department": department}, notify=("assigned", "department"))

    def escalate(self, submission: str | Submission, *, competent_level: str, actor: Actor,
                 complex: bool = False) -> Submission:  # noqa: A002
        """Forward a matter beyond the commune's authority; the petitioner is told where."""
        s = self._current(Submission, submission)
        _check_text("competent_level", competent_level)
        _check_bool("complex", complex)
        due = s.due or self._due_on_decision(s, complex)
        return self._change(s, "escalate", actor, {
            "competent_level": competent_level, "complex": complex, "department": None,
            "assigned_on": self.clock.today(), "due": due,
        }, details={"competent_level": competent_level}, notify=("escalated", "petitioner"))

    def extend(self, submission: str | Submission, *, until: dt.date, reason: str, actor: Actor,
               ) -> Submission:
        """Give a complex matter more time; the petitioner is told the new date and who is
        responsible (seed II.2.7). ``until`` must be a working day after the current due date.
        """
        s = self._current(Submission, submission)
        until = _check_date("until", until)
        _check_text("reason", reason)
        floor = s.due.date if s.due else self.clock.today()
        if until <= floor:
            raise InvalidInputError("until", f"{until.isoformat()} must be after "
                                    f"{floor.isoformat()}, the current due date")
        if not self.calendar.is_working_day(until):
            nxt = self.calendar.add_working_days(until, 1)
            raise InvalidInputError("until", f"{until.isoformat()} is not a working day; "
                                    f"the next one is {nxt.isoformat()}")
        today = self.clock.today()
        deadline = Deadline(
            date=until, rule_id="extension", anchor=today,
            basis=f"Gia hạn (Kế hoạch, mục II.2.7: vụ việc phức tạp phải thông báo cho người "
                  f"có kiến nghị về thời gian và trách nhiệm của cơ quan giải quyết): {reason}",
            calendar=self.calendar.fingerprint,
            skipped=tuple(self.calendar.explain(today, until)),
        )
        return self._change(s, "extend", actor, {
            "due": deadline, "extensions": s.extensions + 1,
        }, reason=reason, details={"until": until.isoformat(), "from": floor.isoformat()},
            notify=("extended", "petitioner"))

    def close(self, submission: str | Submission, *, reason: CloseReason | str, actor: Actor,
              duplicate_of: str | None = None, note: str | None = None) -> Submission:
        """Close it; the dialogue completes when its last open submission closes."""
        s = self._current(Submission, submission)
        why: CloseReason = _enum_arg("reason", CloseReason, reason)
        if why is CloseReason.DUPLICATE:
            if duplicate_of is None:
                raise InvalidInputError("duplicate_of", "name the submission it duplicates")
            if duplicate_of == s.id:
                raise InvalidInputError("duplicate_of", "a submission cannot duplicate itself")
            _check_id("duplicate_of", duplicate_of)
            self.submission(duplicate_of)
        elif duplicate_of is not None:
            raise InvalidInputError("duplicate_of", "only for reason=duplicate")
        if note is not None:
            _check_text("note", note)
        extra: list[tuple[Record, int]] = []
        rows: list[_StoredRow] = []
        guards: list[tuple[str, str, int]] = []
        if s.dialogue_id is not None:
            d = self.dialogue(s.dialogue_id)
            others = [o for o in self.storage.find_submissions(SubmissionQuery(
                dialogue_id=d.id, states=_OPEN, limit=3)) if o.id != s.id]
            if d.state is DialogueState.CONCLUDED and not others:
                now = self.clock.now()
                dest = DIALOGUE.fire(d.id, d.state, "complete", open_submissions=())
                done = attrs.evolve(d, state=dest, version=d.version + 1, updated_at=now)
                extra.append((done, d.version))
                rows.append(_row(done, "complete", d.state, actor, now))
            elif d.state is DialogueState.CONCLUDED and len(others) == 1:
                # The last two closing at once would each see the other open and neither
                # would complete the dialogue: whoever commits second must look again.
                guards.append((Submission.KIND, others[0].id, others[0].version))
        return self._change(s, "close", actor, {
            "close_reason": why, "duplicate_of": duplicate_of,
        }, reason=note, arguments={"reason": why}, details={"reason": why.value},
            extra=extra, extra_rows=rows, guards=guards, notify=("closed", "petitioner"))

    def reopen(self, submission: str | Submission, *, reason: str, actor: Actor) -> Submission:
        """The petitioner is not satisfied: back to received for the chair to decide again.

        Not for a submission of a completed dialogue: its record is final; record a new
        submission (``dialogue_id=None``) that refers to it instead.
        """
        s = self._current(Submission, submission)
        _check_text("reason", reason)
        _require(SUBMISSION, s, "reopen")
        if s.dialogue_id is not None:
            d = self.dialogue(s.dialogue_id)
            if d.state is DialogueState.COMPLETED:
                raise InvalidInputError(
                    "submission", f"dialogue {d.id} is completed and its record final; "
                    f"receive a new submission (dialogue_id=None) that refers to {s.id}")
        return self._change(s, "reopen", actor, {
            "reopened": s.reopened + 1, "due": None, "close_reason": None,
            "duplicate_of": None,
        }, reason=reason)

    # --- queries -------------------------------------------------------------------------

    def dialogue(self, dialogue_id: str) -> Dialogue:
        """The current dialogue. :raises NotFoundError:"""
        _check_id("dialogue_id", dialogue_id)
        return self.storage.get_dialogue(dialogue_id)

    def submission(self, submission_id: str) -> Submission:
        """The current submission. :raises NotFoundError:"""
        _check_id("submission_id", submission_id)
        return self.storage.get_submission(submission_id)

    def history(self, record: Dialogue | Submission) -> list[TransitionRecord]:
        """The audit trail of a record, oldest first."""
        if not isinstance(record, (Dialogue, Submission)):
            raise InvalidInputError("record", "expected a Dialogue or a Submission")
        return self.storage.history(record.KIND, record.id)

    def submissions(
        self,
        *,
        dialogue_id: str | None = None,
        state: SubmissionState | str | Iterable[SubmissionState | str] | None = None,
        department: str | None = None,
        due_on_or_before: dt.date | None = None,
        due_on_or_after: dt.date | None = None,
        overdue_as_of: dt.date | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[Submission]:
        """One page of submissions matching every given filter, ordered by id."""
        if dialogue_id is not None:
            _check_id("dialogue_id", dialogue_id)
        if department is not None:
            _check_text("department", department)
        if after is not None:
            _check_id("after", after)
        states = _states(SubmissionState, state)
        query = SubmissionQuery(
            dialogue_id=dialogue_id, states=states, department=department,
            due_on_or_before=_opt_date("due_on_or_before", due_on_or_before),
            due_on_or_after=_opt_date("due_on_or_after", due_on_or_after),
            overdue_as_of=_opt_date("overdue_as_of", overdue_as_of),
            limit=_check_limit(limit) + 1, after=after,
        )
        return _paged(self.storage.find_submissions(query), limit)

    def iter_submissions(self, **filters: Any) -> Iterator[Submission]:
        """Every submission matching ``filters`` (as :meth:`submissions`), page by page."""
        after = None
        while True:
            page = self.submissions(**filters, limit=1000, after=after)
            yield from page.items
            if page.next_after is None:
                return
            after = page.next_after

    def dialogues(
        self,
        *,
        state: DialogueState | str | Iterable[DialogueState | str] | None = None,
        scheduled_from: dt.date | None = None,
        scheduled_to: dt.date | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[Dialogue]:
        """One page of dialogues, ordered by id."""
        if after is not None:
            _check_id("after", after)
        states = _states(DialogueState, state)
        query = DialogueQuery(
            states=states, scheduled_from=_opt_date("scheduled_from", scheduled_from),
            scheduled_to=_opt_date("scheduled_to", scheduled_to),
            limit=_check_limit(limit) + 1, after=after)
        return _paged(self.storage.find_dialogues(query), limit)

    def sweep(self, today: dt.date | None = None, *, remind: tuple[int, ...] = (3, 0),
              catch_up_days: int = 30) -> SweepResult:  # checked in run_sweep
        """Write today's reminders, overdue notices and report reminders to the outbox.

        Idempotent (see :mod:`dialogue_flow._sweep`); run it from cron, then
        :meth:`dispatch`.
        """
        from ._sweep import run_sweep  # noqa: PLC0415 - hosts that never sweep don't pay

        day = self.clock.today() if today is None else today
        return run_sweep(self, day, remind=remind, catch_up_days=catch_up_days)

    def report(self, period: Period | str, *, as_of: dt.date | None = None,
               include_personal_data: bool = False) -> Report:
        """The figures of ``period`` (``"2021-H1"``, ``"2021"``, ``"2021-Q1"``, ...)."""
        return build_report(self, period, as_of=as_of,
                            include_personal_data=include_personal_data)

    def render_report(self, report: Report, fmt: str) -> str:
        """``json``, ``csv``, ``md``, or a format a plugin renders."""
        if fmt in FORMATS:
            return render_report(report, fmt)
        rendered = self.plugins.hook.dialogue_flow_render_report(report=report_dict(report),
                                                                 fmt=fmt)
        if rendered is None:
            return render_report(report, fmt)  # raises, naming the known formats
        if not isinstance(rendered, str):
            raise PluginError(f"a dialogue_flow_render_report plugin returned "
                              f"{type(rendered).__name__} for {fmt!r}, not text")
        return rendered

    def report_deadlines(self, year: int) -> list[Deadline]:
        """When the policy's reports are due in ``year``."""
        _check_count("year", year)
        return self.policy.report_deadlines(year, self.calendar)

    # --- internals -----------------------------------------------------------------------

    def _current(self, cls: type[_RecordT], ref: object) -> _RecordT:
        """The stored record for an id, or for a record the caller read earlier.

        Passing a record is optimistic locking for hosts (a form showed version 3): if the
        stored one moved on, the command is refused before anything is decided.
        """
        if ref.__class__ is str and ref:
            return self._load(cls, ref)
        if isinstance(ref, cls):
            current: _RecordT = self._load(cls, ref.id)
            if current.version != ref.version:
                raise VersionConflictError(cls.KIND, ref.id, ref.version, current.version)
            return current
        if isinstance(ref, str):
            _check_id(f"{cls.KIND}_id", ref)  # blank, or a str subclass: as dialogue()
            return self._load(cls, str(ref))
        raise InvalidInputError(cls.KIND, f"expected a {cls.KIND} id or a {cls.__name__} "
                                f"record, got {ref!r}")

    def _load(self, cls: type[_RecordT], record_id: str) -> _RecordT:
        if cls is Submission:
            return self.storage.get_submission(record_id)
        return self.storage.get_dialogue(record_id)  # type: ignore[return-value]

    def _authorize(self, actor: Actor, action: str, record: Record | None) -> None:
        _check_actor(actor)
        # Plugins first, then the host's authorizers, then the seed's rules.
        hook = self.plugins.hook.dialogue_flow_authorize
        # pluggy costs ~2 µs per call even with no implementation: skip it then.
        allowed = (hook(actor=actor, action=action, record=record)
                   if hook.get_hookimpls() else None)
        for authorizer in self._authorizers:
            if allowed is not None:
                break
            allowed = authorizer(actor, action, record)
        if allowed is None:
            allowed = default_authorize(actor, action, record)
        if not allowed:
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

    def _variant(self, complex_matter: bool) -> str:
        if self.remote_area:
            return "remote_complex" if complex_matter else "remote"
        return "complex" if complex_matter else "standard"

    def _deadline(self, purpose: Purpose, anchor: dt.date, variant: str = "standard",
                  ) -> Deadline:
        return self.policy.rule_for(purpose, on=anchor, variant=variant).compute(
            anchor, self.calendar)

    def _answer_rule(self, complex_matter: bool, on: dt.date) -> DeadlineRule:
        key = (Purpose.WRITTEN_ANSWER, self._variant(complex_matter), on)
        rule = self._memos()[1].get(key)
        if rule is None:
            rule = self.policy.rule_for(key[0], on=on, variant=key[1])
            self._rules[key] = rule
        return rule

    def _memos(self) -> tuple[dict[tuple[int, dt.date], tuple[DeadlineRule, Deadline]],
                              dict[tuple[Purpose, str, dt.date], DeadlineRule]]:
        """The deadline and rule memos, emptied when the policy or calendar was replaced.

        Keyed on the identity of the policy and the calendar: calendars that count alike
        (equal fingerprints) may still explain in another language. At most 4096 entries
        each: a long-running process decides on ever new days.
        """
        policy, calendar = self._memo_for
        if policy is not self.policy or calendar is not self.calendar or len(
                self._deadlines) >= 4096 or len(self._rules) >= 4096:
            self._deadlines.clear()
            self._rules.clear()
            self._memo_for = (self.policy, self.calendar)
        return self._deadlines, self._rules

    def _answer_deadline(self, s: Submission, anchor_day: dt.date, *,
                         complex_matter: bool | None = None,
                         assigned_on: dt.date | None = None) -> Deadline:
        """The written-answer deadline, counted from the rule's own anchor event.

        ``complex_matter`` and ``assigned_on`` stand for the values the command is about to
        set, so no intermediate record has to be built.
        """
        rule = self._answer_rule(s.complex if complex_matter is None else complex_matter,
                                 anchor_day)
        if rule.anchor is Anchor.ASSIGNED:
            anchor = assigned_on or s.assigned_on or anchor_day
        elif rule.anchor is Anchor.RECEIVED:
            anchor = s.received_at.astimezone(self.clock.now().tzinfo).date()
        else:
            anchor = anchor_day
        return self._computed(rule, anchor)

    def _computed(self, rule: DeadlineRule, anchor: dt.date) -> Deadline:
        """``rule.compute(anchor, self.calendar)``, one shared object per (rule, anchor day).

        Deadlines are immutable, so every submission decided the same day under the same
        rule can share one (with its tuple of skipped days): no recount, and 14 fewer
        objects per stored submission for the garbage collector to walk.
        """
        deadlines = self._memos()[0]
        key = (id(rule), anchor)
        hit = deadlines.get(key)
        if hit is not None and hit[0] is rule:
            return hit[1]
        due = rule.compute(anchor, self.calendar)
        deadlines[key] = (rule, due)
        return due

    def _due_on_decision(self, s: Submission, complex_matter: bool) -> Deadline | None:
        """The due date set when a matter is assigned or escalated.

        Under a rule anchored on the conclusion notice, a matter raised at a dialogue that
        has not concluded yet gets its date from the notice; anything else (outside a
        dialogue, reopened, handed back) counts from today.
        """
        today = self.clock.today()
        rule = self._answer_rule(complex_matter, today)
        if rule.anchor is Anchor.CONCLUSION_NOTICE and s.dialogue_id is not None:
            d = self.dialogue(s.dialogue_id)
            if d.conclusion is None:
                return None
        return self._answer_deadline(s, today, complex_matter=complex_matter,
                                     assigned_on=today)

    def _notify(self, s: Submission, event: str, audience: str, now: dt.datetime,
                reason: str | None = None) -> _StoredRow:
        """The notification of ``event`` on ``s``, in its stored form (the fields of
        :class:`Notification` in order, ``data``'s keys and values after them)."""
        due = s.due.date.isoformat() if s.due is not None else "—"
        responsible = s.responsible
        subject, body = RENDERERS[event][self.language](
            {"id": s.id, "topic": s.topic, "responsible": responsible or "—", "due": due,
             "answer": s.answer or "", "reason": reason or ""})
        # Every value comes from ``s``, which passed its validators, and ``now`` is its
        # updated_at: nothing to check again.
        return (f"submission:{s.id}:v{s.version}:{event}", event, s.KIND, s.id, audience,
                subject, body, self.language, now, responsible,
                "state", s.state._value_, "due", due)  # _value_: no enum descriptor

    def _commit_new(self, record: Record, lifecycle: Lifecycle, actor: Actor,
                    now: dt.datetime, guards: tuple[tuple[str, str, int], ...] = (),
                    notifications: tuple[_StoredRow, ...] = ()) -> None:
        event = lifecycle.creation_event
        row = _row(record, event, None, actor, now)
        # A record being created has no "before": the hooks see the record to be created.
        check_vetoes(self.plugins, record.KIND, record, event, str(record.state), actor)
        self._commit(((record, 0),), (row,), notifications, guards)
        announce_commit(self.plugins, record.KIND, record, event, actor)

    def _commit(self, records: tuple[tuple[Record, int], ...], rows: tuple[_StoredRow, ...],
                notes: tuple[_StoredRow, ...], guards: tuple[tuple[str, str, int], ...],
                ) -> None:
        """One commit of rows and notifications in their stored form (see _row, _notify).

        A backend whose own class defines ``_commit_stored`` (the built-in ones: not a
        subclass that inherits it, which may override ``commit``) takes them as they are;
        every other gets the :class:`Changeset` of the records they stand for.
        """
        storage = self.storage
        commit_stored = type(storage).__dict__.get("_commit_stored")
        if commit_stored is not None:
            commit_stored(storage, records, rows, notes, guards)
        else:
            storage.commit(Changeset(records, tuple(map(_stored_row, rows)),
                                     tuple(map(_stored_note, notes)), guards))

    def _change(
        self,
        record: _RecordT,
        event: str,
        actor: Actor,
        changes: dict[str, Any],
        *,
        reason: str | None = None,
        details: dict[str, str] | None = None,
        arguments: Mapping[str, Any] | None = None,
        notify: tuple[str, str] | None = None,
        notifications: Iterable[_StoredRow] = (),
        extra: Iterable[tuple[Record, int]] = (),
        extra_rows: Iterable[_StoredRow] = (),
        guards: Iterable[tuple[str, str, int]] = (),
        then_complete: bool = False,
    ) -> _RecordT:
        """Check, decide and commit one event on ``record`` (plus ``extra`` writes).

        ``changes`` is the command's own fresh dict: the new state, version and time are
        added to it.
        """
        lifecycle = _LIFECYCLES[record.KIND]
        source = record.state
        # State first, then permission, then the state-dependent checks (guards): the most
        # useful refusal comes first, and nothing is decided on a record one may not touch.
        _require(lifecycle, record, event)
        self._authorize(actor, event, record)
        dest = lifecycle.fire(record.id, source, event, **arguments) if arguments else (
            lifecycle.fire(record.id, source, event))
        now = self.clock.now()
        changes["state"] = _MEMBERS[record.KIND].get(dest, dest)  # not there: the converter says
        changes["version"] = record.version + 1
        changes["updated_at"] = now
        new = _replace(record, changes)
        row = _row(new, event, source, actor, now, reason, details)
        rows: tuple[_StoredRow, ...] = (row,)
        if then_complete:
            done_state = lifecycle.fire(new.id, new.state, "complete", open_submissions=())
            new = attrs.evolve(new, state=done_state, version=new.version + 1)
            rows = (row, _row(new, "complete", dest, actor, now))
        outbox = tuple(notifications)
        if notify is not None and new.__class__ is Submission:
            outbox += (self._notify(new, notify[0], notify[1], now, reason),)
        check_vetoes(self.plugins, record.KIND, record, event, dest, actor)
        self._commit(((new, record.version), *extra) if extra else ((new, record.version),),
                     (*rows, *extra_rows) if extra_rows else rows, outbox, tuple(guards))
        announce_commit(self.plugins, record.KIND, new, event, actor)
        return new


def _paged(items: list[T], limit: int) -> Page[T]:
    more = len(items) > limit
    kept = items[:limit]
    return Page(tuple(kept), kept[-1].id if more and kept else None)  # type: ignore[attr-defined]

