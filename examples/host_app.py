"""A commune office's web host in plain WSGI, and its cron jobs: what a real host needs.

Run it with ``uv run python examples/host_app.py``: it makes a settings file and a store in a
temporary folder, serves the office's forms to an in-process client (no server, no port),
then runs ``dialogue-flow sweep`` and ``dialogue-flow dispatch`` from the settings file, as
cron would, with an SMS gateway plugin (``SmsGateway`` below, named in the settings) that
reaches the petitioner's phone. ``uv run python examples/host_app.py --serve`` serves the
forms on http://127.0.0.1:8000 instead.

The pages:

- ``POST /receive``: the intake desk's form (name, phone, topic, content) -> the tracking
  code the citizen takes home (``Submission.tracking_code``);
- ``GET /submissions?q=dat+dai``: search by words, without diacritics, with each matter's
  version;
- ``POST /submissions/<id>/assign``: the chair's form, with the version the page showed;
  ``409 Conflict`` when someone changed the matter meanwhile (``expected_version=``);
- ``GET /status/<code>``: the citizen's status page, no personal data (``lookup``).

Nothing here is a framework: a host on Flask or Starlette does the same in its own routing.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from dialogue_flow import (
    Actor,
    DialogueFlow,
    DialogueFlowError,
    FixedClock,
    InvalidInputError,
    NotFoundError,
    Petitioner,
    Role,
    VersionConflictError,
    hookimpl,
)

INTAKE = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
CHAIR = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class SmsGateway:
    """An SMS plugin, named in the settings file (``object = "host_app:SmsGateway"``): it
    sends to the recipients on the ``phone`` channel. This one writes each message to a
    file, where a real one would call its operator's HTTP API."""

    def __init__(self, sent: str) -> None:
        self.sent = Path(sent)

    @hookimpl
    def dialogue_flow_deliver(self, notification: Any, to: Any) -> list[Any]:
        phones = [r for r in to if r.channel == "phone"]
        with self.sent.open("a", encoding="utf-8") as out:
            for r in phones:
                out.write(f"{r.address}\t{notification.subject}\n")
        return phones


def make_app(flow: DialogueFlow) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI application of one commune office over ``flow``."""

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        try:
            status, body = route(flow, method, path, environ)
        except VersionConflictError:
            status, body = "409 Conflict", "Nội dung đã được người khác thay đổi, tải lại trang."
        except NotFoundError:
            status, body = "404 Not Found", "Không tìm thấy."
        except InvalidInputError as exc:  # the message names the field, never personal data
            status, body = "400 Bad Request", str(exc)
        except DialogueFlowError as exc:
            status, body = "422 Unprocessable Entity", str(exc)
        data = body.encode("utf-8")
        start(status, [("Content-Type", "text/plain; charset=utf-8"),
                       ("Content-Length", str(len(data)))])
        return [data]

    return app


def route(flow: DialogueFlow, method: str, path: str,
          environ: dict[str, Any]) -> tuple[str, str]:
    form = _form(environ) if method == "POST" else {}
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    parts = [p for p in path.split("/") if p]
    if method == "POST" and parts == ["receive"]:
        s = flow.receive(petitioner=Petitioner(name=form.get("name") or None,
                                               phone=form.get("phone") or None),
                         topic=form["topic"], content=form["content"], actor=INTAKE,
                         channel="written")
        return "201 Created", f"Mã tra cứu: {s.tracking_code}"
    if method == "GET" and parts == ["submissions"]:
        page = flow.submissions(search=query.get("q") or None, order_by="received")
        lines = [f"{s.id}\tv{s.version}\t{s.state}\t{s.topic}" for s in page]
        return "200 OK", "\n".join([f"{page.total} kết quả", *lines])
    if method == "POST" and len(parts) == 3 and parts[0] == "submissions" and (
            parts[2] == "assign"):
        s = flow.assign(parts[1], department=form["department"], actor=CHAIR,
                        expected_version=int(form["version"]))
        return "303 See Other", f"/submissions/{s.id} v{s.version}"
    if method == "GET" and len(parts) == 2 and parts[0] == "status":
        status = flow.lookup(parts[1])
        return "200 OK", json.dumps({"state": status.state, "due": str(status.due_on),
                                     "responsible": status.responsible},
                                    ensure_ascii=False)
    return "404 Not Found", "Không có trang này."


def _form(environ: dict[str, Any]) -> dict[str, str]:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(size).decode("utf-8")
    return {k: v[0] for k, v in parse_qs(raw).items()}


def call(app: Callable[..., Iterable[bytes]], method: str, path: str,
         form: dict[str, str] | None = None) -> tuple[str, str]:
    """One request through the WSGI app, in process (what a test client does)."""
    from urllib.parse import urlencode  # noqa: PLC0415

    path, _, query = path.partition("?")
    body = urlencode(form or {}).encode("utf-8")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    answer: dict[str, str] = {}

    def start(status: str, _headers: list[tuple[str, str]]) -> None:
        answer["status"] = status

    text = b"".join(app(environ, start)).decode("utf-8")
    return answer["status"], text


def write_settings(folder: Path) -> Path:
    """The office's ``dialogue-flow.toml``: its store, language and the SMS plugin."""
    settings = folder / "dialogue-flow.toml"
    settings.write_text(
        'storage = "sqlite:///commune.db"\n'
        'language = "vi"\n'
        "[[plugin]]\n"
        'object = "host_app:SmsGateway"\n'
        f'settings = {{ sent = "{(folder / "sms-sent.txt").as_posix()}" }}\n',
        encoding="utf-8")
    return settings


