"""Organisations in a store, and queries by organisation, as part of the storage contract
(issue 14)."""

from __future__ import annotations

import datetime as dt

import attrs

from dialogue_flow import (
    DEFAULT_ORGANISATION,
    Channel,
    DayOverride,
    Level,
    NotFoundError,
    Organisation,
    Petitioner,
    Redaction,
    Submission,
    SubmissionKind,
    SubmissionState,
    TransitionRecord,
    VersionConflictError,
)
from dialogue_flow.storage import (
    Changeset,
    DialogueQuery,
    OutboxStatus,
    ReportFacts,
    ReportInputs,
    Storage,
    SubmissionFacts,
    SubmissionQuery,
)

from ._fakes import T0, sample_dialogue, sample_notification, sample_submission
from ._support import _equal, _raises, _true

_BOARD = "Ban Tuyên giáo và Dân vận Tỉnh ủy"
_PROVINCE = Organisation("tinh-a", "Tỉnh ủy A", Level.PROVINCE, bodies=(_BOARD,),
                         calendar_overrides=(DayOverride(dt.date(2025, 10, 7), "Nghỉ do bão"),))
_COMMUNE = Organisation("xa-a1", "Đảng ủy xã A1", Level.COMMUNE, parent_id="tinh-a")


#: The due date of the matters of :func:`_transferred`.
_DUE = dt.date(2021, 7, 1)


def _transferred() -> list[Submission]:
    """A commune's matter transferred to its province (both due on :data:`_DUE`, the
    province's clock), the province's linked matter, and a matter the commune escalated
    outside the store (waiting there on its own clock)."""
    return [
        sample_submission("sub-0001", state=SubmissionState.ESCALATED, due=_DUE,
                          organisation_id="xa-a1", competent_level="Tỉnh ủy A",
                          transferred_to="sub-0002"),
        sample_submission("sub-0002", due=_DUE, organisation_id="tinh-a",
                          origin_id="sub-0001", channel=Channel.TRANSFERRED),
        sample_submission("sub-0003", state=SubmissionState.ESCALATED, due=_DUE,
                          organisation_id="xa-a1", competent_level="Bộ Xây dựng"),
    ]


def _row(organisation: Organisation) -> TransitionRecord:
    return TransitionRecord(kind=Organisation.KIND, record_id=organisation.id,
                            version=organisation.version, event="add", source=None,
                            dest="recorded", actor_id="tester", at=T0)


