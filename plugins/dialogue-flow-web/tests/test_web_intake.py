"""Receiving a matter at the office on the web, and reading its petitioner through the
library's access-logged read (issue 19): the form, the tracking code on the matter's page,
the role policy deciding who sees the form and the button, confidential matters, and no
personal data on any page but the one that reads it."""

from __future__ import annotations

import re

import pytest
from dialogue_flow_web import WebConfig, create_app
from starlette.testclient import TestClient
from web_support import CHAIR, INTAKE, NAME, OFFICE, PHONE, csrf_of, log_in, receive

from dialogue_flow import DialogueFlow, Petitioner

#: The fixtures (a module, not a conftest.py: see web_fixtures).
pytest_plugins = ["web_fixtures"]

FORM = {"kind": "petition", "topic": "Đất đai", "channel": "written",
        "content": "Chậm cấp giấy chứng nhận quyền sử dụng đất.", "name": NAME,
        "address": "Thôn 3", "phone": PHONE, "email": ""}


def _receive(client: TestClient, **changes: str) -> tuple[int, str]:
    page = client.get("/matters/new")
    assert 200 == page.status_code, page.text
    answer = client.post("/matters/new", data={"csrf_token": csrf_of(page.text),
                                               **FORM, **changes}, follow_redirects=False)
    return answer.status_code, answer.headers.get("location", answer.text)


def test_the_intake_desk_receives_a_matter_and_gets_its_tracking_code(
        client: TestClient, flow: DialogueFlow) -> None:
    """The dashboard links the form; posting it receives the matter outside any meeting
    and leads to its page, which shows the tracking code but not the petitioner."""
    log_in(client, "tn")
    assert 'id="new-matter"' in client.get("/").text
    status, location = _receive(client)
    assert 303 == status
    [s] = flow.submissions().items
    assert f"/matters/{s.id}" == location
    assert (None, "written", "petition", "Đất đai") == (s.dialogue_id, s.channel, s.kind,
                                                        s.topic)
    page = client.get(location).text
    assert s.tracking_code is not None
    assert s.tracking_code in page
    assert NAME not in page
    assert PHONE not in page
    stored = flow.identity(s.id, actor=CHAIR)
    assert (NAME, PHONE, "Thôn 3", None) == (stored.name, stored.phone, stored.address,
                                             stored.email)


def test_an_anonymous_matter_and_bad_input(client: TestClient, flow: DialogueFlow) -> None:
    """Without a name or contact the matter is anonymous; a missing topic is HTTP 400
    naming the field, and nothing is written."""
    log_in(client, "tn")
    status, _ = _receive(client, name="", address="", phone="", topic="")
    assert 400 == status
    assert [] == list(flow.submissions().items)
    status, _ = _receive(client, name="", address="", phone="")
    assert 303 == status
    [s] = flow.submissions().items
    assert flow.identity(s.id, actor=CHAIR) == Petitioner.anonymous()
    status, _ = _receive(client, kind="rumour")
    assert 400 == status


def test_only_the_roles_that_receive_see_the_form(client: TestClient) -> None:
    """A department does not receive matters (the library's role policy): no link on its
    dashboard, and the form's address answers 403."""
    log_in(client, "dc")
    assert 'id="new-matter"' not in client.get("/").text
    assert 403 == client.get("/matters/new").status_code


def test_reading_the_petitioner_is_a_logged_post(client: TestClient,
                                                 flow: DialogueFlow) -> None:
    """The matter's page offers a button; its POST shows the name and contacts, sent
    no-store, and the library's access log records who read whose matter."""
    s = receive(flow)
    log_in(client, "vp")
    page = client.get(f"/matters/{s.id}").text
    assert 'id="read-petitioner"' in page
    assert NAME not in page
    assert 403 == client.post(f"/matters/{s.id}/petitioner", data={}).status_code
    assert 0 == len(flow.access_log(record=s.id).items)
    shown = client.post(f"/matters/{s.id}/petitioner", data={"csrf_token": csrf_of(page)})
    assert 200 == shown.status_code
    assert NAME in shown.text
    assert PHONE in shown.text
    assert "no-store" == shown.headers["cache-control"]
    [entry] = flow.access_log(record=s.id).items
    assert (OFFICE.id, (s.id,)) == (entry.actor_id, entry.record_ids)


