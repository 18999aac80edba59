"""Issued documents and their numbers (issue 18): per type (series), issuing organisation and
year, from 1, never reused (Hướng dẫn 36-HD/VPTW); a reprint keeps its number, a reissue
takes the next; recorded with the record they belong to.

Calendar facts (2021): the fixed clock stands at Tuesday 1 June; the dialogue is held on
Thursday 17 June.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    DialogueFlow,
    DocumentKind,
    FixedClock,
    InvalidInputError,
    IssuedDocument,
    MemoryStorage,
    NotFoundError,
    Organisation,
    PermissionDeniedError,
    Petitioner,
    Role,
    SequentialIds,
    SQLiteStorage,
)
from dialogue_flow._merge import MergeSource

DIALOGUE_DAY = dt.date(2021, 6, 17)


@pytest.fixture(params=["memory", "sqlite"])
def flow(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock,
         ids: SequentialIds) -> DialogueFlow:
    storage = MemoryStorage() if request.param == "memory" else SQLiteStorage(
        tmp_path / "store.db")
    return DialogueFlow(storage, clock=clock, ids=ids)


def _dialogue(flow: DialogueFlow, office: Actor, title: str = "Đối thoại quý II/2021") -> str:
    return flow.plan_dialogue(scheduled_for=DIALOGUE_DAY, title=title, actor=office).id


def _answered(flow: DialogueFlow, intake: Actor, chair: Actor) -> str:
    s = flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"), topic="đất đai",
                     content="Chậm cấp giấy chứng nhận.", actor=intake)
    return flow.answer(s.id, text="Đã cấp giấy chứng nhận ngày 20/6.", actor=chair).id


class TestNumbers:
    def test_each_series_counts_from_one_and_tb_is_shared(self, flow, clock, office, chair,
                                                          intake):
        """An announcement and a conclusion notice are both thông báo: TB 1, 2, 3; an answer
        is CV 1, a report BC 1."""
        d1, d2 = _dialogue(flow, office), _dialogue(flow, office, "Đối thoại quý III/2021")
        flow.announce(d1, actor=office)
        clock.set(DIALOGUE_DAY)
        flow.hold(d1, actor=office)
        flow.conclude(d1, actor=chair)
        issued = [flow.issue_document("announcement", d1, actor=office),
                  flow.issue_document(DocumentKind.ANNOUNCEMENT, flow.dialogue(d2), actor=chair),
                  flow.issue_document("conclusion_notice", d1, actor=chair),
                  flow.issue_document("answer", _answered(flow, intake, chair), actor=office),
                  flow.issue_document("report", "2021-H1", actor=office)]
        assert [("TB", 1), ("TB", 2), ("TB", 3), ("CV", 1), ("BC", 1)] == [
            (d.series, d.number) for d in issued]
        assert {DIALOGUE_DAY} == {d.issued_on for d in issued}
        assert ["vp", "bt", "bt", "vp", "vp"] == [d.issued_by for d in issued]

    def test_a_new_year_starts_again_at_one(self, flow, clock, office):
        """The year is that of the day issued; 2022 counts from 1 again."""
        clock.set(dt.date(2022, 1, 3))
        a = flow.issue_document("report", "2021-Y", actor=office, on=dt.date(2021, 12, 31))
        b = flow.issue_document("report", "2022-01", actor=office)
        c = flow.issue_document("report", "2021-Q4", actor=office, on=dt.date(2021, 12, 30))
        assert [(2021, 1), (2022, 1), (2021, 2)] == [(d.year, d.number) for d in (a, b, c)]

    def test_organisations_count_apart(self, flow, office):
        """Each organisation's office keeps its own register."""
        other = Actor("vp-b", "Văn phòng Đảng ủy xã B", Role.OFFICE, organisation_id="xa-b")
        a = flow.issue_document("report", "2021-H1", actor=office)
        b = flow.issue_document("report", "2021-H1", actor=other)
        assert [("default", 1), ("xa-b", 1)] == [(d.organisation_id, d.number) for d in (a, b)]

    def test_a_reprint_keeps_its_number_and_day(self, flow, clock, office, chair):
        """The same kind about the same dialogue again, even days later by someone else."""
        d = _dialogue(flow, office)
        first = flow.issue_document("announcement", d, actor=office)
        clock.set(dt.date(2021, 6, 4))
        assert first == flow.issue_document("announcement", d, actor=chair)
        assert [first] == flow.documents(subject_id=d)

    def test_a_reissue_takes_a_new_number_never_reused(self, flow, office):
        """The old number stays used: the next document is numbered after the reissue."""
        d = _dialogue(flow, office)
        first = flow.issue_document("announcement", d, actor=office)
        again = flow.issue_document("announcement", d, actor=office, reissue=True)
        other = flow.issue_document("announcement", _dialogue(flow, office, "Khác"),
                                    actor=office)
        assert (1, 2, 3) == (first.number, again.number, other.number)
        assert again == flow.issue_document("announcement", d, actor=office)
        assert [first, again] == flow.documents(subject_id=d)

    def test_issuing_writes_no_new_version_of_the_record(self, flow, office):
        """A document is kept beside its record: the dialogue and its trail are unchanged."""
        d = flow.dialogue(_dialogue(flow, office))
        flow.issue_document("announcement", d, actor=office)
        assert (d, 1) == (flow.dialogue(d.id), len(flow.history(d)))

    def test_documents_are_listed_by_organisation_subject_and_kind(self, flow, office):
        d = _dialogue(flow, office)
        a = flow.issue_document("announcement", d, actor=office)
        r = flow.issue_document("report", "2021-H1", actor=office)
        assert [a, r] == flow.documents()
        assert [a, r] == flow.documents(organisation="default")
        assert [r] == flow.documents(kind=DocumentKind.REPORT)
        assert [a] == flow.documents(subject_id=d, kind="announcement")
        assert [] == flow.documents(organisation="xa-b")