class OrganisationContract:
    """Organisations are records a changeset writes; queries filter by organisation."""

    def test_organisations_are_stored_and_listed_by_id(self, storage: Storage) -> None:
        storage.commit(Changeset(((_COMMUNE, 0), (_PROVINCE, 0)),
                                 (_row(_PROVINCE), _row(_COMMUNE))))
        _equal(_COMMUNE, storage.get_organisation("xa-a1"), "get_organisation")
        _equal([_PROVINCE, _COMMUNE], storage.find_organisations(), "find_organisations")
        for root, below in (("tinh-a", {"tinh-a", "xa-a1"}), ("xa-a1", {"xa-a1"}),
                            ("xa-b9", set())):
            _equal(frozenset(below), storage.organisation_subtree(root),
                   f"organisation_subtree({root!r})")
        _equal([_row(_PROVINCE)], storage.history("organisation", "tinh-a"),
               "an organisation's audit trail")
        _raises(NotFoundError, storage.get_organisation, "xa-b1")

    def test_organisations_change_by_compare_and_set(self, storage: Storage) -> None:
        storage.commit(Changeset(((_PROVINCE, 0),)))
        renamed = attrs.evolve(_PROVINCE, name="Tỉnh ủy A (mới)", version=2)
        storage.commit(Changeset(((renamed, 1),)))
        _raises(VersionConflictError, storage.commit,
                Changeset(((attrs.evolve(_PROVINCE, version=2), 1),)))
        _equal(renamed, storage.get_organisation("tinh-a"), "after a stale write")

    def test_queries_by_organisation(self, storage: Storage) -> None:
        subs = [sample_submission("sub-0001"),
                sample_submission("sub-0002", organisation_id="xa-a1"),
                sample_submission("sub-0003", organisation_id="tinh-a")]
        dialogues = [sample_dialogue("dlg-0001", organisation_id="xa-a1"),
                     sample_dialogue("dlg-0002")]
        storage.commit(Changeset((*((s, 0) for s in subs), *((d, 0) for d in dialogues))))
        for chosen in ({"xa-a1"}, {"xa-a1", "tinh-a"}, {DEFAULT_ORGANISATION}, {"xa-b9"}):
            orgs = frozenset(chosen)
            _equal([s for s in subs if s.organisation_id in orgs],
                   storage.find_submissions(SubmissionQuery(organisations=orgs)),
                   f"submissions of {sorted(orgs)}")
            _equal([d for d in dialogues if d.organisation_id in orgs],
                   storage.find_dialogues(DialogueQuery(organisations=orgs)),
                   f"dialogues of {sorted(orgs)}")

    def test_transferred_matters_are_never_due_where_they_came_from(
            self, storage: Storage) -> None:
        """A matter transferred to another organisation of the store (``transferred_to``
        set) carries the receiving side's due date, but every due-date filter, and the
        count, leaves it out (issue 15): the matter there is the one due or overdue.
        Without a due-date filter it is listed as any other; once ``transferred_to`` is
        cleared (handed back) the filters find it again."""
        origin, linked, outside = subs = _transferred()
        storage.commit(Changeset(tuple((s, 0) for s in subs)))
        everywhere = frozenset({"xa-a1", "tinh-a"})
        due_queries = [
            SubmissionQuery(overdue_as_of=_DUE + dt.timedelta(days=1)),
            SubmissionQuery(due_on_or_before=_DUE), SubmissionQuery(due_on_or_after=_DUE),
            SubmissionQuery(overdue_as_of=_DUE + dt.timedelta(days=1), order_by="due",
                            organisations=everywhere),
            SubmissionQuery(due_on_or_before=_DUE, organisations=frozenset({"xa-a1"}))]
        for query in due_queries:
            expected = [s.id for s in (linked, outside) if query.within(s)]
            _equal(expected, [s.id for s in storage.find_submissions(query)], repr(query))
            _equal(len(expected), storage.count_submissions(query), f"count of {query!r}")
        _equal(subs, storage.find_submissions(SubmissionQuery(organisations=everywhere)),
               "listed without a due-date filter")
        _equal([origin, outside], storage.find_submissions(SubmissionQuery(
            states=frozenset({SubmissionState.ESCALATED}), order_by="due")),
               "escalated, by due date")
        returned = attrs.evolve(origin, version=2, state=SubmissionState.RECEIVED,
                                transferred_to=None, competent_level=None)
        storage.commit(Changeset(((returned, 1),)))
        for query in due_queries:
            _equal([s.id for s in (returned, linked, outside) if query.within(s)],
                   [s.id for s in storage.find_submissions(query)],
                   f"handed back: {query!r}")

    def test_a_confidential_matter_and_its_withheld_copy_read_back(
            self, storage: Storage) -> None:
        """Issue 17: a denunciation keeps its petitioner's identity in the store (the
        library withholds it from readers, not the backend), and the copy the province
        received without it reads back withheld, still the group it was."""
        origin, linked, _outside = _transferred()
        kept = attrs.evolve(origin, kind=SubmissionKind.DENUNCIATION, confidential=True,
                            petitioner=Petitioner("Trần Thị B", phone="0912345678",
                                                  group="Tổ dân phố 2"))
        copy = attrs.evolve(linked, confidential=True,
                            petitioner=kept.petitioner.redacted(Redaction.WITHHELD))
        storage.commit(Changeset(((kept, 0), (copy, 0))))
        _equal([kept, copy], [storage.get_submission(kept.id),
                              storage.get_submission(copy.id)], "read back")
        _equal([kept, copy], storage.find_submissions(SubmissionQuery()), "found")
        _equal("group", storage.get_submission(copy.id).petitioner.source, "its source")

    def test_outbox_by_organisation(self, storage: Storage) -> None:
        """Outbox rows carry their notification's organisation: stats and parked rows by
        organisation; ``None`` is the whole outbox."""
        notes = [sample_notification("n-1"), sample_notification("n-2", organisation_id="xa-a1"),
                 sample_notification("n-3", organisation_id="xa-a1"),
                 sample_notification("n-4", organisation_id="tinh-a")]
        storage.commit(Changeset((), notifications=tuple(notes)))
        claimed = storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        for entry in claimed:  # park n-1 and n-3, deliver the others
            if entry.key in {"n-1", "n-3"}:
                storage.mark_failed(entry.key, "w1", "unreachable", None)
            else:
                storage.mark_delivered(entry.key, "w1")
        for chosen, stats, parked in (
                (None, (0, 2, 2), ["n-1", "n-3"]), ({"xa-a1"}, (0, 1, 1), ["n-3"]),
                ({"xa-a1", "tinh-a"}, (0, 2, 1), ["n-3"]),
                ({DEFAULT_ORGANISATION}, (0, 0, 1), ["n-1"]), ({"xa-b9"}, (0, 0, 0), [])):
            orgs = None if chosen is None else frozenset(chosen)
            counts = dict(zip(("pending", "delivered", "parked"), stats, strict=True))
            _equal({**dict.fromkeys((s.value for s in OutboxStatus), 0), **counts},
                   storage.outbox_stats(orgs), f"outbox_stats of {chosen}")
            found = storage.parked_notifications(10, orgs)
            _equal(parked, [e.key for e in found], f"parked of {chosen}")
            _equal([n for n in notes if n.key in parked], [e.notification for e in found],
                   "parked notifications read back whole")

    def test_claims_by_organisation(self, storage: Storage) -> None:
        """A dispatcher per committee claims only its organisations' notifications, oldest
        first; another dispatcher still gets the rest."""
        notes = [sample_notification("n-1", organisation_id="xa-a1"), sample_notification("n-2"),
                 sample_notification("n-3", organisation_id="tinh-a"),
                 sample_notification("n-4", organisation_id="xa-a1")]
        storage.commit(Changeset((), notifications=tuple(notes)))
        lease = dt.timedelta(minutes=1)
        mine = storage.claim_notifications("w-xa", T0, lease, 10, frozenset({"xa-a1"}))
        _equal(["n-1", "n-4"], [e.key for e in mine], "claimed for xa-a1")
        _equal([], storage.claim_notifications("w-none", T0, lease, 10, frozenset()),
               "claimed for no organisation")
        rest = storage.claim_notifications("w-all", T0, lease, 10)
        _equal(["n-2", "n-3"], [e.key for e in rest], "claimed by a store-wide dispatcher")


