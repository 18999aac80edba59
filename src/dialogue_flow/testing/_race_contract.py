"""The dialogue's invariants under races, as part of the storage contract.

A dialogue is completed if and only if it is concluded and none of its submissions is open;
every submission received for it before the conclusion is in the conclusion notice or was
settled at the meeting; none is received after. The façade decides each of these from what
it read, and the backend's commit must keep the decision true (version guards and
:class:`~dialogue_flow.storage.SubmissionCount`).

The interleavings are forced, not left to timing: a command runs in a thread over a storage
whose next commit waits (:class:`_Paused`) until the test has committed what races it; the
burst tests hold several commands at a barrier just before their commits and release them
together, so a backend with real concurrency (PostgreSQL) overlaps their transactions.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from typing import Any

from dialogue_flow import (
    Actor,
    ConcurrentChangeError,
    DialogueFlow,
    DialogueState,
    FixedClock,
    InvalidInputError,
    Petitioner,
    Role,
    SequentialIds,
    Submission,
    SubmissionState,
    WorkCalendar,
)
from dialogue_flow.storage import Changeset, Storage, SubmissionCount, SubmissionQuery

from ._fakes import sample_dialogue, sample_notification, sample_submission
from ._support import _equal, _raises, _true

_WAIT = 60  # seconds: a thread that never gets there is a failure, not a hang
_DAY = dt.date(2021, 6, 17)  # a Thursday; the dialogue is held on it
_OFFICE = Actor("vp", "Văn phòng", Role.OFFICE)
_CHAIR = Actor("bt", "Bí thư", Role.CHAIR)
_INTAKE = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
_LAND = "Địa chính"


class _Paused:
    """A storage whose first commit waits for :attr:`release`: the command has read and
    decided, and what the test does meanwhile lands before it."""

    def __init__(self, storage: Storage, barrier: threading.Barrier | None = None) -> None:
        self._storage = storage
        self._barrier = barrier
        self._armed = True
        #: How many commits this storage passed on (a command decided again commits again).
        self.commits = 0
        self.reached = threading.Event()
        self.release = threading.Event()
        if barrier is not None:
            self.release.set()

    def commit(self, changes: Changeset) -> int:
        if self._armed:
            self._armed = False
            self.reached.set()
            if self._barrier is not None:
                self._barrier.wait(_WAIT)
            elif not self.release.wait(_WAIT):
                raise AssertionError("the paused commit was never released")
        self.commits += 1
        return self._storage.commit(changes)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


class _Outcome:
    """What a command run in a thread returned or raised."""

    def __init__(self) -> None:
        self.value: object = None
        self.error: BaseException | None = None


def _start(action: Callable[[], object]) -> tuple[threading.Thread, _Outcome]:
    outcome = _Outcome()

    def run() -> None:
        try:
            outcome.value = action()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.error = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


class DialogueRaceContract:
    """The dialogue invariants under forced interleavings, and the count guard itself.

    Runs in :class:`~dialogue_flow.testing.StorageContract` (it takes the same ``storage``
    fixture); the flows share one storage object, so the backend must be safe to use from
    several threads, as the contract already requires.
    """

    # --- the count guard on its own ----------------------------------------------------------

    def test_count_guard_admits(self, storage: Storage) -> None:
        """A count within the bounds lets the commit through."""
        _store_dialogue_with(storage, [SubmissionState.ASSIGNED, SubmissionState.CLOSED])
        storage.commit(Changeset(
            (), notifications=(sample_notification("count-ok"),),
            counts=(SubmissionCount("dlg-0001", {"assigned"}, at_least=1, at_most=1),
                    SubmissionCount("dlg-0001", at_least=2, at_most=2),
                    SubmissionCount("dlg-0001", {"assigned"}, {"sub-0001"}, at_most=0))))
        _equal(["count-ok"], [n.key for n in storage.pending_notifications()], "outbox")

    def test_count_guard_refuses_and_writes_nothing(self, storage: Storage) -> None:
        """A count outside the bounds fails the whole commit with ConcurrentChangeError."""
        _store_dialogue_with(storage, [SubmissionState.ASSIGNED, SubmissionState.CLOSED])
        new = sample_submission("sub-0009", dialogue_id="dlg-0001")
        for guard in (SubmissionCount("dlg-0001", {"assigned"}, at_most=0),
                      SubmissionCount("dlg-0001", at_least=3),
                      SubmissionCount("dlg-0001", {"closed"}, {"sub-0002"}, at_least=1)):
            exc = _raises(ConcurrentChangeError, storage.commit, Changeset(
                ((new, 0),), notifications=(sample_notification("count-bad"),),
                counts=(guard,)))
            _true("dlg-0001" in str(exc), f"the error names the dialogue: {exc}")
        _equal([], storage.pending_notifications(), "outbox after refused commits")
        ids = [s.id for s in storage.find_submissions(SubmissionQuery(dialogue_id="dlg-0001"))]
        _equal(["sub-0001", "sub-0002"], ids, "submissions after refused commits")

    # --- forced interleavings ---------------------------------------------------------------

    def test_closes_of_the_last_matters_complete_the_dialogue(self, storage: Storage) -> None:
        """Three matters close while each other's closes are in flight: the dialogue
        completes (the first close decided "others are open" before they closed)."""
        flows = _Flows(storage)
        d, subs = flows.concluded(3)
        paused, gate = flows.paused()
        thread, outcome = _start(lambda: paused.close(subs[0], outcome="withdrawn",
                                                      actor=_CHAIR))
        _true(gate.reached.wait(_WAIT), "the paused command reached its commit")
        flows.main.close(subs[1], outcome="withdrawn", actor=_CHAIR)
        flows.main.close(subs[2], outcome="withdrawn", actor=_CHAIR)
        gate.release.set()
        thread.join(_WAIT)
        _equal(None, outcome.error, "the paused command's error")
        _equal(DialogueState.COMPLETED, flows.main.dialogue(d).state, "dialogue state")
        flows.assert_invariants(d)

    def test_close_racing_conclude_completes(self, storage: Storage) -> None:
        """A close decided while the dialogue was held, committed after the conclusion:
        the last open matter closed, so the dialogue completes."""
        flows = _Flows(storage)
        d, subs = flows.held(1)
        flows.main.assign(subs[0], department=_LAND, actor=_CHAIR)
        paused, gate = flows.paused()
        thread, outcome = _start(lambda: paused.close(subs[0], outcome="withdrawn",
                                                      actor=_CHAIR))
        _true(gate.reached.wait(_WAIT), "the paused command reached its commit")
        flows.main.conclude(d, actor=_CHAIR)
        gate.release.set()
        thread.join(_WAIT)
        _equal(None, outcome.error, "the paused command's error")
        _equal(DialogueState.COMPLETED, flows.main.dialogue(d).state, "dialogue state")
        flows.assert_invariants(d)

    def test_receive_racing_conclude(self, storage: Storage) -> None:
        """A conclusion decided before a matter was received, committed after it: the
        conclusion is decided again and refuses (the new matter is undecided)."""
        flows = _Flows(storage)
        d, subs = flows.held(1)
        flows.main.assign(subs[0], department=_LAND, actor=_CHAIR)
        paused, gate = flows.paused()
        thread, outcome = _start(lambda: paused.conclude(d, actor=_CHAIR))
        _true(gate.reached.wait(_WAIT), "the paused command reached its commit")
        late = flows.main.receive(dialogue=d, petitioner=Petitioner("Người dân"), topic="đất đai",
                                  content="...", actor=_INTAKE)
        gate.release.set()
        thread.join(_WAIT)
        _true(isinstance(outcome.error, InvalidInputError),
              f"decided again and refused, got {outcome.error!r}")
        _true(late.id in str(outcome.error), "the refusal names the late matter")
        _equal(DialogueState.HELD, flows.main.dialogue(d).state, "dialogue state")
        flows.assert_invariants(d)

    def test_receive_decided_before_conclude_is_refused(self, storage: Storage) -> None:
        """A receive decided while the dialogue was held, committed after the conclusion:
        decided again, it is refused; nothing joins a concluded dialogue."""
        flows = _Flows(storage)
        d, subs = flows.held(1)
        flows.main.assign(subs[0], department=_LAND, actor=_CHAIR)
        paused, gate = flows.paused()
        thread, outcome = _start(lambda: paused.receive(
            dialogue=d, petitioner=Petitioner("Người dân"), topic="đất đai", content="...",
            actor=_INTAKE))
        _true(gate.reached.wait(_WAIT), "the paused command reached its commit")
        flows.main.conclude(d, actor=_CHAIR)
        gate.release.set()
        thread.join(_WAIT)
        _true(isinstance(outcome.error, InvalidInputError),
              f"decided again and refused, got {outcome.error!r}")
        _equal(1, len(list(flows.main.iter_submissions(dialogue_id=d))), "matters")
        flows.assert_invariants(d)

    def test_receives_at_one_meeting_never_conflict(self, storage: Storage) -> None:
        """Clerks recording opinions at the same meeting (the busiest moment): a receive
        decided while three others commit commits at its first attempt."""
        flows = _Flows(storage)
        d, _subs = flows.held(1)
        paused, gate = flows.paused()
        thread, outcome = _start(lambda: paused.receive(
            dialogue=d, petitioner=Petitioner("Người dân"), topic="đất đai", content="...",
            actor=_INTAKE))
        _true(gate.reached.wait(_WAIT), "the paused command reached its commit")
        for _ in range(3):
            flows.main.receive(dialogue=d, petitioner=Petitioner("Người dân"), topic="môi trường",
                               content="...", actor=_INTAKE)
        gate.release.set()
        thread.join(_WAIT)
        _equal(None, outcome.error, "the paused receive's error")
        _equal(1, gate.commits, "commits of the paused receive (1: no conflict, no retry)")
        _equal(5, len(list(flows.main.iter_submissions(dialogue_id=d))), "matters")

    def test_reopen_racing_the_last_close(self, storage: Storage) -> None:
        """A reopen decided while the dialogue was concluded, committed after the last
        close completed it: decided again, it is refused (the record is final)."""
        flows = _Flows(storage)
        d, subs = flows.concluded(2)
        flows.main.answer(subs[0], text="Đã trả lời.", actor=_CHAIR)
        flows.main.close(subs[0], outcome="accepted", actor=_CHAIR)
        paused, gate = flows.paused()
        thread, outcome = _start(lambda: paused.reopen(subs[0], reason="chưa thỏa đáng",
                                                       actor=_CHAIR))
        _true(gate.reached.wait(_WAIT), "the paused command reached its commit")
        flows.main.close(subs[1], outcome="withdrawn", actor=_CHAIR)
        gate.release.set()
        thread.join(_WAIT)
        _true(isinstance(outcome.error, InvalidInputError),
              f"decided again and refused, got {outcome.error!r}")
        _equal(SubmissionState.CLOSED, flows.main.submission(subs[0]).state, "state")
        flows.assert_invariants(d)

    # --- bursts: commits released together --------------------------------------------------

    def test_burst_of_closes(self, storage: Storage) -> None:
        """Six matters of a concluded dialogue close at the same moment: all close and the
        dialogue completes, on every run."""
        flows = _Flows(storage)
        for _run in range(3):
            d, subs = flows.concluded(6)
            barrier = threading.Barrier(len(subs))
            flows_of = [flows.paused(barrier)[0] for _ in subs]
            started = [_start(functools.partial(flow.close, s, outcome="withdrawn",
                                                actor=_CHAIR))
                       for flow, s in zip(flows_of, subs, strict=True)]
            for thread, _outcome in started:
                thread.join(_WAIT)
            errors = [o.error for _t, o in started if o.error is not None]
            _equal([], errors, "errors of the burst")
            _equal(DialogueState.COMPLETED, flows.main.dialogue(d).state, "dialogue state")
            flows.assert_invariants(d)

    def test_burst_of_receives_and_conclude(self, storage: Storage) -> None:
        """Receives and the conclusion released together: either the conclusion refuses
        (a matter it did not see is undecided) or every matter it did not list joined
        before nothing — none is received after it."""
        flows = _Flows(storage)
        d, subs = flows.held(1)
        flows.main.assign(subs[0], department=_LAND, actor=_CHAIR)
        barrier = threading.Barrier(4)
        started = [_start(lambda: flows.paused(barrier)[0].receive(
            dialogue=d, petitioner=Petitioner("Người dân"), topic="đất đai", content="...",
            actor=_INTAKE)) for _ in range(3)]
        started.append(_start(lambda: flows.paused(barrier)[0].conclude(d, actor=_CHAIR)))
        for thread, _outcome in started:
            thread.join(_WAIT)
        for _thread, outcome in started:
            _true(outcome.error is None or isinstance(outcome.error, InvalidInputError),
                  f"refused as a decision, not failed: {outcome.error!r}")
        flows.assert_invariants(d)


class _Flows:
    """Flows over one storage with one clock and one id source, and the oracle."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.clock = FixedClock(_DAY - dt.timedelta(days=14))
        self.ids = SequentialIds()
        self.calendar = WorkCalendar.vietnam(years=range(2021, 2023))
        self.main = self._flow(storage)

    def _flow(self, storage: Any) -> DialogueFlow:
        return DialogueFlow(storage, clock=self.clock, ids=self.ids, calendar=self.calendar)

    def paused(self, barrier: threading.Barrier | None = None,
               ) -> tuple[DialogueFlow, _Paused]:
        """A flow whose first commit waits (for the test, or for the barrier)."""
        gate = _Paused(self.storage, barrier)
        return self._flow(gate), gate

    def held(self, n: int) -> tuple[str, list[str]]:
        """A dialogue held today with ``n`` matters received at it."""
        self.clock.set(_DAY - dt.timedelta(days=14))
        d = self.main.plan_dialogue(scheduled_for=_DAY, title="Đối thoại", actor=_OFFICE)
        self.main.announce(d.id, actor=_OFFICE)
        self.clock.set(_DAY)
        self.main.hold(d.id, actor=_OFFICE)
        subs = [self.main.receive(dialogue=d.id, petitioner=Petitioner("Người dân"),
                                  topic="đất đai", content="...", actor=_INTAKE).id
                for _ in range(n)]
        return d.id, subs

    def concluded(self, n: int) -> tuple[str, list[str]]:
        """A concluded dialogue whose ``n`` matters are all assigned (open)."""
        d, subs = self.held(n)
        for s in subs:
            self.main.assign(s, department=_LAND, actor=_CHAIR)
        self.main.conclude(d, actor=_CHAIR)
        return d, subs

    def assert_invariants(self, dialogue_id: str) -> None:
        """The three invariants, read back from the storage."""
        d = self.main.dialogue(dialogue_id)
        subs: list[Submission] = list(self.main.iter_submissions(dialogue_id=dialogue_id))
        still_open = [s.id for s in subs if s.state is not SubmissionState.CLOSED]
        if d.state is DialogueState.COMPLETED:
            _equal([], still_open, "open matters of a completed dialogue")
        if d.state is DialogueState.CONCLUDED:
            _true(bool(still_open), "concluded with every matter closed but not completed")
        if d.conclusion is None:
            return
        listed = {item.submission_id for item in d.conclusion.items}
        conclude_row = next(row for row in self.main.history(d) if row.event == "conclude")
        for s in subs:
            if s.id in listed:
                continue
            settled = [row for row in self.main.history(s)
                       if row.event in ("answer", "close") and row.at <= conclude_row.at]
            _true(bool(settled), f"{s.id} is neither in the conclusion notice nor settled")


def _store_dialogue_with(storage: Storage, states: list[SubmissionState]) -> None:
    storage.commit(Changeset(((sample_dialogue(state=DialogueState.HELD), 0),)))
    storage.commit(Changeset(tuple(
        (sample_submission(f"sub-{n:04d}", state=state, dialogue_id="dlg-0001",
                           department=_LAND if state is SubmissionState.ASSIGNED else None), 0)
        for n, state in enumerate(states, start=1))))