class TestRefusals:
    def test_a_department_may_not_issue(self, flow, office, department):
        with pytest.raises(PermissionDeniedError, match="issue_document"):
            flow.issue_document("announcement", _dialogue(flow, office), actor=department)
        assert [] == flow.documents()

    def test_the_standing_committee_may(self, flow, office):
        member = Actor("btv", "Ủy viên Ban Thường vụ", Role.STANDING_COMMITTEE)
        assert 1 == flow.issue_document("report", "2021-H1", actor=member).number

    def test_another_organisations_record_or_report(self, flow, office):
        other = Actor("vp-b", "Văn phòng Đảng ủy xã B", Role.OFFICE, organisation_id="xa-b")
        with pytest.raises(PermissionDeniedError):
            flow.issue_document("announcement", _dialogue(flow, office), actor=other)
        with pytest.raises(PermissionDeniedError):
            flow.issue_document("report", "2021-H1", actor=other, organisation="default")
        assert [] == flow.documents()

    @pytest.mark.parametrize(("kind", "subject", "field"), [
        ("minutes", "2021-H1", "kind"),
        ("report", "2021 H1", "subject"),
        ("report", 2021, "subject"),
        ("answer", "dlg", "subject"),  # a dialogue where a submission is wanted (below)
    ])
    def test_a_bad_kind_or_subject(self, flow, office, kind, subject, field):
        if subject == "dlg":
            subject = flow.dialogue(_dialogue(flow, office))
        with pytest.raises(InvalidInputError) as caught:
            flow.issue_document(kind, subject, actor=office)
        assert field == caught.value.field
        assert [] == flow.documents()

    def test_a_subject_not_ready(self, flow, office, intake):
        """No conclusion notice before the dialogue is concluded; no answer before the
        matter is answered; no announcement of a cancelled dialogue."""
        d = _dialogue(flow, office)
        with pytest.raises(InvalidInputError, match="no conclusion notice"):
            flow.issue_document("conclusion_notice", d, actor=office)
        s = flow.receive(petitioner=Petitioner(name="Nguyễn Văn A"), topic="đất đai",
                         content="Chậm cấp giấy chứng nhận.", actor=intake)
        with pytest.raises(InvalidInputError, match="no written answer"):
            flow.issue_document("answer", s.id, actor=office)
        flow.cancel(d, reason="Mưa bão", actor=office)
        with pytest.raises(InvalidInputError, match="cancelled"):
            flow.issue_document("announcement", d, actor=office)
        with pytest.raises(NotFoundError):
            flow.issue_document("announcement", "dlg-none", actor=office)

    def test_bad_day_organisation_or_flag(self, flow, office):
        d = _dialogue(flow, office)
        with pytest.raises(InvalidInputError, match="future"):
            flow.issue_document("announcement", d, actor=office, on=dt.date(2021, 6, 2))
        with pytest.raises(InvalidInputError) as caught:
            flow.issue_document("announcement", d, actor=office, organisation="xa-b")
        assert "organisation" == caught.value.field
        with pytest.raises(InvalidInputError):
            flow.issue_document("announcement", d, actor=office, reissue="yes")
        with pytest.raises(InvalidInputError):
            flow.documents(kind="minutes")
        assert [] == flow.documents()


