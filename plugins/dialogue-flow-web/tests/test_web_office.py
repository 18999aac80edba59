"""The web host's log-in, CSRF protection and office screens (issue 19, first step): the
dashboard, a matter's page with only the forms its state allows, commands run as the
logged-in actor under the library's role policy, and a version conflict between clerks."""

from __future__ import annotations

import datetime as dt
import re

import attrs
from dialogue_flow_web import User, WebConfig, create_app
from starlette.testclient import TestClient
from web_support import (
    CHAIR,
    DEPARTMENT,
    INTAKE,
    OFFICE,
    OTHER_CHAIR,
    PASSWORD,
    csrf_of,
    forms_of,
    log_in,
    receive,
    version_of,
)

from dialogue_flow import (
    Actor,
    DialogueFlow,
    DialogueState,
    FixedClock,
    Petitioner,
    Role,
    SubmissionState,
)

#: The fixtures (a module, not a conftest.py: see web_fixtures).
pytest_plugins = ["web_fixtures"]


def test_login_with_the_right_password_opens_the_dashboard(client: TestClient) -> None:
    """A good password logs in: the session cookie is HttpOnly and SameSite=Lax, and the
    dashboard names the actor and its organisation."""
    page = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_of(page.text), "login": "bt",
                                         "password": PASSWORD}, follow_redirects=False)
    assert (303, "/") == (answer.status_code, answer.headers["location"])
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    home = client.get("/")
    assert 200 == home.status_code
    assert CHAIR.name in home.text
    assert "Đảng ủy xã A" in home.text


def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(
        client: TestClient) -> None:
    """No user enumeration: a wrong password for a login that exists and a login that does
    not exist are refused with the same status and message, and nobody is logged in."""
    answers = []
    for login in ("bt", "nobody"):
        page = client.get("/login")
        answer = client.post("/login", data={"csrf_token": csrf_of(page.text),
                                             "login": login, "password": "wrong"})
        answers.append((answer.status_code, "Tên đăng nhập hoặc mật khẩu không đúng." in
                        answer.text))
    assert [(401, True), (401, True)] == answers
    assert "/login" == client.get("/", follow_redirects=False).headers["location"]


def test_logout_ends_the_session(client: TestClient) -> None:
    """After logging out the office's pages send the browser to the log-in page."""
    log_in(client, "bt")
    home = client.get("/")
    answer = client.post("/logout", data={"csrf_token": csrf_of(home.text)},
                         follow_redirects=False)
    assert 303 == answer.status_code
    assert "/login" == client.get("/", follow_redirects=False).headers["location"]


def test_a_post_without_the_csrf_token_is_refused(client: TestClient,
                                                  flow: DialogueFlow) -> None:
    """Every POST form needs the session's token: the log-in, the log-out and a command
    without it, or with another, get 403, and the command writes nothing."""
    assert 403 == client.post("/login", data={"login": "bt", "password": PASSWORD}).status_code
    log_in(client, "bt")
    s = receive(flow)
    for token in (None, "forged-token", ""):
        data = {"version": "1", "department": "Địa chính"}
        if token is not None:
            data["csrf_token"] = token
        answer = client.post(f"/matters/{s.id}/assign", data=data)
        assert 403 == answer.status_code
    assert 403 == client.post("/logout", data={"csrf_token": "forged"}).status_code
    assert (1, SubmissionState.RECEIVED) == (flow.submission(s.id).version,
                                             flow.submission(s.id).state)


