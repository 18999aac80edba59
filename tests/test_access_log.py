"""The access log (issue 17, part 1): every read of personal data through the library is
recorded (who, when, why, which records; ids only) and read back with filters."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue_flow import (
    VIETNAM_TZ,
    AccessEntry,
    Actor,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    NotFoundError,
    Organisation,
    Petitioner,
    Role,
    Submission,
)
from pii_support import MARKERS


def _receive(flow: DialogueFlow, actor: Actor, petitioner: Petitioner,
             topic: str = "Đường thôn 3") -> Submission:
    return flow.receive(petitioner=petitioner, topic=topic, content="Đường hỏng",
                        actor=actor)


class TestLogAccess:
    def test_one_entry_per_organisation_of_the_records(self, flow: DialogueFlow,
                                                       intake: Actor, office: Actor,
                                                       petitioner: Petitioner) -> None:
        """A read covering two organisations' records is one entry for each, naming only
        its own records, at the clock's instant."""
        flow.add_organisation(Organisation("xa-b", "Xã B", level="commune"))
        other = Actor("tn-b", "Tiếp nhận xã B", Role.INTAKE_DESK, organisation_id="xa-b")
        a1, a2 = _receive(flow, intake, petitioner), _receive(flow, intake, petitioner)
        b1 = _receive(flow, other, petitioner)
        flow._log_access(office, "report", [a2, b1, a1, a1])
        now = flow.clock.now()
        assert [AccessEntry(at=now, actor_id="vp", organisation_id="default",
                            purpose="report", record_ids=(a1.id, a2.id), seq=1),
                AccessEntry(at=now, actor_id="vp", organisation_id="xa-b",
                            purpose="report", record_ids=(b1.id,), seq=2)] == list(
                                flow.access_log())

    def test_no_records_no_entry(self, flow: DialogueFlow, office: Actor) -> None:
        """A read that found nothing writes nothing."""
        flow._log_access(office, "find", [])
        assert [] == list(flow.access_log())

    def test_holds_no_personal_data(self, flow: DialogueFlow, intake: Actor, office: Actor,
                                    petitioner: Petitioner) -> None:
        """An entry names ids, never the petitioner's name, address or phone."""
        s = _receive(flow, intake, petitioner)
        flow._log_access(office, "report", [s])
        text = repr(list(flow.access_log()))
        assert [] == [marker for marker in MARKERS if marker in text]

    def test_refuses_what_is_not_a_submission(self, flow: DialogueFlow,
                                              office: Actor) -> None:
        """Records are submissions; anything else is a caller's mistake."""
        with pytest.raises(InvalidInputError, match="records"):
            flow._log_access(office, "report", ["sub-1"])  # type: ignore[list-item]


class TestAccessLogQuery:
    @pytest.fixture
    def logged(self, flow: DialogueFlow, clock: FixedClock, intake: Actor, office: Actor,
               chair: Actor, petitioner: Petitioner) -> list[Submission]:
        """Three reads on three days: office reads s1 (1 June), chair s1 and s2 (2 June),
        office s2 (3 June)."""
        s1, s2 = _receive(flow, intake, petitioner), _receive(flow, intake, petitioner)
        for actor, records in ((office, [s1]), (chair, [s1, s2]), (office, [s2])):
            flow._log_access(actor, "report", records)
            clock.advance(days=1)
        return [s1, s2]

    def test_filters(self, flow: DialogueFlow, office: Actor,
                     logged: list[Submission]) -> None:
        """By actor (or its id), by record (or its id), by days (both included)."""
        s1, s2 = logged

        def seqs(**filters: object) -> list[int | None]:
            return [e.seq for e in flow.access_log(**filters)]  # type: ignore[arg-type]

        assert [1, 3] == seqs(actor=office) == seqs(actor="vp")
        assert [1, 2] == seqs(record=s1) == seqs(record=s1.id)
        assert [2, 3] == seqs(record=s2.id)
        assert [2] == seqs(start=dt.date(2021, 6, 2), end=dt.date(2021, 6, 2))
        assert [2, 3] == seqs(start=dt.date(2021, 6, 2))
        assert [1] == seqs(end=dt.date(2021, 6, 1))
        assert [1, 2, 3] == seqs(organisation="default")

    def test_pages(self, flow: DialogueFlow, logged: list[Submission]) -> None:
        """``next_after`` leads to the next page; the last page has none."""
        first = flow.access_log(limit=2)
        assert ([1, 2], "2") == ([e.seq for e in first], first.next_after)
        last = flow.access_log(limit=2, after=first.next_after)
        assert ([3], None) == ([e.seq for e in last], last.next_after)

    def test_days_are_vietnamese_days(self, flow: DialogueFlow, clock: FixedClock,
                                      office: Actor, intake: Actor,
                                      petitioner: Petitioner) -> None:
        """A read at 23:30 UTC on 1 June is on 2 June in Hà Nội."""
        s = _receive(flow, intake, petitioner)
        clock.set(dt.datetime(2021, 6, 1, 23, 30, tzinfo=dt.UTC))
        flow._log_access(office, "report", [s])
        assert 1 == len(flow.access_log(start=dt.date(2021, 6, 2), end=dt.date(2021, 6, 2)))
        assert dt.datetime(2021, 6, 2, 6, 30, tzinfo=VIETNAM_TZ) == flow.access_log(
            ).items[0].at

    @pytest.mark.parametrize(("filters", "field"), [
        ({"start": dt.date(2021, 6, 2), "end": dt.date(2021, 6, 1)}, "end"),
        ({"after": "x"}, "after"),
        ({"actor": ""}, "actor"),
        ({"limit": 0}, "limit"),
        ({"start": "2021-06-01"}, "start"),
    ])
    def test_bad_filters_are_refused(self, flow: DialogueFlow, filters: dict[str, object],
                                     field: str) -> None:
        """Each bad filter is an InvalidInputError naming it."""
        with pytest.raises(InvalidInputError) as info:
            flow.access_log(**filters)  # type: ignore[arg-type]
        assert field == info.value.field

    def test_unknown_organisation(self, flow: DialogueFlow) -> None:
        """An organisation the store does not hold is NotFoundError, as for every query."""
        with pytest.raises(NotFoundError):
            flow.access_log(organisation="xa-khong-co")
