"""The web host's meetings' screens (issue 19, W2): planning a dialogue, the commands its
state allows, the intake desk recording opinions during the meeting, and the conclusion
notice as a .docx file; a version conflict, a missing CSRF token and a role the policy
refuses; the words in Vietnamese and in English."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pytest
from dialogue_flow_web import WebConfig, create_app
from starlette.testclient import TestClient
from web_support import CHAIR, OFFICE, csrf_of, forms_of, log_in, version_of

from dialogue_flow import (
    ConfigurationError,
    DialogueFlow,
    DialogueState,
    FixedClock,
    SubmissionState,
)

#: The fixtures (a module, not a conftest.py: see web_fixtures).
pytest_plugins = ["web_fixtures"]

DAY = dt.date(2026, 3, 16)  # two weeks after the fixtures' Monday


def plan(client: TestClient, title: str = "Đối thoại quý I") -> str:
    """Plan a dialogue from the list page's form; its id (from the redirect)."""
    page = client.get("/meetings")
    answer = client.post("/meetings", follow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "title": title, "scheduled_for": DAY.isoformat(),
        "venue": "Nhà văn hóa thôn 3", "topics": "Đất đai\nMôi trường"})
    assert 303 == answer.status_code, answer.text
    found = re.fullmatch(r"/meetings/([^/]+)", answer.headers["location"])
    assert found is not None
    return found.group(1)


def act(client: TestClient, dialogue_id: str, command: str, **fields: str) -> int:
    """Submit ``command``'s form from the dialogue's page as shown; the status."""
    page = client.get(f"/meetings/{dialogue_id}")
    assert command in forms_of(page.text), forms_of(page.text)
    answer = client.post(f"/meetings/{dialogue_id}/{command}", follow_redirects=False,
                         data={"csrf_token": csrf_of(page.text),
                               "version": version_of(page.text), **fields})
    return answer.status_code


