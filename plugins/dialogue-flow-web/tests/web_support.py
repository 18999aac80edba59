"""Helpers of the web host's tests: the actors, a petition, logging in, reading forms."""

from __future__ import annotations

import re

from dialogue_flow_web import User, WebConfig
from starlette.testclient import TestClient

from dialogue_flow import Actor, DialogueFlow, Petitioner, Role, Submission

PASSWORD = "mật khẩu đủ dài 2026"
SECRET = "k" * 48
NAME = "Nguyễn Văn Bình"
PHONE = "0912345678"

CHAIR = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR, organisation_id="xa-a")
DEPUTY = Actor("pbt", "Phó Bí thư", Role.CHAIR, organisation_id="xa-a")
OFFICE = Actor("vp", "Văn phòng Đảng ủy", Role.OFFICE, organisation_id="xa-a")
INTAKE = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK, organisation_id="xa-a")
DEPARTMENT = Actor("dc", "Cán bộ địa chính", Role.DEPARTMENT, "Địa chính",
                   organisation_id="xa-a")
OTHER_CHAIR = Actor("bt-b", "Bí thư xã B", Role.CHAIR, organisation_id="xa-b")


def receive(flow: DialogueFlow, topic: str = "Đất đai",
            actor: Actor = INTAKE) -> Submission:
    """A written petition from a named citizen with a phone."""
    return flow.receive(petitioner=Petitioner(NAME, phone=PHONE), topic=topic,
                        content="Chậm cấp giấy chứng nhận quyền sử dụng đất.", actor=actor,
                        channel="written")


def make_config(flow: DialogueFlow, password_hash: str, **options: object) -> WebConfig:
    users = {a.id: User(a, password_hash)
             for a in (CHAIR, DEPUTY, OFFICE, INTAKE, DEPARTMENT, OTHER_CHAIR)}
    return WebConfig(open_flow=lambda: flow, users=users, secret_key=SECRET,
                     **options)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def log_in(client: TestClient, login: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_of(page.text), "login": login,
                                         "password": password}, follow_redirects=False)
    assert 303 == answer.status_code, answer.text


def forms_of(html: str) -> list[str]:
    """The commands whose forms a matter's page shows, in order."""
    return re.findall(r'id="form-([a-z]+)"', html)


def version_of(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found is not None
    return found.group(1)
