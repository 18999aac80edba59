"""``dialogue-flow demo``: the seed's 2021 plan played on the embedded storage.

Two dialogues (quarters II and III), submissions on the seed's topics received spoken,
written and collected beforehand by the Fatherland Front; answers on the spot, assignments,
an escalation to the district, an extension with a notice to the petitioner, a reopening,
the conclusion notices and the report due dates. The clock is a FixedClock moved by the
script, so every run prints the same timeline.

It replays 2021, so it keeps 2021's names: the district ("UBND huyện") was then the
competent level above a commune. Districts were abolished on 1 July 2025; today a commune
escalates to its province (``examples/province.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ._clock import FixedClock
from ._flow import DialogueFlow
from ._ids import SequentialIds
from ._labels import label
from ._records import Actor, Channel, CloseReason, Petitioner, Role, Submission
from ._report import period_title

__all__ = ["run_demo"]

_T = {
    "title": ("Kế hoạch tiếp xúc, đối thoại trực tiếp với Nhân dân năm 2021",
              "Plan of direct dialogue with the People, 2021"),
    "plan": ("Lập kế hoạch đối thoại", "Dialogue planned"),
    "announce_by": ("hạn thông báo", "announce by"),
    "announce": ("Thông báo cho Nhân dân", "Announced to the People"),
    "hold": ("Tổ chức đối thoại, số người dự", "Dialogue held, attendance"),
    "conclusion_due": ("hạn thông báo kết luận", "conclusion notice due"),
    "receive": ("Tiếp nhận", "Received"),
    "answer": ("Trả lời", "Answered"),
    "assign": ("Giao", "Assigned to"),
    "escalate": ("Chuyển", "Escalated to"),
    "in_2021": ("cấp huyện năm 2021, đã bỏ từ 01/7/2025",
                "the district in 2021, abolished on 1 July 2025"),
    "extend": ("Gia hạn đến", "Extended to"),
    "close": ("Kết thúc", "Closed"),
    "reopen": ("Mở lại", "Reopened"),
    "conclude": ("Thông báo kết luận: nội dung giao giải quyết",
                 "Conclusion notice: matters to resolve"),
    "due": ("hạn trả lời", "due"),
    "reports": ("Hạn báo cáo kết quả", "Report due dates"),
    "summary": ("Tổng hợp", "Summary"),
    "sweep": ("Nhắc việc", "Sweep"),
    "received": ("ý kiến", "received"),
    "on_time": ("đúng hạn", "on time"),
    "overdue": ("quá hạn", "overdue"),
    "report": ("Báo cáo", "Report"),
    "notices": ("Thông báo trong hộp thư đi", "Notifications in the outbox"),
}

_TOPICS = [
    ("quản lý đất đai", "Chậm cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình thôn 3."),
    ("bảo vệ rừng", "Đề nghị tăng cường tuần tra, chống khai thác trái phép rừng phòng hộ."),
    ("ô nhiễm môi trường", "Trại chăn nuôi xả thải ra kênh tưới tiêu của thôn 5."),
    ("sản xuất", "Đề nghị hỗ trợ giống lúa chịu hạn cho vụ hè thu."),
    ("xây dựng nông thôn mới", "Đường liên thôn xuống cấp, đề nghị đưa vào kế hoạch sửa chữa."),
    ("xây dựng Đảng", "Đề nghị công khai kết quả kiểm điểm cán bộ, đảng viên."),
    ("quản lý đất đai", "Tranh chấp ranh giới đất giữa hai hộ ở thôn 2 vượt thẩm quyền của xã."),
    ("ô nhiễm môi trường", "Rác thải chưa được thu gom thường xuyên ở chợ xã."),
]


def run_demo(url: str, *, language: str = "vi", echo: Callable[[str], None] = print) -> None:
    """Play the 2021 plan on the storage at ``url`` and print the timeline."""
    clock = FixedClock(dt.date(2021, 4, 1))
    with DialogueFlow.open(url, clock=clock, ids=SequentialIds(), language=language) as flow:
        _Demo(flow, clock, language, echo).play()


class _Demo:
    office = Actor("van-phong", "Văn phòng Đảng ủy", Role.OFFICE)
    chair = Actor("bi-thu", "Bí thư Đảng ủy", Role.CHAIR)
    intake = Actor("tiep-nhan", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
    land = Actor("dia-chinh", "Cán bộ Địa chính", Role.DEPARTMENT, department="Địa chính")
    farm = Actor("nong-nghiep", "Cán bộ Nông nghiệp", Role.DEPARTMENT, department="Nông nghiệp")

    def __init__(self, flow: DialogueFlow, clock: FixedClock, language: str,
                 echo: Callable[[str], None]) -> None:
        self.flow, self.clock, self.echo = flow, clock, echo
        self.en, self.language = language == "en", language
        self.received = 0

    def t(self, key: str) -> str:
        return _T[key][1 if self.en else 0]

    def label(self, vocabulary: str, key: str) -> str:
        """A state, channel, answer mode, close reason or outbox status in words."""
        return label(vocabulary, key, self.language)

    def line(self, text: str) -> None:
        self.echo(f"{self.clock.today().isoformat()}  {text}")

    def play(self) -> None:
        self.echo(self.t("title"))
        self.echo("=" * len(self.t("title")))
        for quarter, day in (("II", dt.date(2021, 6, 17)), ("III", dt.date(2021, 9, 16))):
            self.dialogue(quarter, day)
        self.advance(dt.date(2021, 12, 9))
        self.summary()

    def advance(self, day: dt.date) -> None:
        """Move the clock to ``day``, sweeping and dispatching every working day on the way,
        as an office's nightly job would, and print the notices each sweep wrote."""
        current = self.clock.today()
        while current < day:
            if self.flow.calendar.is_working_day(current):
                self.sweep(current)
            current += dt.timedelta(days=1)
        self.clock.set(day)

    def sweep(self, day: dt.date) -> None:
        self.clock.set(day)
        before = {n.key for n in self.flow.storage.pending_notifications()}
        self.flow.sweep()
        for note in self.flow.storage.pending_notifications():
            if note.key not in before:
                self.line(f"{self.t('sweep')}: {note.subject}")
        self.flow.dispatch(limit=1000)
        for rule in self.flow.policy.reports:
            if rule.compute(day.year, self.flow.calendar).date == day:
                period = str(day.year) if rule.period == "year" else f"{day.year}-{rule.period}"
                r = self.flow.report(period)
                rate = "-" if r.on_time_rate is None else f"{r.on_time_rate:.0%}"
                self.line(f"{self.t('report')} {period_title(period, self.language)}: "
                          f"{r.received} {self.t('received')}, "
                          f"{self.t('on_time')} {rate}, {self.t('overdue')} {len(r.overdue)}")

    # --- one dialogue, from plan to written answers --------------------------------------

    def dialogue(self, quarter: str, day: dt.date) -> None:
        flow, clock = self.flow, self.clock
        self.advance(day - dt.timedelta(days=20))
        d = flow.plan_dialogue(
            scheduled_for=day, title=f"Đối thoại quý {quarter}/2021", actor=self.office,
            venue="Hội trường UBND xã", chair=self.chair.id, expected_attendance=90,
            topics=sorted({topic for topic, _ in _TOPICS}))
        self.line(f"{self.t('plan')} {d.id} ({d.scheduled_for.isoformat()}); "
                  f"{self.t('announce_by')} {d.announce_by.date.isoformat()}")
        collected = [self.receive(d.id, Channel.COLLECTED) for _ in range(2)]
        self.advance(d.announce_by.date)
        d = flow.announce(d.id, actor=self.office)
        self.line(f"{self.t('announce')} ({self.label('dialogue_state', d.state)})")
        flow.prepare(collected[0].id, department="Địa chính", actor=self.office)

        self.advance(day)
        d = flow.hold(d.id, actor=self.office, actual_attendance=94 if quarter == "II" else 87)
        due = d.conclusion_due.date.isoformat() if d.conclusion_due else "-"
        self.line(f"{self.t('hold')} {d.actual_attendance}; {self.t('conclusion_due')} {due}")
        spoken = [self.receive(d.id, Channel.SPOKEN) for _ in range(3)]
        written = self.receive(d.id, Channel.WRITTEN)
        for s in (collected[1], spoken[0]):  # settled at the meeting: left out of the notice
            flow.answer(s.id, text="Đã trả lời trực tiếp tại hội nghị.", actor=self.chair)
            reason = CloseReason.SETTLED_AT_MEETING
            flow.close(s.id, outcome=reason, actor=self.intake)
            self.line(f"{self.t('answer')} + {self.t('close')}: {s.id} "
                      f"({self.label('close_reason', reason)})")
        self.assign(collected[0], "Địa chính")
        self.assign(spoken[1], "Nông nghiệp")
        if quarter == "II":
            s = flow.escalate(spoken[2].id, competent_level="UBND huyện", actor=self.chair)
            self.line(f"{self.t('escalate')} UBND huyện ({self.t('in_2021')}): {s.id}")
        else:
            self.assign(spoken[2], "Địa chính")
        self.assign(written, "Văn phòng")

        self.advance(flow.calendar.add_working_days(day, 6))
        d = flow.conclude(d.id, actor=self.chair)
        notice = d.conclusion
        items = notice.items if notice is not None else ()
        self.line(f"{self.t('conclude')} {len(items)}")
        for item in items:
            self.echo(f"            - {item.submission_id} → {item.responsible}, "
                      f"{self.t('due')} {item.due.isoformat()}")
        self.advance(flow.calendar.add_working_days(clock.today(), 15))
        self.written_answers(quarter, collected[0], spoken[1])

    def written_answers(self, quarter: str, answered: Submission, other: Submission) -> None:
        """Within the 30 working days: one answer accepted, then an extension or a reopening."""
        flow = self.flow
        s = flow.answer(answered.id, text="Đã cấp giấy chứng nhận.", actor=self.land)
        self.line(f"{self.t('answer')} {s.id} ({self.label('answer_mode', str(s.answer_mode))})")
        flow.close(s.id, outcome=CloseReason.ACCEPTED, actor=self.intake)
        self.line(f"{self.t('close')} {s.id} ({self.label('close_reason', CloseReason.ACCEPTED)})")
        if quarter == "II":
            current = flow.submission(other.id)
            base = current.due.date if current.due else self.clock.today()
            until = flow.calendar.add_working_days(base, 15)
            s = flow.extend(other.id, until=until, actor=self.chair,
                            reason="cần khảo sát thực địa, liên quan nhiều ngành")
            self.line(f"{self.t('extend')} {until.isoformat()}: {s.id}")
            return
        s = flow.answer(other.id, text="Đã hỗ trợ giống lúa.", actor=self.farm)
        self.line(f"{self.t('answer')} {s.id}")
        s = flow.reopen(s.id, reason="Người dân chưa đồng ý với mức hỗ trợ.", actor=self.intake)
        self.line(f"{self.t('reopen')} {s.id} → {self.label('state', s.state)}")
        self.assign(s, "Nông nghiệp")

    def receive(self, dialogue_id: str, channel: Channel) -> Submission:
        topic, content = _TOPICS[self.received % len(_TOPICS)]
        self.received += 1
        s = self.flow.receive(dialogue=dialogue_id,
                              petitioner=Petitioner(name=f"Công dân {self.received}"),
                              topic=topic, content=content, channel=channel, actor=self.intake)
        self.line(f"{self.t('receive')} {s.id} [{self.label('channel', channel)}] {topic}")
        return s

    def assign(self, s: Submission, department: str) -> Submission:
        s = self.flow.assign(s.id, department=department, actor=self.chair)
        self.line(f"{self.t('assign')} {department}: {s.id}")
        return s

    # --- the year's end --------------------------------------------------------------------

    def summary(self) -> None:
        self.echo("")
        self.echo(self.t("reports"))
        year = (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
        for due in self.flow.policy.reports_due(*year, self.flow.calendar):
            self.echo(f"  {due.deadline.date.isoformat()}  {self.t('report')} "
                      f"{period_title(due.period, self.language)}: {due.deadline.basis}")
        stats = self.flow.storage.outbox_stats()
        self.echo("")
        self.echo(f"{self.t('notices')}: " + ", ".join(
            f"{self.label('outbox_status', k)} {v}" for k, v in stats.items()))
        self.echo("")
        report = self.flow.report("2021")
        self.echo(self.flow.render_report(report, "md"))