def test_a_full_cycle_from_planning_to_the_conclusion_notice(
        client: TestClient, flow: DialogueFlow, clock: FixedClock) -> None:
    """The office plans and announces a dialogue and records that it is held; the intake
    desk records three opinions (each one POST and a redirect back to the form); the chair
    decides them on their matter pages and concludes; the conclusion notice downloads as a
    .docx with its title and number."""
    log_in(client, "vp")
    dialogue_id = plan(client)
    listing = client.get("/meetings").text
    assert "Đối thoại quý I" in listing
    assert "Kế hoạch" in listing  # the state's label
    assert ["announce", "reschedule", "cancel"] == forms_of(
        client.get(f"/meetings/{dialogue_id}").text)
    assert 303 == act(client, dialogue_id, "announce")
    assert DialogueState.ANNOUNCED == flow.dialogue(dialogue_id).state

    clock.set(DAY)
    assert 303 == act(client, dialogue_id, "hold", actual_attendance="85")
    held = flow.dialogue(dialogue_id)
    assert (DialogueState.HELD, 85) == (held.state, held.actual_attendance)
    assert "Hạn thông báo kết luận" in client.get("/meetings").text

    log_in(client, "tn")
    opinions = [("Đất đai", "Chậm cấp giấy chứng nhận.", "Nguyễn Văn Bình", "0912345678",
                 "spoken"),
                ("Môi trường", "Bãi rác gây ô nhiễm.", "", "", "written"),
                ("Đất đai", "Đường vào thôn bị lấn chiếm.", "", "", "spoken")]
    for topic, content, name, phone, channel in opinions:
        page = client.get(f"/meetings/{dialogue_id}")
        assert re.search(r"<textarea name=\"content\"[^>]*autofocus", page.text)
        answer = client.post(f"/meetings/{dialogue_id}/opinions", follow_redirects=False,
                             data={"csrf_token": csrf_of(page.text), "topic": topic,
                                   "content": content, "name": name, "phone": phone,
                                   "channel": channel})
        # No fragment: a URL naming an element cancels the content field's autofocus.
        assert (303, f"/meetings/{dialogue_id}") == (
            answer.status_code, answer.headers["location"])
    page = client.get(f"/meetings/{dialogue_id}").text
    assert "(3)" in page
    assert "Bãi rác gây ô nhiễm." in page
    assert "Nguyễn Văn Bình" not in page  # no personal data on the list
    assert "0912345678" not in page
    recorded = flow.submissions(dialogue_id=dialogue_id).items
    assert 3 == len(recorded)

    log_in(client, "bt")
    for s, (command, fields) in zip(recorded, [
            ("answer", {"text": "Sẽ cấp trong tháng 4.", "mode": "on_the_spot"}),
            ("assign", {"department": "Địa chính"}),
            ("assign", {"department": "Văn hóa"})], strict=True):
        matter = client.get(f"/matters/{s.id}").text
        answer = client.post(f"/matters/{s.id}/{command}", follow_redirects=False,
                             data={"csrf_token": csrf_of(matter),
                                   "version": version_of(matter), **fields})
        assert 303 == answer.status_code, answer.text
    assert 303 == act(client, dialogue_id, "conclude")
    assert DialogueState.CONCLUDED == flow.dialogue(dialogue_id).state
    assert all(flow.submission(s.id).state is not SubmissionState.RECEIVED
               for s in recorded)

    page = client.get(f"/meetings/{dialogue_id}").text
    assert "Thông báo kết luận (.docx)" in page
    notice = client.post(f"/meetings/{dialogue_id}/documents/conclusion_notice",
                         data={"csrf_token": csrf_of(page)})
    assert 200 == notice.status_code, notice.text
    assert notice.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = docx.Document(io.BytesIO(notice.content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)  # the number: a table
    assert "THÔNG BÁO" in text
    assert "Số" in text


def test_announcing_a_dialogue_another_clerk_changed_is_a_conflict(
        client: TestClient, flow: DialogueFlow) -> None:
    """The page showed version 1; another clerk rescheduled it meanwhile: announcing with
    the version seen is HTTP 409, "changed by someone else", and nothing is written."""
    log_in(client, "vp")
    dialogue_id = plan(client)
    page = client.get(f"/meetings/{dialogue_id}")
    flow.reschedule(dialogue_id, scheduled_for=DAY + dt.timedelta(days=7), actor=CHAIR,
                    reason="Trùng lịch họp huyện")
    answer = client.post(f"/meetings/{dialogue_id}/announce", data={
        "csrf_token": csrf_of(page.text), "version": version_of(page.text)})
    assert 409 == answer.status_code
    assert "Hội nghị này vừa được người khác thay đổi" in answer.text  # a meeting's words
    assert f'href="/meetings/{dialogue_id}" id="reload"' in answer.text
    assert DialogueState.PLANNED == flow.dialogue(dialogue_id).state


def test_a_form_without_the_csrf_token_is_refused(client: TestClient,
                                                  flow: DialogueFlow) -> None:
    """Planning, a command and an opinion without the session's token are HTTP 403 and
    write nothing."""
    log_in(client, "vp")
    dialogue_id = plan(client)
    assert 403 == client.post("/meetings", data={
        "title": "Khác", "scheduled_for": DAY.isoformat()}).status_code
    assert 403 == client.post(f"/meetings/{dialogue_id}/announce",
                              data={"version": "1"}).status_code
    assert 403 == client.post(f"/meetings/{dialogue_id}/opinions", data={
        "csrf_token": "forged", "topic": "Đất đai", "content": "Ý kiến."}).status_code
    assert 1 == len(flow.dialogues().items)
    assert DialogueState.PLANNED == flow.dialogue(dialogue_id).state
    assert 0 == len(flow.submissions(dialogue_id=dialogue_id).items)


def test_a_department_may_not_plan_a_dialogue(client: TestClient,
                                              flow: DialogueFlow) -> None:
    """The library's role policy refuses a department planning: HTTP 403, nothing made."""
    log_in(client, "dc")
    page = client.get("/meetings")
    answer = client.post("/meetings", data={
        "csrf_token": csrf_of(page.text), "title": "Đối thoại",
        "scheduled_for": DAY.isoformat()})
    assert 403 == answer.status_code
    assert () == flow.dialogues().items


def test_another_organisations_dialogue_is_not_found(client: TestClient,
                                                     flow: DialogueFlow) -> None:
    """Commune B's chair neither lists nor opens commune A's dialogue."""
    d = flow.plan_dialogue(scheduled_for=DAY, title="Đối thoại xã A", actor=OFFICE)
    log_in(client, "bt-b")
    assert "Đối thoại xã A" not in client.get("/meetings").text
    assert 404 == client.get(f"/meetings/{d.id}").status_code


def test_vietnamese_by_default_and_english_after_the_switch(client: TestClient,
                                                           flow: DialogueFlow) -> None:
    """The meetings' pages speak Vietnamese until the language is switched."""
    d = flow.plan_dialogue(scheduled_for=DAY, title="Đối thoại quý I", actor=OFFICE)
    log_in(client, "vp")
    page = client.get(f"/meetings/{d.id}").text
    assert "Thông báo hội nghị" in page
    assert "Announce" not in page
    assert "Lập kế hoạch hội nghị" in client.get("/meetings").text
    client.get("/lang/en")
    page = client.get(f"/meetings/{d.id}").text
    assert "Announce" in page
    assert "Planned" in page
    assert "Plan a meeting" in client.get("/meetings").text


def test_the_intake_form_is_shown_only_while_opinions_are_taken(
        client: TestClient, flow: DialogueFlow, clock: FixedClock) -> None:
    """No intake form on a planned dialogue; one once it is announced and while it is held;
    none after it is concluded, when the conclusion notice is offered instead."""
    d = flow.plan_dialogue(scheduled_for=DAY, title="Đối thoại quý I", actor=OFFICE)
    log_in(client, "vp")

    def shown() -> tuple[bool, bool]:
        page = client.get(f"/meetings/{d.id}").text
        return 'id="intake"' in page, "doc-conclusion_notice" in page

    assert (False, False) == shown()
    flow.announce(d.id, actor=OFFICE)
    assert (True, False) == shown()
    clock.set(DAY)
    flow.hold(d.id, actor=OFFICE)
    assert (True, False) == shown()
    flow.conclude(d.id, actor=CHAIR)
    assert (False, True) == shown()


def test_the_announcement_downloads_and_without_the_docx_plugin_a_page_says_so(
        client: TestClient, flow: DialogueFlow, monkeypatch: pytest.MonkeyPatch) -> None:
    """The announcement of an announced dialogue is a .docx; when no plugin writes .docx
    (the library's ConfigurationError), HTTP 501 says the plugin is needed."""
    d = flow.plan_dialogue(scheduled_for=DAY, title="Đối thoại quý I", actor=OFFICE)
    flow.announce(d.id, actor=OFFICE)
    log_in(client, "vp")
    page = client.get(f"/meetings/{d.id}").text
    assert "Thông báo tổ chức hội nghị (.docx)" in page
    answer = client.post(f"/meetings/{d.id}/documents/announcement",
                         data={"csrf_token": csrf_of(page)})
    assert 200 == answer.status_code, answer.text
    assert "THÔNG BÁO" in "\n".join(
        p.text for p in docx.Document(io.BytesIO(answer.content)).paragraphs)

    def no_plugin(*_args: object, **_kwargs: object) -> bytes:
        raise ConfigurationError("no plugin writes 'docx': pip install dialogue-flow-docx")

    monkeypatch.setattr(flow, "render_document", no_plugin)
    answer = client.post(f"/meetings/{d.id}/documents/announcement",
                         data={"csrf_token": csrf_of(page)})
    assert 501 == answer.status_code
    assert "dialogue-flow-docx" in answer.text


def test_a_meeting_shows_only_the_forms_the_role_may_use(
        app_config: WebConfig, flow: DialogueFlow, clock: FixedClock) -> None:
    """The library's role policy (flow.permits) decides which forms a dialogue's page shows:
    the intake desk records opinions but neither plans, holds, concludes nor issues the
    documents; a department does none of it; the chair concludes, the office may not."""
    d = flow.plan_dialogue(scheduled_for=DAY, title="Đối thoại quý I", actor=OFFICE)
    flow.announce(d.id, actor=OFFICE)
    app = create_app(app_config)

    def page(login: str, path: str = f"/meetings/{d.id}") -> str:
        client = TestClient(app)
        log_in(client, login)
        return client.get(path).text

    def seen(html: str) -> tuple[bool, list[str], bool]:
        return 'id="intake"' in html, forms_of(html), "doc-announcement" in html

    assert (True, [], False) == seen(page("tn"))
    assert (False, [], False) == seen(page("dc"))
    assert (True, ["hold", "reschedule", "cancel"], True) == seen(page("vp"))
    assert 'id="form-plan"' in page("vp", "/meetings")
    assert 'id="form-plan"' not in page("tn", "/meetings")
    clock.set(DAY)
    flow.hold(d.id, actor=OFFICE)
    assert [] == forms_of(page("vp"))
    assert ["conclude"] == forms_of(page("bt"))
