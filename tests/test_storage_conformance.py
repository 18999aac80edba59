"""Every built-in backend passes the shipped storage contract, and agrees with the others.

`StorageContract` (in `dialogue_flow.testing`) is the suite third-party backends run; here
it runs against `MemoryStorage` (the reference), `SQLiteStorage` on a file and
`SQLiteStorage` in memory; both SQLite variants also run `ReportFactsContract`, the
optional report capability MemoryStorage does not offer. The Hypothesis tests below go
further than the contracts' seeded data: random queries over random data, and random
sequences of commits and outbox operations applied to memory and SQLite side by side,
which must never disagree.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from dialogue_flow import (
    Actor,
    DialogueFlow,
    DialogueState,
    Dispatcher,
    DispatchResult,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    Petitioner,
    Role,
    SequentialIds,
    SQLiteStorage,
    SubmissionState,
    load_plugins,
    testing,
)
from dialogue_flow.storage import Changeset, DialogueQuery, Storage, SubmissionQuery
from dialogue_flow.testing import (
    CapturingNotifier,
    ReportFactsContract,
    StorageContract,
    sample_dialogue,
    sample_notification,
    sample_submission,
    sample_transition,
)

T0 = dt.datetime(2021, 6, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
WINDOW = dt.date(2021, 7, 1)


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        backend = MemoryStorage()
        yield backend
        backend.close()


class TestMemoryStorageHistory:
    def test_history_with_versions_far_apart(self):
        """Rows numbered by a caller far apart (not one per change) are all listed, in
        version order, without looking up every number in between."""
        storage = MemoryStorage()
        record = sample_submission("s-1")
        rows = [sample_transition(record, version=v) for v in (10**9, 1, 5)]
        for row in rows:
            storage.commit(Changeset(records=(), transitions=(row,)))
        assert [1, 5, 10**9] == [r.version for r in storage.history("submission", "s-1")]


class _ThroughCommit(MemoryStorage):
    """A MemoryStorage the façade must reach through ``commit`` (not exactly the class)."""

    def __init__(self) -> None:
        super().__init__()
        self.changesets: list[Changeset] = []

    def commit(self, changes: Changeset) -> int:
        self.changesets.append(changes)
        return super().commit(changes)


class TestEveryWriteIsAChangeset:
    """Every command reaches a backend as one Changeset through its ``commit`` (there is no
    private path beside it), so a subclass that overrides ``commit`` sees every write."""

    @staticmethod
    def _run(storage: Storage) -> DialogueFlow:
        office = Actor("office-1", "Văn phòng", Role.OFFICE)
        chair = Actor("chair-1", "Bí thư", Role.CHAIR)
        intake = Actor("intake-1", "Tiếp nhận", Role.INTAKE_DESK)
        clerk = Actor("dc-1", "Cán bộ", Role.DEPARTMENT, department="Địa chính")
        flow = DialogueFlow(storage, clock=FixedClock(date(2021, 6, 1)), ids=SequentialIds())
        d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Quý II", actor=office)
        subs = [flow.receive(dialogue=d.id, petitioner=Petitioner(f"Công dân {i}"), topic="đất đai",
                             content=f"Kiến nghị {i}", actor=intake) for i in range(3)]
        flow.announce(d.id, actor=office)
        flow.clock = FixedClock(date(2021, 6, 17))
        flow.hold(d.id, actor=office)
        flow.assign(subs[0].id, department="Địa chính", actor=chair)
        flow.escalate(subs[1].id, competent_level="UBND tỉnh", actor=chair)
        flow.answer(subs[2].id, text="Đã trả lời", actor=chair)
        flow.close(subs[2].id, outcome="settled_at_meeting", actor=intake, note="xong")
        flow.conclude(d.id, actor=chair)
        flow.answer(subs[0].id, text="Đã cấp", actor=clerk)
        return flow

    def test_a_subclass_overriding_commit_sees_every_command(self):
        """Twelve commands, twelve Changesets; the store ends as a plain MemoryStorage does."""
        plain, counting = MemoryStorage(), _ThroughCommit()
        a, b = self._run(plain), self._run(counting)
        assert len(counting.changesets) == 12
        ids = [s.id for s in b.iter_submissions()] + [d.id for d in b.dialogues()]
        assert [plain.history(k, i) for k in ("submission", "dialogue") for i in ids] == [
            counting.history(k, i) for k in ("submission", "dialogue") for i in ids]
        assert plain.pending_notifications() == counting.pending_notifications()
        assert list(a.iter_submissions()) == list(b.iter_submissions())
        notes = [n for cs in counting.changesets for n in cs.notifications]
        assert {n.event for n in notes} >= {"received", "assigned", "escalated", "answered",
                                            "conclusion_notice"}

    def test_sqlite_subclass_sees_every_command_too(self, tmp_path: Path):
        """Regression: a subclass of SQLiteStorage once silently took another path than
        SQLiteStorage itself. Both now write the same rows through ``commit``."""

        class ThroughCommit(SQLiteStorage):
            calls = 0

            def commit(self, changes: Changeset) -> int:
                ThroughCommit.calls += 1
                return super().commit(changes)

        texts = []
        for cls, name in ((SQLiteStorage, "plain.db"), (ThroughCommit, "counting.db")):
            with cls(tmp_path / name) as storage:
                self._run(storage)
            with closing(sqlite3.connect(tmp_path / name)) as conn:
                texts.append([conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608
                              for table in ("transitions", "outbox", "submissions")])
        assert ThroughCommit.calls == 12
        assert texts[0] == texts[1]
        assert [14, 11, 3] == [len(rows) for rows in texts[0]]


class TestSQLiteFile(StorageContract, ReportFactsContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[Storage]:
        with SQLiteStorage(tmp_path / "contract.db") as backend:
            yield backend


class TestSQLiteInMemory(StorageContract, ReportFactsContract):
    query_seeds = (4,)

    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        with SQLiteStorage.from_url("sqlite://") as backend:
            yield backend


def test_backends_satisfy_the_protocol(tmp_path: Path) -> None:
    """Both built-ins are `Storage`s at run time (the Protocol is runtime-checkable)."""
    with SQLiteStorage(tmp_path / "p.db") as sqlite:
        assert isinstance(sqlite, Storage)
    assert isinstance(MemoryStorage(), Storage)


# --- Hypothesis: random queries over random data --------------------------------------------

ids = st.text(alphabet="ABCabz0189._:-", min_size=1, max_size=6).map(lambda s: "x" + s)
departments = st.sampled_from(["Địa chính", "Tư pháp", "Kiểm lâm"])
dialogue_ids = st.sampled_from(["dlg-1", "dlg-2", "dlg-3"])
due_dates = st.dates(min_value=WINDOW, max_value=WINDOW + dt.timedelta(days=20))
bounds = st.none() | st.dates(min_value=WINDOW - dt.timedelta(days=2),
                              max_value=WINDOW + dt.timedelta(days=22))

submissions = st.builds(
    lambda i, state, dialogue, department, due: sample_submission(
        i, state=state, dialogue_id=dialogue, department=department, due=due),
    ids, st.sampled_from(SubmissionState), st.none() | dialogue_ids,
    st.none() | departments, st.none() | due_dates)

submission_queries = st.builds(
    SubmissionQuery,
    dialogue_id=st.none() | dialogue_ids,
    states=st.none() | st.frozensets(st.sampled_from(SubmissionState)),
    department=st.none() | departments,
    due_on_or_before=bounds, due_on_or_after=bounds, overdue_as_of=bounds,
    limit=st.integers(min_value=0, max_value=60),
    after=st.none() | ids,
)

dialogue_queries = st.builds(
    DialogueQuery,
    states=st.none() | st.frozensets(st.sampled_from(DialogueState)),
    scheduled_from=bounds, scheduled_to=bounds,
    limit=st.integers(min_value=0, max_value=60), after=st.none() | ids,
)


def _reference(records: list, query: SubmissionQuery | DialogueQuery) -> list:
    return sorted((r for r in records if query.matches(r)), key=lambda r: r.id)[:query.limit]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(submissions, max_size=40, unique_by=lambda s: s.id),
       queries=st.lists(submission_queries, min_size=1, max_size=8))
def test_sqlite_submission_queries_match_the_reference(data, queries) -> None:
    """Any data, any query: SQL gives exactly what `SubmissionQuery.matches` gives."""
    with SQLiteStorage() as storage:
        if data:
            storage.commit(Changeset(records=tuple((s, 0) for s in data)))
        for query in queries:
            assert _reference(data, query) == storage.find_submissions(query), query


@settings(max_examples=40, deadline=None)
@given(data=st.lists(
    st.builds(lambda i, state, day: sample_dialogue(i, state=state, scheduled_for=day),
              ids, st.sampled_from(DialogueState), due_dates),
    max_size=30, unique_by=lambda d: d.id),
    queries=st.lists(dialogue_queries, min_size=1, max_size=8))
def test_sqlite_dialogue_queries_match_the_reference(data, queries) -> None:
    """Any data, any query: SQL gives exactly what `DialogueQuery.matches` gives."""
    with SQLiteStorage() as storage:
        if data:
            storage.commit(Changeset(records=tuple((d, 0) for d in data)))
        for query in queries:
            assert _reference(data, query) == storage.find_dialogues(query), query


# --- Hypothesis: memory and SQLite driven side by side ------------------------------------------


class BackendsAgree(RuleBasedStateMachine):
    """Random commits (fresh, stale, guarded, with repeated outbox keys) and outbox work on
    both backends; every answer and every error must be the same."""

    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        self.memory = MemoryStorage()
        self.sqlite = SQLiteStorage()
        self.now = T0
        self.keys = 0

    def teardown(self) -> None:
        self.sqlite.close()

    def both(self, call):
        """Run ``call`` on each backend; same result or same exception type."""
        outcomes = []
        for backend in (self.memory, self.sqlite):
            try:
                outcomes.append(("ok", call(backend)))
            except Exception as exc:  # noqa: BLE001 - compared below
                outcomes.append(("error", type(exc).__name__))
        assert outcomes[0] == outcomes[1]
        return outcomes[0]

    @initialize(target=records)
    def first(self):
        record = sample_submission("sub-1")
        self.both(lambda b: b.commit(Changeset(records=((record, 0),))))
        return record.id

    @rule(target=records, suffix=st.integers(2, 6), kind=st.sampled_from(["d", "s"]))
    def create(self, suffix, kind):
        record = (sample_dialogue(f"dlg-{suffix}") if kind == "d"
                  else sample_submission(f"sub-{suffix}"))
        changes = Changeset(records=((record, 0),), transitions=(sample_transition(record),),
                            notifications=(sample_notification(self.key()),))
        self.both(lambda b: b.commit(changes))
        return record.id

    @rule(record_id=records, skew=st.sampled_from([0, 0, 0, -1, 1]),
          state=st.sampled_from(SubmissionState), department=st.none() | departments,
          due=st.none() | due_dates, repeat_key=st.booleans(),
          guard=st.none() | st.tuples(st.sampled_from(["dialogue", "submission"]),
                                      st.sampled_from(["dlg-2", "sub-1", "dlg-9"]),
                                      st.integers(0, 3)))
    def update(self, record_id, skew, state, department, due, repeat_key, guard):
        if not record_id.startswith("sub"):
            return
        current = self.memory.get_submission(record_id)
        new = attrs.evolve(sample_submission(record_id, state=state, department=department,
                                             due=due), version=current.version + 1)
        key = f"k{self.keys}" if repeat_key and self.keys else self.key()
        changes = Changeset(records=((new, current.version + skew),),
                            transitions=(sample_transition(new),),
                            notifications=(sample_notification(key),),
                            guards=(guard,) if guard else ())
        self.both(lambda b: b.commit(changes))

    @rule(repeats=st.lists(st.integers(1, 50), max_size=3), new=st.integers(0, 3))
    def notices(self, repeats, new):
        """Notices alone, as the sweep commits them: keys seen before (some in the outbox,
        some from rolled-back commits), new keys, and the first key twice. Both backends
        return the same count, the number of rows the outbox gained."""
        keys = [f"k{n % self.keys + 1}" for n in repeats] if self.keys else []
        keys += [self.key() for _ in range(new)]
        keys += keys[:1]
        before = sum(self.memory.outbox_stats().values())
        outcome = self.both(lambda b: b.commit(Changeset(
            records=(), notifications=tuple(sample_notification(k) for k in keys))))
        assert ("ok", sum(self.memory.outbox_stats().values()) - before) == outcome

    @rule(worker=st.sampled_from(["w1", "w2"]), limit=st.integers(1, 3),
          minutes=st.integers(1, 10))
    def claim(self, worker, limit, minutes):
        lease = dt.timedelta(minutes=minutes)
        self.both(lambda b: b.claim_notifications(worker, self.now, lease, limit))

    @precondition(lambda self: self.keys > 0)
    @rule(worker=st.sampled_from(["w1", "w2"]), n=st.integers(1, 50),
          outcome=st.sampled_from(["delivered", "retry", "park"]))
    def settle(self, worker, n, outcome):
        key = f"k{n % self.keys + 1}"
        if outcome == "delivered":
            self.both(lambda b: b.mark_delivered(key, worker))
        else:
            retry = self.now + dt.timedelta(minutes=2) if outcome == "retry" else None
            self.both(lambda b: b.mark_failed(key, worker, "down", retry))

    @rule(minutes=st.integers(1, 15))
    def tick(self, minutes):
        self.now += dt.timedelta(minutes=minutes)

    @invariant()
    def same_state(self):
        self.both(lambda b: (b.pending_notifications(), b.outbox_stats(),
                             b.find_submissions(SubmissionQuery(limit=100)),
                             b.find_dialogues(DialogueQuery(limit=100)),
                             [b.history(k, i) for k in ("dialogue", "submission")
                              for i in ("sub-1", "sub-2", "dlg-2")]))

    def key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"


BackendsAgree.TestCase.settings = settings(max_examples=40, stateful_step_count=30,
                                           deadline=None)
TestBackendsAgree = BackendsAgree.TestCase


# --- the rest of dialogue_flow.testing -------------------------------------------------------


class TestTestingHelpers:
    @pytest.mark.parametrize("url", ["memory://", "sqlite"])
    def test_capturing_notifier_with_the_dispatcher(self, url, tmp_path, intake,
                                                    petitioner) -> None:
        """It fails on demand, then collects what the real dispatcher delivers, on memory
        and on SQLite."""
        clock = FixedClock(date(2021, 6, 1))
        notifier = CapturingNotifier(fail_times=1, error="máy chủ thư lỗi")
        url = f"sqlite:///{tmp_path / 'n.db'}" if url == "sqlite" else url
        with DialogueFlow.open(url, clock=clock, ids=SequentialIds(),
                               plugins=load_plugins([notifier], entry_points=False)) as flow:
            sub = flow.receive(petitioner=petitioner, topic="đường", content="hỏng",
                               actor=intake)
            dispatcher = Dispatcher(flow.storage, flow.plugins, clock=clock, worker_id="w1",
                                    backoff=dt.timedelta(minutes=1))
            assert DispatchResult(retried=1) == dispatcher.run_once()
            assert ([], 1) == (notifier.delivered, notifier.attempts)
            clock.advance(minutes=1)
            assert DispatchResult(delivered=1) == dispatcher.run_once()
            assert [f"submission:{sub.id}:v1:received"] == notifier.keys
            assert [[petitioner.phone]] == notifier.recipients  # the petitioner's, by default
            assert 1 == flow.storage.outbox_stats()["delivered"]

    def test_capturing_notifier_fail_next_and_clear(self) -> None:
        """fail_next schedules failures (ConnectionError with the given text); clear forgets."""
        notifier = CapturingNotifier()
        note = sample_notification("k")
        notifier.fail_next(2, error="down")
        for _ in range(2):
            with pytest.raises(ConnectionError, match="down"):
                notifier.dialogue_flow_deliver(note, ["a@example.vn"])
        assert "capture" == notifier.dialogue_flow_deliver(note, ["a@example.vn"])
        assert (["k"], [["a@example.vn"]], 3) == (notifier.keys, notifier.recipients,
                                                   notifier.attempts)
        notifier.clear()
        assert ([], 0) == (notifier.delivered, notifier.attempts)

    def test_testing_exports(self) -> None:
        """The helpers hosts need are importable from dialogue_flow.testing."""
        assert testing.FixedClock is FixedClock
        assert testing.SequentialIds is SequentialIds
        assert sorted(testing.__all__) == testing.__all__
        for name in testing.__all__:
            assert hasattr(testing, name), name


class TestChangesetAndQueryValidation:
    def test_a_record_written_twice_in_one_changeset_is_refused(self) -> None:
        """Which of two writes would win is undefined: the changeset refuses to exist."""
        record = sample_submission()
        with pytest.raises(InvalidInputError, match="appears twice"):
            Changeset(records=((record, 0), (attrs.evolve(record, version=2), 1)))

    def test_a_guard_of_an_unknown_kind_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="unknown record kind 'petition'"):
            Changeset(records=(), guards=(("petition", "x", 1),))

    @pytest.mark.parametrize("limit", [-1, True, 1.5])
    def test_query_limits_are_whole_numbers(self, limit) -> None:
        """A negative limit would slice from the end in memory and mean "all" in SQL."""
        with pytest.raises(InvalidInputError, match="limit"):
            SubmissionQuery(limit=limit)
        with pytest.raises(InvalidInputError, match="limit"):
            DialogueQuery(limit=limit)
