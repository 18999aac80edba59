"""The web host's public side and its packaging (issue 19, first step): the citizen's status
page (no personal data, lookups limited per client), the language switch, no resource from
another host, the settings' users, ``hash-password`` and the ``serve`` command."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from dialogue_flow_web import (
    User,
    WebConfig,
    config_from_settings,
    create_app,
    plugin,
    serve_command,
    users_from_actors,
)
from dialogue_flow_web._cli import main as helpers
from dialogue_flow_web._security import SlidingWindow
from starlette.testclient import TestClient
from web_support import CHAIR, NAME, PASSWORD, PHONE, csrf_of, log_in, receive

from dialogue_flow import Actor, ConfigurationError, DialogueFlow, InvalidInputError, Role

#: The fixtures (a module, not a conftest.py: see web_fixtures).
pytest_plugins = ["web_fixtures"]


def test_the_status_page_shows_no_personal_data(client: TestClient,
                                                flow: DialogueFlow) -> None:
    """Looked up by its code, a matter shows its state, its due date and who handles it,
    never the petitioner's name or phone, nor the citizen's own words."""
    s = receive(flow)
    flow.assign(s.id, department="Địa chính", actor=CHAIR)
    page = client.get("/status", params={"code": s.tracking_code})
    assert 200 == page.status_code
    assert "Giao xử lý" in page.text
    assert "Địa chính" in page.text
    for personal in (NAME, PHONE, "Nguyễn", "0912", s.content):
        assert personal not in page.text


def test_a_code_nobody_holds_and_a_mistyped_code(client: TestClient,
                                                 flow: DialogueFlow) -> None:
    """A well-formed code no matter has: 404 with a plain message; a mistyped one: 400."""
    code = receive(flow).tracking_code
    assert code is not None
    other = next(c for c in "ABCDEFGHJK" if c != code[0])
    page = client.get("/status", params={"code": other + code[1:]})
    assert (400, True) == (page.status_code, "Mã tra cứu không đúng (code: " in page.text)
    assert 200 == client.get("/status").status_code  # the empty form
    with DialogueFlow.open("memory://") as elsewhere:
        unknown = receive(elsewhere, actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK))
    page = client.get("/status", params={"code": unknown.tracking_code})
    assert (404, True) == (page.status_code, "Không có kiến nghị nào với mã này." in page.text)


def test_a_citizen_gets_no_cookie(client: TestClient, flow: DialogueFlow) -> None:
    """The status page needs no session: looking up a code sets no cookie (only choosing a
    language or a form to post does)."""
    code = receive(flow).tracking_code
    for page in (client.get("/status"), client.get("/status", params={"code": code})):
        assert "set-cookie" not in page.headers


def test_lookups_are_limited_per_client(client: TestClient, flow: DialogueFlow) -> None:
    """Five lookups a minute here: the sixth gets 429 with Retry-After; the form itself is
    not counted."""
    code = receive(flow).tracking_code
    answers = [client.get("/status", params={"code": code}).status_code for _ in range(6)]
    assert [200] * 5 + [429] == answers
    refused = client.get("/status", params={"code": code})
    assert 429 == refused.status_code
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert 200 == client.get("/status").status_code


def test_the_sliding_window_forgets_old_lookups() -> None:
    """A client may look up again once its oldest lookup is a minute old; clients count
    apart."""
    now = [0.0]
    window = SlidingWindow(2, 60.0, clock=lambda: now[0])
    assert [0, 0] == [window.hit("a"), window.hit("a")]
    now[0] = 10.0
    assert 50 == window.hit("a")
    assert 0 == window.hit("b")
    now[0] = 60.5
    assert 0 == window.hit("a")


def test_vietnamese_by_default_english_after_the_switch(client: TestClient) -> None:
    """The pages are in Vietnamese until the user switches; ``?lang=en`` or the /lang/en
    link keeps English for the session."""
    assert "Tra cứu kết quả giải quyết kiến nghị" in client.get("/status").text
    assert '<html lang="vi">' in client.get("/login").text
    english = client.get("/status", params={"lang": "en"})
    assert "Where does my petition stand?" in english.text
    assert "Log in" in client.get("/login").text  # kept in the session
    back = client.get("/lang/vi", params={"next": "/login"}, follow_redirects=False)
    assert (303, "/login") == (back.status_code, back.headers["location"])
    assert "Đăng nhập" in client.get("/login").text
    client.get("/lang/en", params={"next": "https://elsewhere.example/"})
    assert '<html lang="en">' in client.get("/login").text
    away = client.get("/lang/en", params={"next": "//elsewhere.example/"},
                      follow_redirects=False)
    assert "/" == away.headers["location"]


def test_the_language_survives_logging_in_and_out(client: TestClient) -> None:
    client.get("/lang/en")
    log_in(client, "bt")
    home = client.get("/")
    assert "Matters to handle" in home.text
    client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert "Log in" in client.get("/login").text


def test_no_page_loads_anything_from_another_host(client: TestClient,
                                                  flow: DialogueFlow) -> None:
    """No http:// or https:// URL in any page or in the stylesheet (no CDN, no web font),
    and every page is sent with a Content-Security-Policy allowing only this host."""
    s = receive(flow)
    pages = [client.get("/login"), client.get("/status", params={"code": s.tracking_code}),
             client.get("/static/style.css")]
    log_in(client, "bt")
    pages += [client.get("/"), client.get(f"/matters/{s.id}"), client.get("/matters/nope")]
    for page in pages:
        assert re.findall(r"https?://|//[a-z0-9.-]+\.[a-z]", page.text) == [], page.url
    assert "width=device-width" in pages[0].text
    assert "default-src 'none'" in pages[0].headers["content-security-policy"]
    assert pages[2].headers["content-type"].startswith("text/css")


def test_users_from_the_settings_actors() -> None:
    """Each [[actor]] with a login and a hash is a user acting as that actor; one without
    cannot log in; a login twice is refused."""
    hashed = PasswordHasher().hash("x")
    entries = [
        SimpleNamespace(id="bt", name="Bí thư", role="chair", organisation="xa-a",
                        department=None, login="bithu", password_hash=hashed),
        SimpleNamespace(id="dc", name="Địa chính", role="department", organisation=None,
                        department="Địa chính", login=None, password_hash=None),
    ]
    users = users_from_actors(entries)
    assert ["bithu"] == list(users)
    actor = users["bithu"].actor
    assert ("bt", Role.CHAIR, "xa-a") == (actor.id, actor.role, actor.organisation_id)
    with pytest.raises(ConfigurationError, match="twice"):
        users_from_actors([entries[0], entries[0]])


def test_a_web_config_refuses_a_short_key_and_a_plain_password(
        app_config: WebConfig) -> None:
    with pytest.raises(InvalidInputError, match="secret_key"):
        WebConfig(open_flow=app_config.open_flow, users={}, secret_key="short")
    with pytest.raises(InvalidInputError, match="password_hash"):
        User(CHAIR, "plain text")


def test_settings_without_actors_cannot_be_served(tmp_path: Path) -> None:
    """Nobody could log in: the command says what to add."""
    settings = tmp_path / "dialogue-flow.toml"
    settings.write_text('storage = "memory://"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"\[\[actor\]\]"):
        config_from_settings(settings)


def test_a_settings_file_with_actors_serves_its_sqlite_store(tmp_path: Path) -> None:
    """The settings' [[actor]] tables are the users, its storage the flow (SQLite, shared
    by the server's threads): the chair logs in and assigns a matter received meanwhile."""
    hashed = PasswordHasher().hash(PASSWORD)
    settings = tmp_path / "dialogue-flow.toml"
    settings.write_text(textwrap.dedent(f"""
        storage = "sqlite:///commune.db"
        language = "en"
        [[actor]]
        id = "bt"
        name = "Bí thư Đảng ủy"
        role = "chair"
        login = "bithu"
        password_hash = "{hashed}"
        [[actor]]
        id = "dc"
        name = "Địa chính"
        role = "department"
        department = "Địa chính"
    """), encoding="utf-8")
    DialogueFlow.from_config(settings, create=True).shutdown()
    config = config_from_settings(settings, secret_key="s" * 40)
    assert (["bithu"], "en") == (list(config.users), config.language)
    with TestClient(create_app(config)) as client:
        log_in(client, "bithu")
        with config.open_flow() as flow:
            s = receive(flow, actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK))
        page = client.get(f"/matters/{s.id}")
        assert "Assign" in page.text
        answer = client.post(f"/matters/{s.id}/assign", follow_redirects=False, data={
            "csrf_token": csrf_of(page.text), "version": "1", "department": "Địa chính"})
        assert 303 == answer.status_code
    with config.open_flow() as flow:
        assert "Địa chính" == flow.submission(s.id).department