class OrganisationReportContract:
    """An organisation's report from a :class:`~dialogue_flow.storage.ReportFacts`
    backend's indexes: the reference of its submissions only (part of
    ``ReportFactsContract``)."""

    def test_report_inputs_of_some_organisations(self, storage: Storage) -> None:
        if not isinstance(storage, ReportFacts):
            raise TypeError("ReportFactsContract runs on ReportFacts backends only")
        subs = [sample_submission(f"sub-{n:04d}", organisation_id=org, topic=topic,
                                  state=state, department=dept, due=due)
                for n, (org, topic, state, dept, due) in enumerate([
                    ("xa-a1", "đất đai", "assigned", "Địa chính", dt.date(2021, 6, 5)),
                    ("xa-a1", "môi trường", "received", None, None),
                    ("xa-a2", "đất đai", "assigned", "Địa chính", dt.date(2021, 7, 1)),
                    ("tinh-a", "giao thông", "escalated", None, dt.date(2021, 6, 9)),
                    (DEFAULT_ORGANISATION, "đất đai", "received", None, None)], start=1)]
        storage.commit(Changeset(tuple((s, 0) for s in subs)))
        start, end = dt.date(2021, 1, 1), dt.date(2021, 12, 31)
        for chosen in ({"xa-a1"}, {"xa-a1", "xa-a2", "tinh-a"}, {"xa-b9"}, None):
            orgs = None if chosen is None else frozenset(chosen)
            expected = ReportInputs.from_facts(
                SubmissionFacts.of(s) for s in subs
                if orgs is None or s.organisation_id in orgs)
            _equal(expected, storage.report_inputs(start, end, orgs),
                   f"report inputs of {chosen}")
            due = sorted(f.id for f in storage.due_facts(dt.date(2021, 6, 1),
                                                          dt.date(2021, 6, 30), orgs))
            _equal(sorted(s.id for s in subs if s.due is not None
                          and s.due.date <= dt.date(2021, 6, 30)
                          and (orgs is None or s.organisation_id in orgs)),
                   due, f"due facts of {chosen}")
            _true(all(f.organisation_id in (orgs or {f.organisation_id}) for f in
                      storage.due_facts(dt.date(2021, 6, 1), dt.date(2021, 6, 30), orgs)),
                  "due facts name their organisation")


    def test_transferred_matters_in_reports_and_sweeps(self, storage: Storage) -> None:
        """Report facts say where a matter was transferred (a report lists it as awaiting
        the competent level, not overdue); due facts leave it out (the sweep reminds about
        the matter there)."""
        if not isinstance(storage, ReportFacts):
            raise TypeError("ReportFactsContract runs on ReportFacts backends only")
        subs = _transferred()
        storage.commit(Changeset(tuple((s, 0) for s in subs)))
        start, end = dt.date(2021, 6, 1), dt.date(2021, 6, 30)
        facts = [SubmissionFacts.of(s) for s in subs]
        _equal("sub-0002", facts[0].transferred_to, "SubmissionFacts.of")
        _equal(facts, sorted(storage.report_facts(start, end)), "report facts")
        for orgs in (None, frozenset({"xa-a1"})):
            _equal(ReportInputs.from_facts(f for f in facts
                                           if orgs is None or f.organisation_id in orgs),
                   storage.report_inputs(start, end, orgs), f"report inputs of {orgs}")
            _equal([s.id for s in subs[1:] if orgs is None or s.organisation_id in orgs],
                   sorted(f.id for f in storage.due_facts(_DUE, _DUE, orgs)),
                   f"due facts of {orgs}")