def test_a_confidential_petitioner_is_read_only_by_the_roles_the_policy_names(
        client: TestClient, flow: DialogueFlow, app_config: WebConfig) -> None:
    """A confidential matter says so on its page; the office (not named by the default
    policy, which gives it to the chair) is offered no button and, posting anyway, gets 403
    without the name; the chair reads it."""
    s = flow.receive(petitioner=Petitioner(NAME, phone=PHONE), topic="Cán bộ",
                     content="Tố cáo cán bộ nhận tiền.", actor=INTAKE, kind="denunciation")
    log_in(client, "vp")
    page = client.get(f"/matters/{s.id}").text
    assert "được bảo mật" in page
    assert 'id="read-petitioner"' not in page  # not offered: the library would refuse it
    refused = client.post(f"/matters/{s.id}/petitioner", data={"csrf_token": csrf_of(page)})
    assert 403 == refused.status_code
    assert NAME not in refused.text
    chair = TestClient(create_app(app_config))
    log_in(chair, "bt")
    page = chair.get(f"/matters/{s.id}").text
    shown = chair.post(f"/matters/{s.id}/petitioner", data={"csrf_token": csrf_of(page)})
    assert 200 == shown.status_code
    assert NAME in shown.text
    assert re.search(r"nhật ký truy cập", shown.text)


def test_another_communes_petitioner_is_not_found(client: TestClient,
                                                  flow: DialogueFlow) -> None:
    """Commune B's chair cannot read commune A's petitioner (404, nothing logged)."""
    s = receive(flow)
    log_in(client, "bt-b")
    page = client.get("/").text
    answer = client.post(f"/matters/{s.id}/petitioner", data={"csrf_token": csrf_of(page)})
    assert 404 == answer.status_code
    assert NAME not in answer.text
    assert 0 == len(flow.access_log(record=s.id).items)


def test_an_identity_not_passed_here_is_not_shown_as_anonymous(
        client: TestClient, flow: DialogueFlow, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy received without the identity (a confidential matter escalated to a body
    whose policy does not receive it) or an erased one says so, not "Anonymous"."""
    from dialogue_flow._withheld import withheld_petitioner  # noqa: PLC0415

    s = receive(flow)
    monkeypatch.setattr(DialogueFlow, "identity",
                        lambda _flow, _s, *, actor: withheld_petitioner(Petitioner(NAME)))
    log_in(client, "bt")
    page = client.get(f"/matters/{s.id}").text
    shown = client.post(f"/matters/{s.id}/petitioner", data={"csrf_token": csrf_of(page)})
    assert 200 == shown.status_code
    assert "không được chuyển đến cơ quan này" in shown.text
    assert "Không nêu tên" not in shown.text
    assert NAME not in shown.text


def test_pages_answering_a_form_switch_language_back_to_the_form_page(
        client: TestClient, flow: DialogueFlow) -> None:
    """The petitioner's page (a POST's answer) links the language switch to the matter's
    page, and every logged-in page is sent no-store."""
    s = receive(flow)
    log_in(client, "bt")
    page = client.get(f"/matters/{s.id}")
    assert "no-store" == page.headers["cache-control"]
    shown = client.post(f"/matters/{s.id}/petitioner",
                        data={"csrf_token": csrf_of(page.text)})
    assert f"/lang/en?next=/matters/{s.id}" in shown.text.replace("%2F", "/")
    assert f"next=/matters/{s.id}/petitioner" not in shown.text.replace("%2F", "/")
    citizen = TestClient(client.app)  # logged out: a citizen's page may be cached
    assert "cache-control" not in citizen.get("/status").headers