def test_a_command_from_the_matter_page(client: TestClient, flow: DialogueFlow) -> None:
    """The chair assigns a matter from its page: the form carries the version seen, the
    matter is assigned, and the page shows it in the history with the forms of its new
    state."""
    s = receive(flow)
    log_in(client, "bt")
    page = client.get(f"/matters/{s.id}")
    answer = client.post(f"/matters/{s.id}/assign", follow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "version": version_of(page.text),
        "department": "Địa chính"})
    assert (303, f"/matters/{s.id}") == (answer.status_code, answer.headers["location"])
    after = flow.submission(s.id)
    assert (SubmissionState.ASSIGNED, "Địa chính", 2) == (after.state, after.department,
                                                          after.version)
    page = client.get(f"/matters/{s.id}")
    assert "Giao xử lý" in page.text
    assert "<td>Bí thư Đảng ủy</td>" in page.text  # who did it, by name, in the history
    assert "2" == version_of(page.text)


def test_only_the_forms_the_state_allows_are_shown(client: TestClient,
                                                   flow: DialogueFlow) -> None:
    """A form for each command whose event leaves the matter's state, and only those."""
    log_in(client, "bt")
    s = receive(flow)

    def shown() -> list[str]:
        return forms_of(client.get(f"/matters/{s.id}").text)

    assert ["answer", "assign", "escalate", "close"] == shown()
    flow.assign(s.id, department="Địa chính", actor=CHAIR)
    assert ["answer", "assign", "escalate", "extend", "close"] == shown()
    flow.answer(s.id, text="Đã cấp giấy.", actor=DEPARTMENT)
    assert ["close", "reopen"] == shown()
    flow.close(s.id, outcome="accepted", actor=OFFICE)
    assert ["reopen"] == shown()


def test_a_matter_shows_only_the_forms_the_role_may_use(app_config: WebConfig,
                                                       flow: DialogueFlow) -> None:
    """The library's role policy (flow.permits) decides which forms the page shows: the
    intake desk and the office close and reopen, the chair decides, a department answers
    only what is assigned to it, and the province above reads the matter without a form."""
    s = receive(flow)
    config = app_config
    province = User(Actor("tinh-bt", "Bí thư Tỉnh ủy", Role.CHAIR, organisation_id="tinh"),
                    config.users["bt"].password_hash)
    app = create_app(WebConfig(open_flow=config.open_flow, secret_key=config.secret_key,
                               users={**config.users, "tinh-bt": province}))

    def shown(login: str) -> list[str]:
        client = TestClient(app)
        log_in(client, login)
        return forms_of(client.get(f"/matters/{s.id}").text)

    assert ["answer", "assign", "escalate", "close"] == shown("bt")
    assert ["close"] == shown("tn")
    assert ["close"] == shown("vp")
    assert [] == shown("dc")
    assert [] == shown("tinh-bt")
    flow.assign(s.id, department="Địa chính", actor=CHAIR)
    assert ["answer"] == shown("dc")


def test_reopen_is_not_offered_on_a_matter_of_a_completed_dialogue(
        client: TestClient, flow: DialogueFlow, clock: FixedClock) -> None:
    """A completed dialogue's record is final (the library refuses to reopen its matters,
    HTTP 400 before): a closed matter of one offers no form at all."""
    day = dt.date(2026, 3, 16)
    d = flow.plan_dialogue(scheduled_for=day, title="Đối thoại quý I", actor=OFFICE)
    flow.announce(d.id, actor=OFFICE)
    clock.set(day)
    flow.hold(d.id, actor=OFFICE)
    s = flow.receive(petitioner=Petitioner.anonymous(), topic="Đường", content="Đường hỏng.",
                     actor=INTAKE, dialogue=d.id)
    flow.answer(s.id, text="Sẽ sửa trong quý II.", actor=CHAIR, mode="on_the_spot")
    flow.conclude(d.id, actor=CHAIR)
    flow.close(s.id, outcome="accepted", actor=OFFICE)
    assert DialogueState.COMPLETED == flow.dialogue(d.id).state
    log_in(client, "bt")
    page = client.get(f"/matters/{s.id}").text
    assert [] == forms_of(page)
    other = receive(flow)  # outside any dialogue, a closed matter still offers reopen
    flow.close(other.id, outcome="withdrawn", actor=OFFICE)
    assert ["reopen"] == forms_of(client.get(f"/matters/{other.id}").text)