class DashboardContract:
    """A dashboard's page: open matters of some organisations by due date, and the total
    (part of :class:`~dialogue_flow.testing.StorageContract`)."""

    def test_order_by_due_pages_and_total(self, storage: Storage) -> None:
        dues = [dt.date(2021, 6, 9), None, dt.date(2021, 6, 1), dt.date(2021, 6, 9), None,
                dt.date(2021, 7, 1), dt.date(2021, 6, 1)]
        subs = [sample_submission(f"sub-{n:04d}", due=due, state="assigned",
                                  department="Địa chính",
                                  organisation_id="xa-a1" if n % 3 else "xa-a2")
                for n, due in enumerate(dues, start=1)]
        storage.commit(Changeset(tuple((s, 0) for s in subs)))
        for orgs in (None, frozenset({"xa-a1"})):
            base = SubmissionQuery(order_by="due", organisations=orgs, limit=2)
            expected = sorted((s for s in subs if base.within(s)), key=base.sort_key)
            seen: list[Submission] = []
            query = base
            while True:
                page = storage.find_submissions(query)
                seen += page
                if len(page) < query.limit:
                    break
                query = attrs.evolve(base, after=base.cursor(page[-1]))
            _equal([s.id for s in expected], [s.id for s in seen],
                   f"pages by due date of {orgs}")
            _equal(len(expected), storage.count_submissions(base), f"total of {orgs}")
