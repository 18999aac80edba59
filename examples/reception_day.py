"""A commune's periodic citizen reception days (tiếp công dân định kỳ, Conclusion
215-KL/TW): fixed dates, announced in advance, held or cancelled and replaced, petitions
received there, the monthly minimum and the calendar the People subscribe to.

Run it with ``uv run python examples/reception_day.py``. The commune is one of the fictional
province in ``examples/province-tree.toml``, whose secretary receives citizens on the 10th and
the 25th of each month.
"""

from datetime import date
from pathlib import Path

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    Petitioner,
    Role,
    SequentialIds,
)

TREE = Path(__file__).with_name("province-tree.toml")
COMMUNE = "xa-mau-dong"

clock = FixedClock(date(2026, 2, 23))
flow = DialogueFlow.open("memory://", clock=clock, ids=SequentialIds())
flow.load_organisations(TREE)
office = Actor("vp", "Văn phòng Đảng ủy xã", Role.OFFICE, organisation_id=COMMUNE)
intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK, organisation_id=COMMUNE)

# March's days from the fixed dates: Tuesday 10 and Wednesday 25 March 2026; announced now.
days = flow.schedule_receptions("2026-03", actor=office, venue="Trụ sở Đảng ủy xã",
                                host="Bí thư Đảng ủy xã")
for day in days:
    flow.announce_reception(day.id, actor=office)
    print(f"{day.id}: {day.scheduled_for} announced")
first, second = days

# The sweep of 23 February checks March against the minimum (commune 2, province 1 a
# month): this commune is covered, the province and the other communes are told.
swept = flow.sweep()
short = sorted(n.organisation_id for n in flow.storage.pending_notifications()
               if n.event == "reception_schedule_short")
print(f"sweep {swept.today}: reception schedules short for {', '.join(short)}")
assert COMMUNE not in short

# 10 March: five citizens come; two petitions are received there, each on the processing
# clock (10 working days).
clock.set(first.scheduled_for)
for topic, who in (("đất đai", "Nguyễn Văn K"), ("đường giao thông", "Phạm Thị L")):
    s = flow.receive(petitioner=Petitioner(name=who), topic=topic,
                     content="Kiến nghị tại buổi tiếp công dân.", actor=intake,
                     reception=first.id)
    assert s.due is not None
    print(f"{s.id} ({s.channel}) {topic}: decide by {s.due.date}")
held = flow.hold_reception(first.id, actor=office, citizens=5,
                           received_by=["Bí thư Đảng ủy xã", "Chủ tịch UBND xã"])
print(f"{held.id}: held, {held.citizens} citizens")

# The 25th clashes with a meeting of the provincial committee: replaced by Friday 27th.
cancelled = flow.cancel_reception(second.id, actor=office, reason="Dự hội nghị Tỉnh ủy",
                                  replacement=date(2026, 3, 27))
assert cancelled.replaced_by is not None
flow.announce_reception(cancelled.replaced_by, actor=office)
print(f"{second.id}: cancelled, replaced by {cancelled.replaced_by} on 2026-03-27")

month = flow.reception_month(COMMUNE, "2026-03")
print(f"March: held {month.held}, to come {month.planned}, minimum {month.minimum}")
assert (month.held, month.planned, month.short) == (1, 1, False)

# The calendar the commune posts (the ics extra: pip install 'dialogue-flow[ics]').
try:
    ics = flow.calendar_ics(COMMUNE, start=date(2026, 3, 1), end=date(2026, 3, 31))
except ConfigurationError as exc:
    print(exc)
else:
    print(f"calendar: {ics.count(b'BEGIN:VEVENT')} events, e.g.")
    print(b"\n".join(ics.splitlines()[6:14]).decode())
