"""The web host's limits (issue 19): failed log-ins per client address, password checks
running at once, and no tracking code in the server's access log."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from dialogue_flow_web import WebConfig, access_log_config, create_app
from dialogue_flow_web._cli import RedactLookups
from dialogue_flow_web._security import Passwords, SlidingWindow, client_key
from starlette.testclient import TestClient
from web_support import PASSWORD, csrf_of, make_config, receive

from dialogue_flow import Actor, DialogueFlow, InvalidInputError, Role

#: The fixtures (a module, not a conftest.py: see web_fixtures).
pytest_plugins = ["web_fixtures"]


def _try(client: TestClient, login: str, password: str) -> int:
    page = client.get("/login")
    return client.post("/login", follow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "login": login, "password": password}).status_code


def test_failed_log_ins_are_limited_per_client(flow: DialogueFlow,
                                               password_hash: str) -> None:
    """Past the limit of failed log-ins in a minute the answer is 429 with Retry-After,
    before any password is checked (the right one too); successful log-ins are not
    counted, so a whole office behind one address can start its day."""
    config = make_config(flow, password_hash, logins_per_minute=3)
    client = TestClient(create_app(config))
    for _ in range(5):  # an office: five clerks log in from one address
        assert 303 == _try(client, "bt", PASSWORD)
    assert [401, 401, 401] == [_try(client, "bt", "sai") for _ in range(3)]
    page = client.get("/login")
    blocked = client.post("/login", follow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "login": "bt", "password": PASSWORD})
    assert 429 == blocked.status_code
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert "Đăng nhập sai quá nhiều lần" in blocked.text


def test_a_burst_of_guesses_sent_at_once_is_limited_too(flow: DialogueFlow,
                                                         password_hash: str) -> None:
    """Ten wrong passwords sent at the same moment: each is counted before its check, so
    only the limit's worth are checked (401) and the rest are refused (429) at once."""
    import asyncio  # noqa: PLC0415

    import httpx2  # noqa: PLC0415 - Starlette's TestClient's own HTTP library

    app = create_app(make_config(flow, password_hash, logins_per_minute=3))

    async def burst() -> list[int]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://web") as c:
            page = await c.get("/login")
            token = csrf_of(page.text)

            async def guess(n: int) -> int:
                answer = await c.post("/login", data={"csrf_token": token, "login": "bt",
                                                      "password": f"sai {n}"})
                return answer.status_code

            return list(await asyncio.gather(*(guess(n) for n in range(10))))

    statuses = asyncio.run(burst())
    assert (3, 7) == (statuses.count(401), statuses.count(429)), statuses


def test_the_windows_memory_is_bounded_and_ipv6_counts_by_its_64() -> None:
    """Past MAX_CLIENTS the client seen least recently is forgotten; the addresses of one
    IPv6 /64 are one client; an IPv4 client seen through IPv6 is itself."""
    window = SlidingWindow(1, 60.0, clock=lambda: 0.0)
    window.MAX_CLIENTS = 3
    assert 0 == window.hit("10.0.0.1")
    assert window.hit("10.0.0.1") > 0
    for n in (2, 3, 4):
        assert 0 == window.hit(f"10.0.0.{n}")
    assert 0 == window.hit("10.0.0.1")  # forgotten: the least recently seen of four
    assert 0 == window.hit("2001:db8:1:2::1")
    assert window.hit("2001:db8:1:2:ffff::9") > 0  # the same /64
    assert 0 == window.hit("2001:db8:1:3::1")
    assert "192.0.2.7" == client_key("::ffff:192.0.2.7")
    assert "unknown" == client_key("unknown")
    window.forgive("2001:db8:1:2::5")
    assert 0 == window.hit("2001:db8:1:2::1")  # its hit taken back


def test_password_checks_queue_past_the_cap() -> None:
    """At most ``concurrent`` argon2 checks run at once; the others wait their turn in the
    event loop (not holding a worker thread)."""
    import asyncio  # noqa: PLC0415

    hashed = PasswordHasher().hash(PASSWORD)
    passwords = Passwords({"bt": hashed}, concurrent=1)
    running, most = [0], [0]
    lock = threading.Lock()
    real = passwords._hasher  # noqa: SLF001 - counting the checks that overlap

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                time.sleep(0.05)
                return real.verify(stored, password)
            finally:
                with lock:
                    running[0] -= 1

    passwords._hasher = Counting()  # type: ignore[assignment]  # noqa: SLF001

    async def four() -> list[bool]:
        return list(await asyncio.gather(*(passwords.check_async("bt", PASSWORD)
                                           for _ in range(4))))

    assert ([True] * 4, 1) == (asyncio.run(four()), most[0])


def test_the_access_log_filter_hides_the_lookups_query() -> None:
    """uvicorn's access line for /status keeps the path, not the code; other queries stay."""
    def line(path: str) -> str:
        record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                                   '%s - "%s %s HTTP/%s" %d',
                                   ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
        assert RedactLookups().filter(record)
        return record.getMessage()

    assert '"GET /status?… HTTP/1.1" 200' in line("/status?code=AB12CD34EF")
    assert "AB12CD34EF" not in line("/status/?code=AB12CD34EF&lang=en")
    assert "/province?period=2026-H1" in line("/province?period=2026-H1")
    assert "/status " in line("/status")
    assert "AB12CD34EF" not in line("/web/status?code=AB12CD34EF")  # under a root path
    assert ["redact_lookups"] == access_log_config()["loggers"]["uvicorn.access"]["filters"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_writes_no_tracking_code_to_its_log(tmp_path: Path, password_hash: str) -> None:
    """``dialogue-flow serve`` itself: a citizen's lookup leaves the code out of uvicorn's
    access log (its standard output)."""
    settings = tmp_path / "dialogue-flow.toml"
    settings.write_text(textwrap.dedent(f"""
        storage = "sqlite:///commune.db"
        [[actor]]
        id = "bt"
        name = "Bí thư Đảng ủy"
        role = "chair"
        password_hash = "{password_hash}"
    """), encoding="utf-8")
    with DialogueFlow.from_config(settings, create=True) as flow:
        code = receive(flow, actor=Actor("tn", "Tiếp nhận", Role.INTAKE_DESK)).tracking_code
    assert code is not None
    port = _free_port()
    script = Path(sys.executable).with_name("dialogue-flow")  # the installed command
    command = [str(script), "serve", "--config", str(settings), "--port", str(port)]
    env = {**os.environ, "DIALOGUE_FLOW_SECRET_KEY": "k" * 40}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # noqa: S603 - our own command
                              env=env, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/status?code={code}", timeout=5) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert "Tiếp nhận" in page
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert re.search(r'"GET /status\?… HTTP/1\.1" 200', log), log
    assert code not in log


def test_a_web_config_refuses_a_bad_login_limit(app_config: WebConfig) -> None:
    with pytest.raises(InvalidInputError, match="logins_per_minute"):
        WebConfig(open_flow=app_config.open_flow, users=app_config.users,
                  secret_key=app_config.secret_key, logins_per_minute=0)