def test_a_matter_escalated_within_the_store_is_not_assigned_or_extended_here(
        client: TestClient, flow: DialogueFlow) -> None:
    """Escalated to the province of the same store, the matter runs on the province's
    clock: the commune's page offers neither assign nor extend (the library refuses both).
    Its history says so in words: where it went, by name, and the dates as DD/MM/YYYY."""
    s = receive(flow)
    flow.escalate(s.id, actor=CHAIR, to="tinh")
    log_in(client, "bt")
    page = client.get(f"/matters/{s.id}").text
    assert ["answer", "close"] == forms_of(page)
    assert "Chuyển đến: Tỉnh Hà Tĩnh" in page
    assert "Kiến nghị liên kết: sub-" in page
    assert "paused_due" not in page
    assert "Tạm dừng từ: 02/03/2026" in page


def test_the_close_form_offers_the_outcomes_of_the_state(client: TestClient,
                                                        flow: DialogueFlow) -> None:
    """A received matter cannot be closed as accepted (nothing was answered): the form
    does not offer it; an answered one can."""
    log_in(client, "bt")
    s = receive(flow)
    options = re.findall(r'<option value="([a-z_]+)"', client.get(f"/matters/{s.id}").text)
    assert "accepted" not in options
    assert "withdrawn" in options
    flow.answer(s.id, text="Trả lời.", actor=CHAIR)
    options = re.findall(r'<option value="([a-z_]+)"', client.get(f"/matters/{s.id}").text)
    assert "accepted" in options


def test_a_version_conflict_between_two_clerks(app_config: WebConfig,
                                               flow: DialogueFlow) -> None:
    """Two clerks open the same matter; the first assigns it, the second's form (the
    version both saw) gets 409 "changed by someone else, reload" and writes nothing."""
    app = create_app(app_config)
    first, second = TestClient(app), TestClient(app)
    s = receive(flow)
    log_in(first, "bt")
    log_in(second, "pbt")
    pages = [c.get(f"/matters/{s.id}").text for c in (first, second)]
    ok = first.post(f"/matters/{s.id}/assign", follow_redirects=False, data={
        "csrf_token": csrf_of(pages[0]), "version": version_of(pages[0]),
        "department": "Địa chính"})
    assert 303 == ok.status_code
    trail = len(flow.history(flow.submission(s.id)))
    late = second.post(f"/matters/{s.id}/assign", data={
        "csrf_token": csrf_of(pages[1]), "version": version_of(pages[1]),
        "department": "Văn hóa"})
    assert 409 == late.status_code
    assert "vừa được người khác thay đổi" in late.text
    assert "Tải lại" in late.text
    reload = re.search(r'<a href="([^"]+)" id="reload">', late.text)
    assert reload is not None
    assert f"/matters/{s.id}" == reload.group(1)  # the matter's page, not the POST's 405
    again = second.get(reload.group(1))
    assert 200 == again.status_code
    assert "Địa chính" in again.text
    after = flow.submission(s.id)
    assert (2, "Địa chính", trail) == (after.version, after.department,
                                       len(flow.history(after)))


def test_the_role_policy_refuses_a_department_the_assignment(client: TestClient,
                                                             flow: DialogueFlow) -> None:
    """Only the chair assigns: a department's actor posting the form gets 403 and the
    matter is unchanged."""
    s = receive(flow)
    log_in(client, "dc")
    page = client.get(f"/matters/{s.id}")
    answer = client.post(f"/matters/{s.id}/assign", data={
        "csrf_token": csrf_of(page.text), "version": "1", "department": "Địa chính"})
    assert 403 == answer.status_code
    assert "không có quyền" in answer.text
    assert (1, None) == (flow.submission(s.id).version, flow.submission(s.id).department)


