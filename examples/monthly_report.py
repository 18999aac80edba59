"""A commune's monthly report under Conclusion 215-KL/TW, with the clock every petition runs
on from the day it is received.

Run it with ``uv run python examples/monthly_report.py``. The commune is one of the
fictional province in ``examples/province-tree.toml``.

In March 2026 the commune receives three letters. One is answered within its 10 working
days (the processing clock of the Law on Citizen Reception 2013, art. 28), one is accepted
for handling (its written-answer clock starts) and one is left undecided: the sweep of
1 April reports it overdue. The month's report names its recipients.
"""

from datetime import date
from pathlib import Path

from dialogue_flow import Actor, DialogueFlow, FixedClock, Petitioner, Role, SequentialIds

TREE = Path(__file__).with_name("province-tree.toml")
COMMUNE = "xa-mau-dong"

clock = FixedClock(date(2026, 3, 2))
flow = DialogueFlow.open("memory://", clock=clock, ids=SequentialIds())
flow.load_organisations(TREE)
intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK, organisation_id=COMMUNE)
chair = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR, organisation_id=COMMUNE)


def letter(topic: str, who: str) -> str:
    received = flow.receive(petitioner=Petitioner(name=who), topic=topic,
                            content="Đơn kiến nghị gửi Đảng ủy xã.", actor=intake,
                            channel="written")
    assert received.due is not None  # a clock from the day it is received
    print(f"{received.id} {topic}: decide by {received.due.date} ({received.due.rule_id})")
    return received.id


lights, market, drains = (letter("chiếu sáng", "Nguyễn Văn E"), letter("chợ", "Trần Thị G"),
                          letter("thoát nước", "Lê Văn H"))

clock.set(date(2026, 3, 9))
flow.answer(lights, text="Đã lắp lại đèn đường thôn 3.", actor=chair)
accepted = flow.accept(market, actor=chair)
assert accepted.due is not None
print(f"{market} accepted for handling: written answer by {accepted.due.date}")

# Nobody decided on the drains: the sweep of 1 April tells the chair, once.
swept = flow.sweep(date(2026, 4, 1), organisation=COMMUNE)
print(f"sweep 2026-04-01: {swept.overdue_matters} overdue, {swept.overdue_notices} new notice")
assert (swept.overdue_matters, swept.overdue_notices) == (1, 1)

report = flow.report("2026-03", organisation=COMMUNE, as_of=date(2026, 4, 1))
assert report.received == 3
assert [item.submission_id for item in report.overdue] == [drains]
assert report.recipients[0] == "Bí thư Tỉnh ủy"
print()
print(flow.render_report(report, "md"))