def test_hash_password_reads_stdin_and_prints_an_argon2_hash() -> None:
    result = CliRunner().invoke(helpers, ["hash-password"], input="bí mật\n")
    assert 0 == result.exit_code, result.output
    hashed = result.output.strip()
    assert hashed.startswith("$argon2id$")
    assert PasswordHasher().verify(hashed, "bí mật")
    assert "bí mật" not in result.output


def test_serve_is_a_command_of_the_plugin_and_of_the_entry_point() -> None:
    """``dialogue-flow serve``: from the plugin hook (a settings file naming ``web``) and
    from the ``dialogue_flow.commands`` entry point (installed)."""
    assert [serve_command] == plugin.dialogue_flow_cli_commands()
    found = [ep for ep in entry_points(group="dialogue_flow.commands") if ep.name == "serve"]
    assert ["dialogue_flow_web:serve_command"] == [ep.value for ep in found]
    result = CliRunner().invoke(serve_command, ["--help"])
    assert "--lookups-per-minute" in result.output
    missing = CliRunner().invoke(serve_command, [], env={"DIALOGUE_FLOW_CONFIG": ""})
    assert 2 == missing.exit_code
    assert "--config" in missing.output


def test_importing_the_package_loads_no_web_framework() -> None:
    """``dialogue-flow --help`` loads the command's module: it must not bring Starlette,
    Jinja2, argon2 or uvicorn with it."""
    code = textwrap.dedent("""
        import sys, dialogue_flow_web
        dialogue_flow_web.serve_command
        heavy = {"starlette", "jinja2", "argon2", "uvicorn", "dialogue_flow._flow"}
        print(sorted(heavy & set(sys.modules)))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: S603 - our own interpreter
                         check=True)
    assert "[]" == out.stdout.strip()


def test_the_flow_is_opened_once_and_closed_with_the_app(app_config: WebConfig,
                                                        flow: DialogueFlow) -> None:
    """One flow for every request, opened on the first and shut down with the server."""
    opened: list[DialogueFlow] = []

    def open_flow() -> DialogueFlow:
        opened.append(flow)
        return flow

    closed: list[bool] = []
    flow.storage.close = lambda: closed.append(True)  # type: ignore[method-assign]
    app = create_app(WebConfig(open_flow=open_flow, users=app_config.users,
                               secret_key=app_config.secret_key))
    with TestClient(app) as c:
        for _ in range(3):
            c.get("/status", params={"code": "AAAAAAAAAA"})
    assert ([flow], [True]) == (opened, closed)


def test_the_web_host_uses_only_the_librarys_public_names() -> None:
    """A reference host shows how to build on the library: it imports nothing from a
    private ``dialogue_flow._module`` (``dialogue_flow.storage`` is public)."""
    import ast  # noqa: PLC0415

    import dialogue_flow_web  # noqa: PLC0415

    private = []
    for source in Path(dialogue_flow_web.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            if isinstance(node, ast.ImportFrom) and node.module == "dialogue_flow":
                names += [f"dialogue_flow.{a.name}" for a in node.names]  # from it import _x
            private += [f"{source.name}: {n}" for n in names
                        if n.startswith("dialogue_flow.") and "._" in f".{n.split('.', 1)[1]}"]
    assert [] == private


def test_the_packages_public_names_are_pinned() -> None:
    """Adding or removing a public name of dialogue_flow_web is a reviewed change."""
    import dialogue_flow_web  # noqa: PLC0415

    assert ["User", "WebConfig", "WebPlugin", "access_log_config", "config_from_settings",
            "create_app", "hash_password", "plugin", "serve_command",
            "users_from_actors"] == dialogue_flow_web.__all__
    for name in dialogue_flow_web.__all__:
        assert getattr(dialogue_flow_web, name) is not None
