"""One store for a province and its communes: a commune escalates, the province answers,
the commune's petitioner is told; then the six-month figures per commune.

Run it with ``uv run python examples/province.py``. The tree (a fictional province with
three communes) is ``examples/province-tree.toml``.
"""

from datetime import date
from pathlib import Path

from dialogue_flow import Actor, DialogueFlow, FixedClock, Petitioner, Role, SequentialIds

TREE = Path(__file__).with_name("province-tree.toml")
PROVINCE, EAST, WEST = "tinh-mau", "xa-mau-dong", "xa-mau-tay"

clock = FixedClock(date(2026, 3, 2))
flow = DialogueFlow.open("memory://", clock=clock, ids=SequentialIds())
flow.load_organisations(TREE)


def actor(org: str, role: Role) -> Actor:
    """Every level has the same roles: a chair, an office, an intake desk."""
    return Actor(f"{role.value}.{org}", f"{role.value} ({org})", role, organisation_id=org)


# Two communes record what citizens raised.
road = flow.receive(petitioner=Petitioner(name="Lê Văn C"), topic="giao thông",
                    content="Đường liên xã xuống cấp, cần nâng cấp.",
                    actor=actor(EAST, Role.INTAKE_DESK))
flow.receive(petitioner=Petitioner(name="Phạm Thị D"), topic="đất đai",
             content="Chậm cấp giấy chứng nhận.", actor=actor(WEST, Role.INTAKE_DESK))
flow.assign(road.id, department="Phòng Kinh tế", actor=actor(EAST, Role.CHAIR))

# The road is beyond the commune's authority: it goes to the province's Sở Xây dựng.
clock.set(date(2026, 3, 5))
origin = flow.escalate(road.id, to=PROVINCE, body="Sở Xây dựng",
                       actor=actor(EAST, Role.CHAIR))
assert origin.transferred_to is not None
linked = flow.submission(origin.transferred_to)
assert origin.due is not None
assert origin.due == linked.due  # the province's clock, never overdue at the commune
print(f"{origin.id} at {EAST}: {origin.state}, with {origin.competent_level}, "
      f"due {origin.due.date} on the province's clock")
print(f"{linked.id} at {PROVINCE}: {linked.state}, from {linked.origin_id}")

# The province answers; the commune's matter takes the answer and tells the petitioner.
clock.set(date(2026, 4, 1))
flow.answer(linked.id, text="Tỉnh đã bố trí vốn nâng cấp trong năm 2026.",
            actor=actor(PROVINCE, Role.CHAIR))
flow.close(linked.id, outcome="accepted", actor=actor(PROVINCE, Role.CHAIR))
origin = flow.submission(origin.id)
print(f"{origin.id} at {EAST}: {origin.state} ({origin.close_reason}): {origin.answer}")
told = [n.subject for n in flow.storage.pending_notifications()
        if n.record_id == origin.id and n.audience == "petitioner"]
print("the petitioner was told:", *told, sep="\n  ")
assert sum(1 for t in told if "Trả lời" in t) == 1  # the answer reached them once

# The province's six-month roll-up: its own matters, one row per commune, the total,
# addressed to the recipients of Conclusion 215-KL/TW.
rollup = flow.rollup("2026-H1", organisation=PROVINCE)
print()
print(flow.render_rollup(rollup, "md"))
assert rollup.total.received == sum(row.report.received for row in rollup.rows) == 3