def test_bad_input_is_a_400_with_the_message(client: TestClient, flow: DialogueFlow) -> None:
    """A date that is not one, or a missing version, is refused with 400 and the library's
    message naming the field, never a traceback."""
    s = receive(flow)
    flow.assign(s.id, department="Địa chính", actor=CHAIR)
    log_in(client, "bt")
    page = client.get(f"/matters/{s.id}")
    token = csrf_of(page.text)
    answer = client.post(f"/matters/{s.id}/extend", data={
        "csrf_token": token, "version": "2", "until": "31/02/2026", "reason": "Phức tạp"})
    assert 400 == answer.status_code
    assert "until: expected a date" in answer.text
    assert "Mục «Gia hạn đến ngày» chưa hợp lệ" in answer.text  # the field, in Vietnamese
    assert "Traceback" not in answer.text
    answer = client.post(f"/matters/{s.id}/reopen", data={"csrf_token": token,
                                                          "reason": "x"})
    assert 400 == answer.status_code
    assert "version:" in answer.text
    assert "Biểu mẫu đã cũ; vui lòng tải lại trang" in answer.text  # reload, not "correct"
    assert 2 == flow.submission(s.id).version


def test_a_matter_of_another_commune_is_not_shown(client: TestClient,
                                                  flow: DialogueFlow) -> None:
    """A commune's chair does not read another commune's matters: 404."""
    s = receive(flow)
    log_in(client, OTHER_CHAIR.id)
    assert 404 == client.get(f"/matters/{s.id}").status_code


def test_the_province_reads_its_communes_matters(flow: DialogueFlow,
                                                 app_config: WebConfig) -> None:
    """A matter of a commune is in the scope of the province above it."""
    s = receive(flow)
    config = app_config
    province = User(Actor("tinh-vp", "Văn phòng Tỉnh ủy", Role.OFFICE,
                          organisation_id="tinh"), config.users["bt"].password_hash)
    app = create_app(WebConfig(open_flow=config.open_flow, secret_key=config.secret_key,
                               users={"tinh-vp": province}))
    with TestClient(app) as c:
        log_in(c, "tinh-vp")
        assert 200 == c.get(f"/matters/{s.id}").status_code


def test_the_dashboard_lists_overdue_and_due_soon_by_department(
        app_config: WebConfig, flow: DialogueFlow, clock: FixedClock) -> None:
    """Overdue matters and those due within the next working days, under the department
    that must answer (or "not assigned yet"), each with its legal deadline, its basis and
    the days its count skipped with their reasons."""
    late = receive(flow, "Đất đai")
    flow.assign(late.id, department="Địa chính", actor=CHAIR)
    due = flow.submission(late.id).due
    assert due is not None
    clock.set(due.date - dt.timedelta(days=3))
    soon = receive(flow, "Môi trường")
    clock.set(due.date + dt.timedelta(days=1))
    client = TestClient(create_app(attrs.evolve(app_config, due_soon_days=15)))
    log_in(client, "bt")
    html = client.get("/").text
    overdue, due_soon = html.split('class="due_soon"')
    assert late.id in overdue
    assert "Địa chính" in overdue
    assert due.date.strftime("%d/%m/%Y") in overdue
    assert due.basis in overdue
    assert due.skipped  # the weekends (and holidays) of the count
    for day in due.skipped:
        assert f"{day.date.strftime('%d/%m/%Y')}: {day.reason}" in overdue
    assert soon.id in due_soon
    assert "Chưa giao" in due_soon
    assert soon.id not in overdue


def test_text_is_escaped(client: TestClient, flow: DialogueFlow) -> None:
    """What a citizen wrote is shown as text: autoescape is on."""
    s = flow.receive(petitioner=Petitioner.anonymous(),
                     topic="Chợ", content="<script>alert(1)</script>", actor=INTAKE)
    log_in(client, "bt")
    html = client.get(f"/matters/{s.id}").text
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
