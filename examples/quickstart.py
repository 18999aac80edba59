"""Walk one dialogue of the 2021 plan from planning to completion.

Run it with ``uv run python examples/quickstart.py``. Every deadline is printed with the
rule behind it and the days skipped, so a clerk can check it by hand.
"""

from datetime import date

from dialogue_flow import Actor, DialogueFlow, FixedClock, Petitioner, Role, SequentialIds

office = Actor("vp", "Văn phòng Đảng ủy", Role.OFFICE)
chair = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)
intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
land_office = Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT, department="Địa chính")

clock = FixedClock(date(2021, 6, 1))
flow = DialogueFlow.open("memory://", clock=clock, ids=SequentialIds())

# The office plans the dialogue of quarter II and announces it in time.
d = flow.plan_dialogue(scheduled_for=date(2021, 6, 17), title="Đối thoại quý II/2021",
                       venue="Hội trường UBND xã", topics=["đất đai", "bảo vệ rừng"],
                       expected_attendance=90, actor=office)
print("Announce by:", d.announce_by.explain())
d = flow.announce(d.id, actor=office)

# The meeting: one matter answered on the spot, one assigned to the land office.
clock.set(date(2021, 6, 17))
d = flow.hold(d.id, actor=office, actual_attendance=94)
print("Conclusion notice due:", d.conclusion_due.explain() if d.conclusion_due else "-")
forest = flow.receive(dialogue=d.id, petitioner=Petitioner(name="Trần Thị B"), topic="bảo vệ rừng",
                      content="Đề nghị tăng cường tuần tra rừng phòng hộ.", actor=intake)
land = flow.receive(dialogue=d.id, petitioner=Petitioner(name="Nguyễn Văn A"), topic="đất đai",
                    content="Chậm cấp giấy chứng nhận quyền sử dụng đất.", actor=intake)
forest = flow.answer(forest.id, text="Xã đã bố trí tổ tuần tra từ tháng 7.", actor=chair)
forest = flow.close(forest.id, outcome="settled_at_meeting", actor=intake)
land = flow.assign(land.id, department="Địa chính", actor=chair)

# Within 10 days the chair's conclusion notice sets the 30-working-day clock.
clock.set(date(2021, 6, 25))
d = flow.conclude(d.id, actor=chair)
land = flow.submission(land.id)
assert land.due is not None
print("Written answer due:", land.due.explain())

# The land office answers in writing; the petitioner accepts; the dialogue completes.
clock.set(date(2021, 7, 20))
land = flow.answer(land.id, text="Đã cấp giấy chứng nhận ngày 19/7/2021.", actor=land_office)
land = flow.close(land.id, outcome="accepted", actor=intake)
print("Dialogue:", flow.dialogue(d.id).state)
for row in flow.history(flow.dialogue(d.id)):
    print(f"  v{row.version} {row.event}: {row.source} -> {row.dest} by {row.actor_id}")
