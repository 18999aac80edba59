"""The storage contracts: the behaviour every backend shows, and the behaviour of the
optional report capability, as pytest test methods."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence

import attrs

from dialogue_flow import (
    VIETNAM_TZ,
    AnswerMode,
    Channel,
    CloseReason,
    ConclusionItem,
    ConclusionNotice,
    DialogueState,
    NotFoundError,
    Petitioner,
    StorageError,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
    VersionConflictError,
)
from dialogue_flow.storage import (
    OPEN_WITH_CLOCK,
    Changeset,
    DialogueQuery,
    ReportFacts,
    ReportInputs,
    Storage,
    SubmissionFacts,
    SubmissionQuery,
)

from ._access_contract import AccessLogContract
from ._attachment_contract import AttachmentContract
from ._document_contract import DocumentContract
from ._fakes import (
    _deadline,
    sample_dialogue,
    sample_notification,
    sample_submission,
    sample_transition,
)
from ._heartbeat_contract import HeartbeatContract
from ._import_contract import ImportKeyContract
from ._organisation_contract import (
    DashboardContract,
    OrganisationContract,
    OrganisationReportContract,
)
from ._outbox_contract import OutboxContract
from ._race_contract import DialogueRaceContract
from ._reception_contract import ReceptionContract
from ._search_contract import SearchContract
from ._support import (
    _WINDOW,
    _due_periods,
    _equal,
    _expected,
    _load,
    _new,
    _next,
    _raises,
    _random_dialogue,
    _random_dialogue_query,
    _random_reported,
    _random_submission,
    _random_submission_query,
    _report_periods,
    _rng,
    _single_field_submission_queries,
    _snapshot,
    _true,
)


# The outbox tests are inherited from OutboxContract (_outbox_contract.py) only so that
# each module stays a size one can read; a backend runs them all as one contract.
class StorageContract(AttachmentContract, OutboxContract, DialogueRaceContract,
                      OrganisationContract, DocumentContract,
                      DashboardContract, ReceptionContract, SearchContract, AccessLogContract,
                      HeartbeatContract, ImportKeyContract):
    """The behaviour every :class:`~dialogue_flow.Storage` backend must show.

    Subclass it in a test module (the subclass's name must start with ``Test``) and
    provide a function-scoped ``storage`` fixture yielding a fresh, empty backend. Every
    ``test_*`` method takes that fixture. The reference semantics of queries are
    :meth:`SubmissionQuery.matches` and :meth:`DialogueQuery.matches`; the reference
    backend is :class:`~dialogue_flow.MemoryStorage`.
    """

    #: Seeds of the generated data sets; override to run more.
    query_seeds: Sequence[int] = (1, 2, 3)
    #: Random queries checked per seed.
    queries_per_seed = 150

    # --- reading and writing records ----------------------------------------------------------

    def test_get_missing_dialogue_raises_not_found(self, storage: Storage) -> None:
        """An unknown dialogue id is NotFoundError (also a KeyError), naming the id."""
        error = _raises(NotFoundError, storage.get_dialogue, "dlg-missing")
        _equal(("dialogue", "dlg-missing"), (error.kind, error.record_id), "error names it")
        _true(isinstance(error, KeyError), "NotFoundError is a KeyError")

    def test_get_missing_submission_raises_not_found(self, storage: Storage) -> None:
        """An unknown submission id is NotFoundError."""
        error = _raises(NotFoundError, storage.get_submission, "sub-missing")
        _equal(("submission", "sub-missing"), (error.kind, error.record_id), "error names it")

    def test_kinds_do_not_mix(self, storage: Storage) -> None:
        """A dialogue and a submission may share an id; each is found under its own kind."""
        storage.commit(_new(sample_dialogue("same-1")))
        _raises(NotFoundError, storage.get_submission, "same-1")
        storage.commit(_new(sample_submission("same-1")))
        _equal("same-1", storage.get_dialogue("same-1").id, "the dialogue")
        _equal(1, len(storage.history("submission", "same-1")), "the submission's history")

    def test_insert_and_read_back_equal(self, storage: Storage) -> None:
        """Every field survives the round trip: nested records, Vietnamese text, dates."""
        dialogue = sample_dialogue(
            "dlg-0001", state=DialogueState.CONCLUDED, venue="Hội trường UBND xã",
            chair="bt", secretary="tk", invited_departments=("Địa chính", "Kiểm lâm"),
            topics=("đất đai", "bảo vệ rừng"), expected_attendance=90, actual_attendance=94,
            announced_on=dt.date(2021, 6, 8), held_on=dt.date(2021, 6, 17),
            conclusion_due=_deadline(dt.date(2021, 6, 28), "conclusion-notice"),
            conclusion=ConclusionNotice(
                issued_on=dt.date(2021, 6, 25), issued_by="bt", late=True,
                items=(ConclusionItem("sub-0001", SubmissionState.ASSIGNED, "Địa chính",
                                      dt.date(2021, 8, 6)),)))
        submission = sample_submission(
            "sub-0001", state=SubmissionState.CLOSED, dialogue_id="dlg-0001",
            department="Địa chính", due=dt.date(2021, 8, 6),
            petitioner=Petitioner(name="Trần Thị B", address="Thôn 3", phone="0912345678",
                                  email="b@example.vn"),
            kind=SubmissionKind.QUESTION, channel=Channel.WRITTEN, preparing_department="VP",
            competent_level="UBND tỉnh", complex=True, assigned_on=dt.date(2021, 6, 25),
            answer="Đã cấp giấy chứng nhận.", answer_mode=AnswerMode.IN_WRITING,
            answered_on=dt.date(2021, 7, 20), close_reason=CloseReason.ACCEPTED,
            extensions=1, reopened=2,
            updated_at=dt.datetime(2021, 7, 20, 1, 2, 3, 456789, tzinfo=dt.UTC))
        storage.commit(_new(dialogue, submission))
        _equal(dialogue, storage.get_dialogue("dlg-0001"), "dialogue read back")
        _equal(submission, storage.get_submission("sub-0001"), "submission read back")
        _equal([sample_transition(submission, event="create")],
               storage.history("submission", "sub-0001"), "history read back")

    def test_update_replaces_the_current_version(self, storage: Storage) -> None:
        """A compare-and-set on the stored version writes the new record."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        second, changes = _next(first, state=SubmissionState.ASSIGNED, department="Tư pháp",
                                due=_deadline(dt.date(2021, 7, 9), "written-answer"))
        storage.commit(changes)
        _equal(second, storage.get_submission("sub-0001"), "the new version")

    def test_a_record_may_skip_versions(self, storage: Storage) -> None:
        """Versions only have to match on the stored side (a command may add two rows)."""
        first = sample_dialogue("dlg-0001")
        storage.commit(_new(first))
        jumped = attrs.evolve(first, version=3, state=DialogueState.ANNOUNCED)
        storage.commit(Changeset(records=((jumped, 1),), transitions=(
            sample_transition(jumped, version=2), sample_transition(jumped))))
        _equal(3, storage.get_dialogue("dlg-0001").version, "stored version")
        _equal([1, 2, 3], [r.version for r in storage.history("dialogue", "dlg-0001")],
               "history versions")

    # --- conflicts and atomicity --------------------------------------------------------------

    def test_stale_update_is_a_version_conflict(self, storage: Storage) -> None:
        """Two writers read version 1; the second to commit gets a conflict and changes
        nothing."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        winner, changes = _next(first, state=SubmissionState.ASSIGNED, department="A")
        _loser, late = _next(first, state=SubmissionState.ESCALATED, department="B")
        storage.commit(changes)
        error = _raises(VersionConflictError, storage.commit, late)
        _equal(("submission", "sub-0001", 1, 2),
               (error.kind, error.record_id, error.expected, error.actual), "the conflict")
        _equal(winner, storage.get_submission("sub-0001"), "the winner's record")
        _equal([1, 2], [r.version for r in storage.history("submission", "sub-0001")],
               "one history row per version")

    def test_duplicate_insert_is_a_version_conflict(self, storage: Storage) -> None:
        """Creating an id that exists (expected version 0) is a conflict, not an overwrite."""
        original = sample_submission("sub-0001", topic="gốc")
        storage.commit(_new(original))
        error = _raises(VersionConflictError, storage.commit,
                        _new(sample_submission("sub-0001", topic="bản sao")))
        _equal((0, 1), (error.expected, error.actual), "expected/actual")
        _equal(original, storage.get_submission("sub-0001"), "the original is kept")

    def test_update_of_a_missing_record_is_a_version_conflict(self, storage: Storage) -> None:
        """Expecting version 1 of a record that does not exist: conflict with actual None."""
        _new_version, changes = _next(sample_dialogue("dlg-0001"))
        error = _raises(VersionConflictError, storage.commit, changes)
        _equal((1, None), (error.expected, error.actual), "expected/actual")
        _raises(NotFoundError, storage.get_dialogue, "dlg-0001")

    def test_failed_commit_writes_nothing(self, storage: Storage) -> None:
        """One stale record among several: no record, audit row or outbox row is kept."""
        kept = sample_submission("sub-0001")
        stale = sample_submission("sub-0002")
        storage.commit(_new(kept, stale, notes=[sample_notification("n-0")]))
        _advanced, moved_on = _next(stale)
        storage.commit(moved_on)
        before = _snapshot(storage, [kept, stale, sample_dialogue("dlg-new")])
        newer_kept, _ = _next(kept, state=SubmissionState.ASSIGNED, department="Tư pháp",
                              due=_deadline(dt.date(2021, 7, 9), "written-answer"))
        newer_stale, _ = _next(stale)
        created = sample_dialogue("dlg-new")
        changes = Changeset(
            records=((created, 0), (newer_kept, 1), (newer_stale, 1)),
            transitions=(sample_transition(created), sample_transition(newer_kept),
                         sample_transition(newer_stale)),
            notifications=(sample_notification("n-1"), sample_notification("n-2")))
        _raises(VersionConflictError, storage.commit, changes)
        _equal(before, _snapshot(storage, [kept, stale, created]), "state after the conflict")
        _equal([], storage.find_submissions(SubmissionQuery(department="Tư pháp")),
               "queries do not see the rolled-back write")

    def test_failed_commit_leaves_outbox_keys_free(self, storage: Storage) -> None:
        """The notification keys of a rolled-back commit can be used by its retry."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        _, stale = _next(first, expected=7)
        _raises(VersionConflictError, storage.commit,
                attrs.evolve(stale, notifications=(sample_notification("retry-me"),)))
        _, fresh = _next(first)
        storage.commit(attrs.evolve(fresh, notifications=(sample_notification("retry-me"),)))
        _equal(["retry-me"], [n.key for n in storage.pending_notifications()], "pending keys")

    def test_guard_on_an_unchanged_record_passes(self, storage: Storage) -> None:
        """A guard on the version read lets the commit through."""
        dialogue = sample_dialogue("dlg-0001")
        storage.commit(_new(dialogue))
        sub = sample_submission("sub-0001", dialogue_id="dlg-0001")
        storage.commit(attrs.evolve(_new(sub), guards=(("dialogue", "dlg-0001", 1),)))
        _equal(sub, storage.get_submission("sub-0001"), "written under the guard")

    def test_stale_guard_is_a_conflict_and_writes_nothing(self, storage: Storage) -> None:
        """A guarded record that moved on refuses the whole commit."""
        dialogue = sample_dialogue("dlg-0001")
        storage.commit(_new(dialogue))
        storage.commit(_next(dialogue, state=DialogueState.ANNOUNCED)[1])
        sub = sample_submission("sub-0001", dialogue_id="dlg-0001")
        changes = attrs.evolve(_new(sub, notes=[sample_notification("n-1")]),
                               guards=(("dialogue", "dlg-0001", 1),))
        error = _raises(VersionConflictError, storage.commit, changes)
        _equal(("dialogue", "dlg-0001", 1, 2),
               (error.kind, error.record_id, error.expected, error.actual), "the conflict")
        _raises(NotFoundError, storage.get_submission, "sub-0001")
        _equal([], storage.history("submission", "sub-0001"), "no audit row")
        _equal([], storage.pending_notifications(), "no outbox row")

    def test_guard_on_a_missing_record_is_a_conflict(self, storage: Storage) -> None:
        """A guard on a record that does not exist fails with actual None."""
        error = _raises(VersionConflictError, storage.commit, attrs.evolve(
            _new(sample_submission("sub-0001")), guards=(("dialogue", "dlg-0009", 1),)))
        _equal((1, None), (error.expected, error.actual), "expected/actual")
        _raises(NotFoundError, storage.get_submission, "sub-0001")

    def test_repeated_audit_row_is_refused(self, storage: Storage) -> None:
        """The audit trail has one row per (kind, id, version): a repeat is a StorageError
        and nothing of the commit is written."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        second, changes = _next(first)
        repeat = attrs.evolve(changes, transitions=(sample_transition(second),
                                                    sample_transition(first)))
        _raises(StorageError, storage.commit, repeat)
        _equal(first, storage.get_submission("sub-0001"), "record unchanged")
        _equal(1, len(storage.history("submission", "sub-0001")), "history unchanged")

    def test_audit_rows_of_no_record_commit_once_per_version(self, storage: Storage,
                                                             ) -> None:
        """A changeset of audit rows alone commits (a store records its policy so, kind
        ``policy``; issue 16), reads back by kind and id, and the same version twice is
        refused: two processes changing it at once do not both win."""
        row = TransitionRecord(kind="policy", record_id="default", version=1,
                               event="set_policy", source=None, dest="complaints-2011",
                               actor_id="system", at=dt.datetime(2021, 6, 1, tzinfo=VIETNAM_TZ),
                               reason="dialogue-flow init", details={"policy": "complaints-2011"})
        _equal(0, storage.commit(Changeset((), (row,))), "new notifications")
        _equal([row], storage.history("policy", "default"), "the policy's rows")
        _raises(StorageError, storage.commit,
                Changeset((), (attrs.evolve(row, dest="seed-plan"),)))
        changed = attrs.evolve(row, version=2, source="complaints-2011", dest="seed-plan")
        storage.commit(Changeset((), (changed,)))
        _equal([row, changed], storage.history("policy", "default"), "both, in order")

    def test_concurrent_writers_exactly_one_wins(self, storage: Storage) -> None:
        """Eight threads commit the same version; one wins, seven get a conflict."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first))
        barrier = threading.Barrier(8)
        outcomes: list[str] = []

        def write(n: int) -> None:
            _, changes = _next(first, department=f"D{n}")
            changes = attrs.evolve(changes, notifications=(sample_notification(f"w{n}"),))
            barrier.wait(timeout=10)
            try:
                storage.commit(changes)
                outcomes.append("won")
            except VersionConflictError:
                outcomes.append("conflict")

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        _equal(["conflict"] * 7 + ["won"], sorted(outcomes), "outcomes")
        winner = storage.get_submission("sub-0001")
        _equal(2, winner.version, "one new version")
        _equal([f"w{str(winner.department)[1:]}"],
               [n.key for n in storage.pending_notifications()], "only the winner's outbox")

    # --- history -------------------------------------------------------------------------------

    def test_history_is_oldest_first(self, storage: Storage) -> None:
        """Rows come back in version order, across many commits."""
        record = sample_submission("sub-0001")
        storage.commit(_new(record))
        for state in ("assigned", "escalated", "assigned", "answered", "closed"):
            record, changes = _next(record, state=SubmissionState(state))
            storage.commit(changes)
        rows = storage.history("submission", "sub-0001")
        _equal(list(range(1, 7)), [r.version for r in rows], "versions")
        _equal(["received", "assigned", "escalated", "assigned", "answered", "closed"],
               [r.dest for r in rows], "destinations")

    def test_history_of_an_unknown_record_is_empty(self, storage: Storage) -> None:
        """No rows, no error."""
        _equal([], storage.history("submission", "nobody"), "history")

    # --- queries ------------------------------------------------------------------------------

    def test_every_submission_filter_alone_matches_the_reference(self, storage: Storage,
                                                                  ) -> None:
        """Each SubmissionQuery field, over every value in the data, gives what
        ``SubmissionQuery.matches`` gives, ordered by id."""
        records = _load(storage, _rng(0), 80, _random_submission)
        ids = sorted(r.id for r in records)
        for query in _single_field_submission_queries(ids):
            _equal(_expected(records, query), storage.find_submissions(query), repr(query))

    def test_random_submission_queries_match_the_reference(self, storage: Storage) -> None:
        """Random combinations of every field (seeded; the message names seed and query)."""
        records: list[Submission] = []
        for seed in self.query_seeds:
            rng = _rng(seed)
            records = records or _load(storage, rng, 60, _random_submission)
            ids = sorted(r.id for r in records)
            for _ in range(self.queries_per_seed):
                query = _random_submission_query(rng, ids)
                _equal(_expected(records, query), storage.find_submissions(query),
                       f"seed {seed}: {query!r}")

    def test_random_dialogue_queries_match_the_reference(self, storage: Storage) -> None:
        """Every DialogueQuery field, alone and combined, against ``DialogueQuery.matches``."""
        records = _load(storage, _rng(7), 50, _random_dialogue)
        ids = sorted(r.id for r in records)
        days = [_WINDOW + dt.timedelta(days=n) for n in range(-1, 32)]
        queries = [DialogueQuery(limit=1000), DialogueQuery(states=frozenset(), limit=9)]
        queries += [DialogueQuery(states=frozenset({s})) for s in DialogueState]
        queries += [DialogueQuery(scheduled_from=d) for d in days]
        queries += [DialogueQuery(scheduled_to=d) for d in days]
        for seed in self.query_seeds:
            rng = _rng(seed)
            queries += [_random_dialogue_query(rng, ids) for _ in range(self.queries_per_seed)]
        for query in queries:
            _equal(_expected(records, query), storage.find_dialogues(query), repr(query))

    def test_paging_returns_every_match_once(self, storage: Storage) -> None:
        """Walking pages with ``after`` = the last id yields each match exactly once, in id
        order, for every page size."""
        records = _load(storage, _rng(11), 70, _random_submission)
        for states in (None, frozenset({SubmissionState.ASSIGNED, SubmissionState.CLOSED})):
            everything = _expected(records, SubmissionQuery(states=states, limit=10_000))
            for size in (1, 2, 3, 10, 69, 70, 71):
                seen: list[Submission] = []
                after = None
                while True:
                    page = storage.find_submissions(SubmissionQuery(states=states,
                                                                    limit=size, after=after))
                    _true(len(page) <= size, f"page of {len(page)} > limit {size}")
                    seen += page
                    if len(page) < size:
                        break
                    after = page[-1].id
                _equal(everything, seen, f"pages of {size} over states={states}")

    def test_queries_see_the_current_version_only(self, storage: Storage) -> None:
        """After an update, the record is found under its new values and not its old ones."""
        first = sample_submission("sub-0001", state=SubmissionState.ASSIGNED,
                                  dialogue_id="dlg-1", department="Địa chính",
                                  due=dt.date(2021, 7, 1))
        storage.commit(_new(first))
        second, changes = _next(first, state=SubmissionState.ESCALATED, dialogue_id="dlg-2",
                                department="Tư pháp",
                                due=_deadline(dt.date(2021, 7, 20), "written-answer"))
        storage.commit(changes)
        for old in (SubmissionQuery(department="Địa chính"), SubmissionQuery(dialogue_id="dlg-1"),
                    SubmissionQuery(states=frozenset({SubmissionState.ASSIGNED})),
                    SubmissionQuery(due_on_or_before=dt.date(2021, 7, 10))):
            _equal([], storage.find_submissions(old), f"old values: {old!r}")
        for new in (SubmissionQuery(department="Tư pháp"), SubmissionQuery(dialogue_id="dlg-2"),
                    SubmissionQuery(states=frozenset({SubmissionState.ESCALATED})),
                    SubmissionQuery(due_on_or_after=dt.date(2021, 7, 20)),
                    SubmissionQuery(overdue_as_of=dt.date(2021, 7, 21))):
            _equal([second], storage.find_submissions(new), f"new values: {new!r}")


