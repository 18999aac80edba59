"""``dialogue-flow demo --province``: a province and its communes in one store (issue 19).

The two-tier structure since 1 July 2025 (docs/domain.md, "Since 2025"): a fictional
province, "Tỉnh ủy Mẫu", with three communes directly under it, the tree of
``examples/province-tree.toml``. In the first months of 2026 each commune holds a dialogue,
receives its citizens' opinions, settles some at the meeting, assigns others to its
departments and escalates what is beyond it to the province, which assigns those to its
own departments; the sweep runs every working day. What a reference host shows a
province: its communes' open and overdue matters, the matters escalated to it, the
roll-up. The clock is a FixedClock moved by the script, so every run is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ._clock import FixedClock
from ._flow import DialogueFlow
from ._ids import SequentialIds
from ._records import Actor, Channel, CloseReason, Organisation, Petitioner, Role

__all__ = ["PROVINCE_TREE", "run_province_demo"]

PROVINCE = "tinh-mau"

#: The tree of examples/province-tree.toml.
PROVINCE_TREE = (
    Organisation(PROVINCE, "Tỉnh ủy Mẫu", "province", reception_dates=(15,),
                 bodies=("Văn phòng Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy",
                         "Ban Nội chính Tỉnh ủy", "Sở Nông nghiệp và Môi trường", "Sở Xây dựng")),
    Organisation("xa-mau-dong", "Đảng ủy xã Mẫu Đông", "commune", parent_id=PROVINCE,
                 reception_dates=(10, 25),
                 bodies=("Văn phòng Đảng ủy", "Phòng Kinh tế", "Địa chính")),
    Organisation("xa-mau-tay", "Đảng ủy xã Mẫu Tây", "commune", parent_id=PROVINCE,
                 bodies=("Văn phòng Đảng ủy", "Phòng Kinh tế", "Địa chính")),
    Organisation("phuong-mau-nam", "Đảng ủy phường Mẫu Nam", "commune", parent_id=PROVINCE,
                 bodies=("Văn phòng Đảng ủy", "Phòng Kinh tế, Hạ tầng và Đô thị")),
)

#: What citizens raise: (topic, content, what the commune does with it).
_MATTERS = (
    ("đất đai", "Chậm cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình.", "assign"),
    ("giao thông", "Đường liên xã xuống cấp, đề nghị nâng cấp.", "escalate"),
    ("môi trường", "Cơ sở chăn nuôi xả thải ra kênh tưới tiêu.", "escalate"),
    ("an sinh xã hội", "Đề nghị xem xét hỗ trợ hộ cận nghèo.", "answer"),
    ("xây dựng Đảng", "Đề nghị công khai kết quả kiểm điểm cán bộ.", "assign"),
)

_NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em")


def _actor(org: str, role: Role, department: str | None = None) -> Actor:
    return Actor(f"{role.value}.{org}", f"{role.value} ({org})", role, department=department,
                 organisation_id=org)


def run_province_demo(url: str, *, echo: Callable[[str], None] = print) -> None:
    """Play the province's first months of 2026 on the storage at ``url``."""
    clock = FixedClock(dt.date(2026, 1, 5))
    with DialogueFlow.open(url, clock=clock, ids=SequentialIds(), create=True) as flow:
        for org in PROVINCE_TREE:
            flow.add_organisation(org)
        communes = [o for o in PROVINCE_TREE if o.parent_id == PROVINCE]
        for n, commune in enumerate(communes):
            _commune_dialogue(flow, clock, commune, dt.date(2026, 3, 10 + 7 * n), n)
        _advance(flow, clock, dt.date(2026, 5, 15))
        for org in PROVINCE_TREE:
            page = flow.submissions(organisation=org.id, limit=1000)
            overdue = flow.submissions(organisation=org.id, overdue_as_of=clock.today(),
                                       limit=1000)
            echo(f"{org.name}: {len(page.items)} ý kiến, kiến nghị; "
                 f"{len(overdue.items)} quá hạn")
        rollup = flow.rollup("2026-H1", organisation=PROVINCE)
        echo(f"Báo cáo tổng hợp 6 tháng đầu năm 2026: {rollup.total.received} ý kiến, "
             f"kiến nghị; {len(rollup.total.escalated)} chuyển cấp có thẩm quyền")


def _commune_dialogue(flow: DialogueFlow, clock: FixedClock, commune: Organisation,
                      day: dt.date, n: int) -> None:
    office = _actor(commune.id, Role.OFFICE)
    chair = _actor(commune.id, Role.CHAIR)
    intake = _actor(commune.id, Role.INTAKE_DESK)
    _advance(flow, clock, day - dt.timedelta(days=20))
    d = flow.plan_dialogue(scheduled_for=day, title=f"Đối thoại quý I/2026 — {commune.name}",
                           actor=office, venue="Hội trường UBND", chair=chair.id,
                           topics=sorted({topic for topic, _, _ in _MATTERS}),
                           expected_attendance=80)
    _advance(flow, clock, d.announce_by.date)
    flow.announce(d.id, actor=office)
    _advance(flow, clock, day)
    flow.hold(d.id, actor=office, actual_attendance=75 + 5 * n)
    for i, (topic, content, decision) in enumerate(_MATTERS):
        s = flow.receive(petitioner=Petitioner(name=_NAMES[(i + n) % len(_NAMES)],
                                               phone=f"09123456{n}{i}"),
                         topic=topic, content=content, actor=intake, dialogue=d.id,
                         channel=Channel.SPOKEN)
        if decision == "answer":
            flow.answer(s.id, text="Đã trả lời trực tiếp tại hội nghị.", actor=chair)
            flow.close(s.id, outcome=CloseReason.SETTLED_AT_MEETING, actor=intake)
        elif decision == "assign":
            flow.assign(s.id, department=commune.bodies[-1], actor=chair)
        else:
            body = "Sở Xây dựng" if topic == "giao thông" else "Sở Nông nghiệp và Môi trường"
            flow.escalate(s.id, to=PROVINCE, body=body, actor=chair)
    _advance(flow, clock, flow.calendar.add_working_days(day, 5))
    flow.conclude(d.id, actor=chair)
    # The province assigns what reached it; one of its departments answers the road.
    province_chair = _actor(PROVINCE, Role.CHAIR)
    for s in flow.submissions(organisation=PROVINCE, state="received", limit=100).items:
        flow.assign(s.id, department=s.competent_level or "Văn phòng Tỉnh ủy",
                    actor=province_chair)
    if n == 0:
        _advance(flow, clock, flow.calendar.add_working_days(clock.today(), 10))
        for s in flow.submissions(organisation=PROVINCE, state="assigned", limit=100).items:
            if s.topic == "giao thông":
                flow.answer(s.id, text="Đã đưa vào kế hoạch nâng cấp năm 2026.",
                            actor=_actor(PROVINCE, Role.DEPARTMENT, s.department or ""))


def _advance(flow: DialogueFlow, clock: FixedClock, day: dt.date) -> None:
    """Move the clock to ``day``, sweeping every working day on the way (the nightly job)."""
    current = clock.today()
    while current < day:
        if flow.calendar.is_working_day(current):
            clock.set(current)
            flow.sweep()
        current += dt.timedelta(days=1)
    clock.set(day)