def cli(*args: str, settings: Path) -> str:
    """A ``dialogue-flow`` command as cron runs it: its own process, the settings file."""
    env = {**os.environ, "DIALOGUE_FLOW_CONFIG": str(settings),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                          os.environ.get("PYTHONPATH", "")])}
    exe = Path(sys.executable).with_name("dialogue-flow")
    done = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True,  # noqa: S603 - our own command
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dialogue-flow {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def main(folder: Path) -> None:
    # The settings name this module's SmsGateway: a host's own package is importable; this
    # example's folder is made so when it is run from elsewhere (a test, runpy).
    if str(Path(__file__).parent) not in sys.path:
        sys.path.insert(0, str(Path(__file__).parent))
    settings = write_settings(folder)
    cli("init", settings=settings)
    # The host's own flow: the same settings, a fixed clock so the run is reproducible.
    flow = DialogueFlow.from_config(settings, clock=FixedClock(date(2026, 3, 2)))
    app = make_app(flow)

    status, text = call(app, "POST", "/receive", {
        "name": "Nguyễn Văn A", "phone": "0912345678", "topic": "Đất đai",
        "content": "Chậm cấp giấy chứng nhận quyền sử dụng đất."})
    code = text.rsplit(" ", 1)[-1]
    print(status, text)
    call(app, "POST", "/receive", {"topic": "Chợ", "content": "Chợ ngập khi mưa."})

    status, text = call(app, "GET", "/submissions?q=dat+dai")
    print(status, text.replace("\n", " | "))
    sub_id, version = text.splitlines()[1].split("\t")[:2]

    # Two clerks opened the same page (version 1); the first assignment wins.
    first = call(app, "POST", f"/submissions/{sub_id}/assign",
                 {"department": "Địa chính", "version": version.lstrip("v")})
    second = call(app, "POST", f"/submissions/{sub_id}/assign",
                  {"department": "Kinh tế", "version": version.lstrip("v")})
    print("clerk 1:", first[0], "| clerk 2:", second[0])
    assert (first[0], second[0]) == ("303 See Other", "409 Conflict")

    status, text = call(app, "GET", f"/status/{code}")
    print(status, text)
    assert ("0912345678" in text, "Nguyễn" in text) == (False, False)  # no personal data
    flow.shutdown()

    # Cron: the sweep writes the notices, the dispatcher delivers them through the SMS
    # plugin the settings name, to the petitioner's phone.
    print(cli("sweep", "--today", "2026-03-17", settings=settings).strip())
    print(cli("dispatch", settings=settings).strip().splitlines()[0])
    sent = (folder / "sms-sent.txt").read_text(encoding="utf-8").splitlines()
    print(f"SMS sent: {len(sent)}, e.g. {sent[0].split(chr(9))[1]}")
    assert any(line.startswith("0912345678\t") for line in sent)


if __name__ == "__main__":
    if "--serve" in sys.argv:
        from wsgiref.simple_server import make_server

        here = Path.cwd()
        cli("init", settings=write_settings(here))
        with make_server("127.0.0.1", 8000, make_app(DialogueFlow.from_config(
                here / "dialogue-flow.toml"))) as server:
            server.serve_forever()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