# --- the optional report capability -----------------------------------------------------------


class ReportFactsContract(OrganisationReportContract):
    """The behaviour of a backend that also offers the optional
    :class:`~dialogue_flow.storage.ReportFacts` capability (reports and sweeps answered from
    its indexes). Mix it in next to :class:`StorageContract`, with the same fixture::

        class TestMyStorage(StorageContract, ReportFactsContract):
            ...

    The reference is computed from the submissions the tests committed:
    :meth:`~dialogue_flow.storage.SubmissionFacts.of` of the current version of each one
    received in the period (``received_on``, the local date in Asia/Ho_Chi_Minh of
    ``received_at``, from ``start`` to ``end`` inclusive), and
    :meth:`~dialogue_flow.storage.ReportInputs.from_facts` of those facts. What a backend
    must fill:

    * ``report_facts``: every field, as ``SubmissionFacts.of`` gives it.
    * ``report_inputs``: every field, the open items' included (a reopened submission
      keeps its earlier answer).
    * ``due_facts``: ``id``, ``state``, ``topic``, ``department``, ``competent_level``,
      ``due_date`` and ``dialogue_id`` (what the sweep's reminders are written from);
      ``channel``, ``answer_mode``, ``received_on`` and ``answered_on`` may be placeholders
      (the built-in SQLite backend gives ``""``, ``None``, ``start`` and ``None``).

    The order of ``report_facts`` and ``due_facts`` is free; each submission comes once.
    """

    #: Seeds of the random periods; the data set is drawn from the first.
    report_seeds: Sequence[int] = (5,)
    #: Random submissions loaded (about half of them then updated once or twice).
    reported_submissions = 300
    #: Random periods checked per seed, after the fixed ones around the boundary.
    periods_per_seed = 20

    def test_the_backend_offers_report_facts(self, storage: Storage) -> None:
        """Reports and sweeps look for the capability with ``isinstance(storage,
        ReportFacts)``: a backend missing a method would silently lose it."""
        _true(isinstance(storage, ReportFacts),
              f"{type(storage).__name__} is not a dialogue_flow.storage.ReportFacts")

    def test_report_facts_match_the_reference(self, storage: Storage) -> None:
        """The facts of exactly the submissions received in the period, as
        ``SubmissionFacts.of`` gives them, for periods on either side of a month boundary."""
        records = self._load_reported(storage)
        for seed in self.report_seeds:
            for start, end in _report_periods(_rng(seed), self.periods_per_seed):
                _equal(_received(records, start, end),
                       sorted(_capable(storage).report_facts(start, end), key=_by_id),
                       f"seed {seed}: report_facts({start}, {end})")

    def test_report_inputs_match_the_reference(self, storage: Storage) -> None:
        """The aggregates equal ``ReportInputs.from_facts`` of the reference facts (open
        items compared without their answer fields, see the class docstring)."""
        records = self._load_reported(storage)
        for seed in self.report_seeds:
            for start, end in _report_periods(_rng(seed), self.periods_per_seed):
                expected = ReportInputs.from_facts(_received(records, start, end))
                _equal(expected, _capable(storage).report_inputs(start, end),
                       f"seed {seed}: report_inputs({start}, {end})")

    def test_due_facts_are_the_open_submissions_due_in_the_period(self, storage: Storage,
                                                                  ) -> None:
        """Exactly the assigned and escalated submissions due from ``start`` to ``end``,
        each once, with the fields the sweep reads."""
        records = self._load_reported(storage)
        for seed in self.report_seeds:
            for start, end in _due_periods(_rng(seed), self.periods_per_seed):
                expected = sorted((_due_fields(SubmissionFacts.of(s)) for s in records
                                   if s.state in OPEN_WITH_CLOCK and s.due is not None
                                   and start <= s.due.date <= end), key=_by_id)
                actual = sorted(map(_due_fields, _capable(storage).due_facts(start, end)),
                                key=_by_id)
                _equal(expected, actual, f"seed {seed}: due_facts({start}, {end})")

    def test_received_on_is_the_local_date(self, storage: Storage) -> None:
        """17:30 UTC on 30 June is 00:30 on 1 July in Vietnam: July's, not June's."""
        june = sample_submission("sub-0001", received_at=dt.datetime(
            2021, 6, 30, 16, 59, 59, tzinfo=dt.UTC))
        july = sample_submission("sub-0002", received_at=dt.datetime(
            2021, 6, 30, 17, 30, tzinfo=dt.UTC))
        storage.commit(_new(june, july))
        facts = _capable(storage)
        for record, day, (start, end) in ((june, _JUNE_30, (_JUNE_1, _JUNE_30)),
                                          (july, _JULY_1, (_JULY_1, _JULY_31))):
            _equal([(record.id, day)],
                   [(f.id, f.received_on) for f in facts.report_facts(start, end)],
                   f"report_facts({start}, {end})")
            _equal(ReportInputs.from_facts([SubmissionFacts.of(record)]),
                   facts.report_inputs(start, end), f"report_inputs({start}, {end})")

    def test_an_empty_period_gives_nothing(self, storage: Storage) -> None:
        """No submission received or due in the period, on an empty backend and on one
        holding another period: no facts, and the inputs of nothing."""
        _nothing_before_july(_capable(storage), "an empty backend")
        storage.commit(_new(*(
            sample_submission(f"sub-{n}", state=state, due=_JULY_31, received_at=_IN_JULY)
            for n, state in enumerate(SubmissionState))))
        _nothing_before_july(_capable(storage), "a backend holding July")

    def test_only_current_versions_are_reported(self, storage: Storage) -> None:
        """After each update every query sees the submission once, as its newest version:
        escalated and due on its new date, then answered and due no more."""
        first = sample_submission("sub-0001", state=SubmissionState.ASSIGNED,
                                  department="Địa chính", due=dt.date(2021, 7, 5),
                                  received_at=_IN_JULY)
        storage.commit(_new(first))
        second, changes = _next(first, state=SubmissionState.ESCALATED, department="Tư pháp",
                                competent_level="UBND tỉnh",
                                due=_deadline(dt.date(2021, 7, 12), "written-answer"))
        storage.commit(changes)
        _only_current(_capable(storage), second, due=True)
        third, changes = _next(second, state=SubmissionState.ANSWERED, answer="Đã trả lời.",
                               answer_mode=AnswerMode.IN_WRITING,
                               answered_on=dt.date(2021, 7, 10))
        storage.commit(changes)
        _only_current(_capable(storage), third, due=False)

    def _load_reported(self, storage: Storage) -> list[Submission]:
        seed = self.report_seeds[0]
        return _load(storage, _rng(seed), self.reported_submissions, _random_reported)


