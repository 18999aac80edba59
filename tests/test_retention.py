"""Retention of personal data per organisation, applied by the daily sweep (issue 17, part
1): a closed matter's petitioner is erased once its organisation's period is past, in
batches, idempotently; erasing keeps every report figure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    Organisation,
    Petitioner,
    Redaction,
    Role,
    SequentialIds,
    Submission,
    WorkCalendar,
)
from dialogue_flow._retention import retention_start
from dialogue_flow._settings import read_settings
from dialogue_flow._tree import read_tree

START = dt.date(2021, 6, 1)
INTAKE = Actor("tn", "Tiếp nhận", Role.INTAKE_DESK)


def _flow(calendar: WorkCalendar, **options: object) -> tuple[DialogueFlow, FixedClock]:
    clock = FixedClock(START)
    return DialogueFlow(MemoryStorage(), clock=clock, ids=SequentialIds(), calendar=calendar,
                        **options), clock  # type: ignore[arg-type]


def _closed(flow: DialogueFlow, petitioner: Petitioner, actor: Actor = INTAKE) -> Submission:
    s = flow.receive(petitioner=petitioner, topic="Đường", content="Trước nhà ông Lê C",
                     actor=actor)
    return flow.close(s.id, outcome="withdrawn", actor=actor)


def _erased(flow: DialogueFlow, s: Submission) -> bool:
    return flow.storage.get_submission(s.id).petitioner.redaction is Redaction.ERASED


class TestSweep:
    def test_erased_once_the_period_is_past(self, calendar: WorkCalendar,
                                            petitioner: Petitioner) -> None:
        """Closed on 1 June 2021 under one year: kept on 1 June 2022, erased the day
        after; an open matter never; a second sweep erases nothing more."""
        flow, _clock = _flow(calendar, retention={"commune": "1y"})
        closed = _closed(flow, petitioner)
        still_open = flow.receive(petitioner=petitioner, topic="t", content="c", actor=INTAKE)
        assert 0 == flow.sweep(dt.date(2022, 6, 1)).erased
        assert not _erased(flow, closed)
        assert 1 == flow.sweep(dt.date(2022, 6, 2)).erased
        assert (True, False) == (_erased(flow, closed), _erased(flow, still_open))
        assert ["receive", "close", "erase"] == [r.event for r in flow.history(closed)]
        assert 0 == flow.sweep(dt.date(2022, 6, 3)).erased

    def test_no_retention_erases_nothing(self, calendar: WorkCalendar,
                                         petitioner: Petitioner) -> None:
        """Without a period for the organisation or its level, nothing is ever erased."""
        flow, _clock = _flow(calendar, retention={"province": "1y"})
        closed = _closed(flow, petitioner)
        assert 0 == flow.sweep(dt.date(2040, 1, 1)).erased
        assert not _erased(flow, closed)

    def test_an_organisations_own_period_wins(self, calendar: WorkCalendar,
                                              petitioner: Petitioner) -> None:
        """The commune keeps 90 days by its own setting, its level says 5 years."""
        flow, _clock = _flow(calendar, retention={"commune": "5y"})
        flow.add_organisation(Organisation("xa", "Xã", "commune", retention="90d"))
        closed = _closed(flow, petitioner, Actor("tn", "TN", Role.INTAKE_DESK,
                                                 organisation_id="xa"))
        other = _closed(flow, petitioner)  # the default organisation: a commune, 5 years
        assert 1 == flow.sweep(START + dt.timedelta(days=91)).erased
        assert (True, False) == (_erased(flow, closed), _erased(flow, other))

    def test_in_batches(self, calendar: WorkCalendar, petitioner: Petitioner) -> None:
        """More closed matters than one commit takes are all erased."""
        flow, _clock = _flow(calendar, retention={"commune": "30d"})
        matters = [_closed(flow, petitioner) for _ in range(450)]
        assert 450 == flow.sweep(START + dt.timedelta(days=40)).erased
        assert all(_erased(flow, s) for s in matters)

    def test_only_the_organisations_swept(self, calendar: WorkCalendar,
                                          petitioner: Petitioner) -> None:
        flow, _clock = _flow(calendar, retention={"commune": "30d"})
        flow.add_organisation(Organisation("xa", "Xã", "commune"))
        closed = _closed(flow, petitioner)
        assert 0 == flow.sweep(START + dt.timedelta(days=40), organisation="xa").erased
        assert not _erased(flow, closed)


class TestPeriods:
    @pytest.mark.parametrize(("today", "period", "start"), [
        (dt.date(2026, 3, 2), "5y", dt.date(2021, 3, 2)),
        (dt.date(2026, 3, 31), "1m", dt.date(2026, 2, 28)),
        (dt.date(2024, 2, 29), "1y", dt.date(2023, 2, 28)),
        (dt.date(2026, 1, 15), "13m", dt.date(2024, 12, 15)),
        (dt.date(2026, 3, 2), "90d", dt.date(2025, 12, 2)),
    ])
    def test_calendar_periods(self, today: dt.date, period: str, start: dt.date) -> None:
        assert start == retention_start(today, period)

    @pytest.mark.parametrize("period", ["5", "0y", "5 y", "5w", "-1d", 5, "10000y"])
    def test_bad_periods_are_refused(self, period: object) -> None:
        with pytest.raises(InvalidInputError, match="retention"):
            Organisation("xa", "Xã", "commune", retention=period)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="retention"):
            DialogueFlow(MemoryStorage(), retention={"commune": period})  # type: ignore[dict-item]

    def test_from_a_tree_file(self) -> None:
        [org] = read_tree('[[organisation]]\nid = "xa"\nname = "Xã"\nlevel = "commune"\n'
                          'retention = "3y"\n')
        assert "3y" == org.retention

    def test_from_the_settings_file(self, tmp_path: Path) -> None:
        path = tmp_path / "dialogue-flow.toml"
        path.write_text('storage = "memory://"\n[retention]\ncommune = "5y"\n',
                        encoding="utf-8")
        settings_ = read_settings(path)
        assert {"commune": "5y"} == settings_.retention
        with settings_.open_flow(DialogueFlow, create=True) as flow:
            assert {"commune": "5y"} == flow.retention
        path.write_text('[retention]\ncommune = "5 years"\n', encoding="utf-8")
        with pytest.raises(ConfigurationError, match=r"retention\.commune"):
            read_settings(path)


_MATTER = st.tuples(st.sampled_from(["person", "group", "anonymous"]),
                    st.sampled_from(["Đường", "Điện", "Đất đai"]),
                    st.sampled_from(["open", "assigned", "closed"]), st.booleans())


@given(st.lists(_MATTER, min_size=1, max_size=12))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_erasing_keeps_every_report_figure(matters: list[tuple[str, str, str, bool]]) -> None:
    """Whatever is erased, the report of the period is the same figure for figure (it
    counts persons, groups and anonymous opinions by the petitioner's source)."""
    flow = DialogueFlow(MemoryStorage(), clock=FixedClock(START), ids=SequentialIds())
    chair = Actor("bt", "Bí thư", Role.CHAIR)
    chosen = []
    for n, (source, topic, state, erase) in enumerate(matters):
        petitioner = {"person": Petitioner(f"Người {n}", phone=f"09000000{n:02d}"),
                      "group": Petitioner(group="Tổ 3", name=f"Người {n}", members=3),
                      "anonymous": Petitioner.anonymous()}[source]
        s = flow.receive(petitioner=petitioner, topic=topic, content="c", actor=INTAKE)
        if state == "assigned":
            s = flow.assign(s.id, department="Địa chính", actor=chair)
        elif state == "closed":
            s = flow.close(s.id, outcome="withdrawn", actor=chair)
        if erase:
            chosen.append(s)
    before = flow.report("2021-06")
    for s in chosen:
        flow.erase_petitioner(actor=chair, reason="r", submission=s.id)
    assert attrs.asdict(before) == attrs.asdict(flow.report("2021-06"))
