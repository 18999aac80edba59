"""Anonymous and group opinions (issue 16, item 8): recorded, and counted apart in reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    Petitioner,
    SequentialIds,
    WorkCalendar,
)


def test_an_opinion_without_a_name_is_recorded(flow: DialogueFlow, office: Actor,
                                               intake: Actor) -> None:
    """At a meeting somebody speaks without giving a name."""
    d = flow.plan_dialogue(title="Đối thoại", scheduled_for=date(2021, 6, 17), actor=office)
    s = flow.receive(dialogue=d.id, petitioner=Petitioner.anonymous(), topic="môi trường",
                     content="Rác thải tồn đọng ở chợ.", actor=intake)
    assert (None, "anonymous") == (s.petitioner.name, s.petitioner.source)


def test_a_group_speaks_together(flow: DialogueFlow, intake: Actor) -> None:
    p = Petitioner(group="Chi hội Nông dân thôn 3", members=12, name="Trần Văn B")
    s = flow.receive(petitioner=p, topic="thủy lợi", content="Kênh mương xuống cấp.",
                     actor=intake, channel="collected")
    assert ("group", 12, "Trần Văn B") == (s.petitioner.source, s.petitioner.members,
                                            s.petitioner.name)


@pytest.mark.parametrize(("fields", "field"), [
    ({"members": 5}, "Petitioner.members"),
    ({"group": "Tổ dân phố 2", "members": 1}, "Petitioner.members"),
    ({"group": "  "}, "Petitioner.group"),
])
def test_a_group_needs_a_name_and_members_a_group(fields: dict[str, object],
                                                  field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        Petitioner(**fields)  # type: ignore[arg-type]
    assert field == info.value.field


def test_personal_data_stays_withheld() -> None:
    assert "Chi hội" not in repr(Petitioner(group="Chi hội Nông dân", name="Lê Thị C"))


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_reports_count_them_apart(backend: str, tmp_path: Path,
                                  calendar: WorkCalendar, intake: Actor) -> None:
    """The same counts whether the report is computed from records (memory) or from the
    SQLite covering index."""
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 'a.db'}"
    flow = DialogueFlow.open(url, clock=FixedClock(date(2021, 6, 1)), ids=SequentialIds(),
                             calendar=calendar)
    for p in (Petitioner("A"), Petitioner.anonymous(), Petitioner.anonymous(),
              Petitioner(group="Hội Phụ nữ thôn 1")):
        flow.receive(petitioner=p, topic="t", content="c", actor=intake,
                     channel="written")
    report = flow.report("2021-06")
    assert (4, 2, 1) == (report.received, report.anonymous_opinions, report.group_opinions)
    data = json.loads(flow.render_report(report, "json"))
    assert (2, 1) == (data["anonymous_opinions"], data["group_opinions"])
    flow.shutdown()


def test_a_report_with_personal_data_names_the_group(flow: DialogueFlow, intake: Actor,
                                                     clock: FixedClock) -> None:
    flow.receive(petitioner=Petitioner(group="Tổ dân phố 2", name="Phạm D"), topic="t",
                 content="c", actor=intake, channel="written")
    flow.receive(petitioner=Petitioner.anonymous(), topic="t", content="c",
                 actor=intake, channel="written")
    clock.set(date(2021, 7, 30))
    report = flow.report("2021-06", include_personal_data=True, actor=intake)
    assert ["Tổ dân phố 2 (Phạm D)", None] == [i.petitioner for i in report.overdue]