_JUNE_1, _JUNE_30 = dt.date(2021, 6, 1), dt.date(2021, 6, 30)
_JULY_1, _JULY_31 = dt.date(2021, 7, 1), dt.date(2021, 7, 31)
_IN_JULY = dt.datetime(2021, 7, 15, 9, 0, tzinfo=VIETNAM_TZ)


def _capable(storage: Storage) -> ReportFacts:
    if not isinstance(storage, ReportFacts):
        # A failed contract check, not a caller's mistake.
        raise AssertionError(f"{type(storage).__name__} is not a ReportFacts")  # noqa: TRY004
    return storage


def _nothing_before_july(facts: ReportFacts, holding: str) -> None:
    """June 2021 and the year 2020 hold no facts, and the inputs of nothing."""
    for start, end in ((_JUNE_1, _JUNE_30), (dt.date(2020, 1, 1), dt.date(2020, 12, 31))):
        where = f"from {start} to {end}, {holding}"
        _equal([], list(facts.report_facts(start, end)), f"report_facts {where}")
        _equal([], list(facts.due_facts(start, end)), f"due_facts {where}")
        _equal(ReportInputs.from_facts(()), facts.report_inputs(start, end),
               f"report_inputs {where}")


def _only_current(facts: ReportFacts, current: Submission, *, due: bool) -> None:
    """July's queries see ``current`` once (due on its date if ``due``), and nothing is
    due on 5 July, the first version's due date."""
    of = SubmissionFacts.of(current)
    at = f"at version {current.version}"
    _equal([of], list(facts.report_facts(_JULY_1, _JULY_31)), f"report_facts {at}")
    _equal(ReportInputs.from_facts([of]), facts.report_inputs(_JULY_1, _JULY_31),
           f"report_inputs {at}")
    _equal([_due_fields(of)] if due else [],
           [_due_fields(f) for f in facts.due_facts(_JULY_1, _JULY_31)], f"due_facts {at}")
    _equal([], list(facts.due_facts(dt.date(2021, 7, 5), dt.date(2021, 7, 5))),
           f"due on the old date {at}")


def _received(records: Iterable[Submission], start: dt.date, end: dt.date,
              ) -> list[SubmissionFacts]:
    """The reference facts: the current version of each submission received in the period."""
    return sorted((f for f in map(SubmissionFacts.of, records) if start <= f.received_on <= end),
                  key=_by_id)


def _by_id(f: SubmissionFacts) -> str:
    """Ordered by id alone: a repeated id fails the comparison, not the sort."""
    return f.id


def _due_fields(f: SubmissionFacts) -> SubmissionFacts:
    """``f`` with the fields ``due_facts`` may leave as placeholders set to fixed ones."""
    return f._replace(channel="", answer_mode=None, received_on=dt.date.min, answered_on=None,
                      source="person")