class TestRecord:
    def test_a_record_names_the_field_it_refuses(self):
        good = IssuedDocument("default", "report", "BC", 2021, 1, "report", "2021-H1",
                              dt.date(2021, 6, 3), "vp")
        for field, value in [("kind", "minutes"), ("series", "TB"), ("year", 2022),
                             ("number", -1), ("subject_kind", "dialogue"),
                             ("subject_id", ""), ("issued_on", "2021-06-03"),
                             ("organisation_id", "xa b"), ("issued_by", None)]:
            with pytest.raises(InvalidInputError) as caught:
                attrs.evolve(good, **{field: value})
            assert caught.value.field.startswith("IssuedDocument.")

    def test_series_of_each_kind(self):
        assert ["TB", "TB", "CV", "BC"] == [kind.series for kind in DocumentKind]


# --- merge ---------------------------------------------------------------------------------


def test_a_merged_stores_documents_keep_their_numbers_outside_the_targets_sequence(
        tmp_path, clock, office):
    """The source's BC 1 comes over as printed; the target's next report is its own BC 2."""
    source = DialogueFlow(SQLiteStorage(tmp_path / "a.db"), clock=clock, ids=SequentialIds())
    d = _dialogue(source, office)
    announced = source.issue_document("announcement", d, actor=office)
    merged = source.issue_document("report", "2021-H1", actor=office)
    source.shutdown()
    target = DialogueFlow(SQLiteStorage(tmp_path / "b.db"), clock=clock, ids=SequentialIds())
    target.add_organisation(Organisation("xa-a", "Đảng ủy xã A", "commune"))
    clerk = Actor("vp-a", "Văn phòng Đảng ủy xã A", Role.OFFICE, organisation_id="xa-a")
    own = target.issue_document("report", "2021-H1", actor=clerk)
    held = _dialogue(target, clerk)  # takes dlg-0001: the source's is renamed
    with SQLiteStorage(tmp_path / "a.db") as store:
        report = target.merge([MergeSource(store, "xa-a", label="a")])
    d_new = {old: new for _kind, old, new in report.sources[0].renamed}[d]
    moved = [attrs.evolve(announced, organisation_id="xa-a", subject_id=d_new),
             attrs.evolve(merged, organisation_id="xa-a")]
    assert [own, *moved] == target.documents()
    assert own == target.issue_document("report", "2021-H1", actor=clerk)  # its own first
    assert moved[0] == target.issue_document("announcement", d_new, actor=clerk)  # a reprint
    assert 2 == target.issue_document("report", "2021-H2", actor=clerk).number
    assert 1 == target.issue_document("announcement", held, actor=clerk).number


# --- the property ----------------------------------------------------------------------------

_ORGS = ("default", "xa-b")
_YEARS = (2021, 2022)
_step = st.tuples(st.sampled_from(_ORGS), st.sampled_from(_YEARS),
                  st.sampled_from(list(DocumentKind)), st.integers(0, 3), st.booleans())


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(_step, max_size=40))
def test_numbers_of_each_sequence_are_one_to_n_without_gap_or_repeat(backend, steps):
    """Any mix of issues, reprints and reissues across organisations and years: per
    (organisation, series, year) the numbers are exactly 1..n, n the documents recorded."""
    storage = MemoryStorage() if backend == "memory" else SQLiteStorage(":memory:")
    flow = DialogueFlow(storage, clock=FixedClock(dt.date(2022, 12, 31)), ids=SequentialIds())
    expected_new = 0
    seen: set[tuple[str, str, str]] = set()
    for org, year, kind, n, reissue in steps:
        actor = Actor(f"vp-{org}", "Văn phòng", Role.OFFICE, organisation_id=org)
        scope = f"{year}-S{n}-{kind}"
        before = len(flow.documents())
        document = flow.issue_document("report", scope, actor=actor,
                                       on=dt.date(year, 3, 1)) if kind is DocumentKind.REPORT \
            else flow.storage.issue_document(
                IssuedDocument(org, kind, kind.series, year, 0, kind.subject_kind,
                               f"rec-{n}", dt.date(year, 3, 1), actor.id), reissue=reissue)
        fresh = (reissue and kind is not DocumentKind.REPORT) or (
            (org, kind.value, document.subject_id) not in seen)
        seen.add((org, kind.value, document.subject_id))
        expected_new += int(fresh)
        assert len(flow.documents()) == before + int(fresh)
    documents = flow.documents()
    assert expected_new == len(documents)
    sequences: dict[tuple[str, str, int], list[int]] = {}
    for d in documents:
        sequences.setdefault((d.organisation_id, d.series, d.year), []).append(d.number)
    for numbers in sequences.values():
        assert list(range(1, len(numbers) + 1)) == numbers  # in issue order, too
    flow.shutdown()
