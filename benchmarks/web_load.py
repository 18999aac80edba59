"""The web host's load check (issue 19): concurrent users on SQLite, page times and errors.

Run: ``uv run python benchmarks/web_load.py [--seconds 60] [--users 20] [--think 1.0]``.

It plays the 2021 demo (``dialogue_flow._demo.run_demo``) into a SQLite file in a temporary
folder, builds the web host on it (``create_app(WebConfig(...))``, one argon2 hash of a known
password for every login, the citizens' lookup limit raised for this run only), serves it
under uvicorn in a background thread on 127.0.0.1 and a free port, and then runs
``--users`` simulated users for ``--seconds``, each a thread with its own cookie jar:

- three in four are clerks (the demo's office and chair), logging in over the first
  five seconds (the form's CSRF token), then opening the dashboard and a matter again and
  again; one matter page in eight is followed by a command from its forms (answer, assign,
  reopen or close, those the seed's role policy grants the clerk's role, with the CSRF
  token and the version the page showed). Two clerks on one matter is expected: HTTP 409
  is counted apart, not as an error; so is HTTP 400, the library refusing a command the
  page offered (reopening a matter of a completed dialogue: the page offers the forms of
  the matter's state);
- one in four are citizens looking up tracking codes on the status page (one in ten
  mistyped: an expected 404).

Between two pages a user waits ``--think`` seconds on average (uniform between half and
one and a half times it; ``--think 0`` is a closed loop, the server's most).
Redirects are not followed: every request is timed alone. Printed: the requests, each
page's p50/p95/p99 in ms, the p95 of all pages, the errors (5xx, connection errors,
unexpected statuses), the 409s, the target (p95 <= 200 ms and 0 errors), and the load
average and the CPU count, which decide the figures on a shared machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py, which would shadow the standard library's calendar
# (http.cookiejar imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import http.cookiejar  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from typing import Any  # noqa: E402

TARGET_P95_MS = 200.0
#: The commands the clerks submit (those whose forms need no choice of another matter).
COMMANDS = ("answer", "assign", "reopen", "close")
PASSWORD = "load-check-password"  # noqa: S105 - a throwaway password of a throwaway store
SECRET = "load-check-secret-key-of-at-least-32-characters"  # noqa: S105 - ditto

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM = re.compile(r'<form method="post" action="/matters/([^/"]+)/([a-z]+)".*?</form>', re.DOTALL)
_VERSION = re.compile(r'name="version" value="(\d+)"')
_OUTCOME = re.compile(r'<select name="outcome"[^>]*>\s*<option value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hands a redirect back as the answer: each request is timed alone."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class Results:
    """Page times and outcomes, shared by the users' threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.conflicts = 0
        self.refused = 0

    def record(self, page: str, ms: float) -> None:
        with self.lock:
            self.times[page].append(ms)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1

    def conflict(self) -> None:
        with self.lock:
            self.conflicts += 1

    def refusal(self) -> None:
        with self.lock:
            self.refused += 1


class User:
    """One simulated user: a cookie jar, an opener that does not follow redirects."""

    def __init__(self, base: str, results: Results, think: float, seed: int) -> None:
        self.base, self.results, self.think = base, results, think
        self.random = random.Random(seed)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def pause(self) -> None:
        if self.think > 0:
            time.sleep(self.random.uniform(0.5 * self.think, 1.5 * self.think))

    def request(self, page: str, path: str, expected: tuple[int, ...],
                form: dict[str, str] | None = None) -> tuple[int, str] | None:
        """GET (or POST ``form``) ``path``, timed as ``page``; None after an error."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as answer:
                status, body = answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx and 5xx
            status, body = exc.code, exc.read().decode()
        except OSError as exc:
            self.results.error(f"{page}: connection ({type(exc).__name__})")
            return None
        self.results.record(page, (time.perf_counter() - started) * 1000)
        if status == 409 and page.startswith("command"):
            self.results.conflict()
        elif status == 400 and page.startswith("command"):
            self.results.refusal()
        elif status not in expected:
            self.results.error(f"{page}: HTTP {status}")
            return None
        return status, body


class Clerk(User):
    """Logs in, then the dashboard, a matter, now and then a command on it."""

    def __init__(self, base: str, results: Results, think: float, seed: int, login: str,
                 matters: list[str], commands: tuple[str, ...]) -> None:
        super().__init__(base, results, think, seed)
        self.login, self.matters, self.commands = login, matters, commands
        self.stagger = 5.0  # seconds over which the clerks log in

    def log_in(self) -> bool:
        got = self.request("login (GET)", "/login", (200,))
        token = _CSRF.search(got[1]) if got else None
        if token is None:
            return False
        return self.request("login (POST)", "/login", (303,),
                            {"csrf_token": token.group(1), "login": self.login,
                             "password": PASSWORD}) is not None

    def run(self, until: float) -> None:
        time.sleep(self.random.uniform(0, self.stagger))  # not every clerk at one instant
        if not self.log_in():
            return
        while time.monotonic() < until:
            self.pause()
            self.request("dashboard", "/", (200,))
            self.pause()
            got = self.request("matter", f"/matters/{self.random.choice(self.matters)}",
                               (200,))
            if got is not None and self.random.random() < 1 / 8:
                self.pause()
                self.command(got[1])

    def command(self, page: str) -> None:
        forms = {m.group(2): (m.group(1), m.group(0)) for m in _FORM.finditer(page)}
        # The page offers every form the state allows; the role policy refuses some of
        # them to this clerk's role (HTTP 403), so a clerk uses only its role's.
        choices = [c for c in self.commands if c in forms]
        if not choices:
            return
        command = self.random.choice(choices)
        matter, html = forms[command]
        token, version = _CSRF.search(html), _VERSION.search(html)
        if token is None or version is None:
            self.results.error("command: a form without its token or version")
            return
        fields = {"csrf_token": token.group(1), "version": version.group(1)}
        if command == "answer":
            fields["text"] = "Đã trả lời trong lần kiểm tra tải."
        elif command == "assign":
            fields["department"] = "Địa chính"
        elif command == "reopen":
            fields["reason"] = "Kiểm tra tải"
        else:
            outcome = _OUTCOME.search(html)
            if outcome is None:
                return
            fields["outcome"] = outcome.group(1)
        self.request(f"command {command}", f"/matters/{matter}/{command}", (303,), fields)


class Citizen(User):
    """Looks up tracking codes on the status page; one in ten is mistyped."""

    def __init__(self, base: str, results: Results, think: float, seed: int,
                 codes: list[str]) -> None:
        super().__init__(base, results, think, seed)
        self.codes = codes

    def run(self, until: float) -> None:
        while time.monotonic() < until:
            self.pause()
            if self.random.random() < 1 / 10:
                self.request("status", "/status?code=XX-0000-0000", (400, 404))
            else:
                code = urllib.parse.quote(self.random.choice(self.codes))
                self.request("status", f"/status?code={code}", (200,))


def build_store(folder: Path) -> tuple[str, list[str], list[str]]:
    """The 2021 demo in a SQLite file: its URL, its matters' ids and tracking codes."""
    from dialogue_flow import DialogueFlow  # noqa: PLC0415
    from dialogue_flow._demo import run_demo  # noqa: PLC0415

    url = f"sqlite:///{folder / 'demo.db'}"
    quiet = logging.getLogger("dialogue_flow.notifications")
    quiet.disabled = True  # the demo's notifications without recipients, one line each
    try:
        run_demo(url, echo=lambda _line: None)
    finally:
        quiet.disabled = False
    with DialogueFlow.open(url) as flow:
        matters = flow.submissions(limit=1000).items
    return (url, [s.id for s in matters],
            [s.tracking_code for s in matters if s.tracking_code])


def serve(url: str, logins: dict[str, Any], lookups: int) -> tuple[Any, threading.Thread, int]:
    """Start the web host under uvicorn on a free port; its server, thread and port."""
    import uvicorn  # noqa: PLC0415
    from dialogue_flow_web import User as WebUser  # noqa: PLC0415
    from dialogue_flow_web import WebConfig, create_app, hash_password  # noqa: PLC0415

    from dialogue_flow import DialogueFlow  # noqa: PLC0415

    hashed = hash_password(PASSWORD)
    config = WebConfig(open_flow=lambda: DialogueFlow.open(url),
                       users={login: WebUser(actor, hashed) for login, actor in logins.items()},
                       secret_key=SECRET, lookups_per_minute=lookups)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("the web host did not start")
        time.sleep(0.05)
    return server, thread, port


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def report(results: Results, seconds: float, users: int, think: float,
           load_before: tuple[float, float, float]) -> bool:
    """Print the figures; True when the target is met."""
    every = [ms for times in results.times.values() for ms in times]
    errors = sum(results.errors.values())
    print(f"{users} users for {seconds:.0f} s (think time {think:g} s), SQLite")
    print(f"requests: {len(every)} ({len(every) / seconds:.1f}/s)")
    print(f"{'page':<14} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for page in sorted(results.times):
        times = results.times[page]
        print(f"{page:<14} {len(times):>6} {percentile(times, 50):>8.1f} "
              f"{percentile(times, 95):>8.1f} {percentile(times, 99):>8.1f}")
    p95 = percentile(every, 95) if every else float("inf")
    print(f"overall p95: {p95:.1f} ms")
    print(f"errors: {errors}" + "".join(f"\n  {what}: {n}"
                                       for what, n in results.errors.most_common()))
    print(f"409 conflicts (expected between clerks, not errors): {results.conflicts}")
    print(f"400 commands refused by the library (expected, not errors): {results.refused}")
    met = p95 <= TARGET_P95_MS and errors == 0
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms, 0 errors: {'MET' if met else 'MISSED'}")
    after = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}; "
          f"after: {' '.join(f'{x:.2f}' for x in after)}; CPUs: {os.cpu_count()}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds between a user's pages (0: a closed loop)")
    args = parser.parse_args()
    from dialogue_flow._auth import RULES  # noqa: PLC0415 - the seed's role policy
    from dialogue_flow._demo import _Demo  # noqa: PLC0415 - the demo's own actors

    with tempfile.TemporaryDirectory() as folder:
        url, matters, codes = build_store(Path(folder))
        clerks = max(1, args.users - args.users // 4) if args.users > 1 else args.users
        actors = (_Demo.office, _Demo.chair)
        logins = {f"clerk{n}": actors[n % 2] for n in range(clerks)}
        # The limit is raised for this run only: every citizen here shares 127.0.0.1.
        server, thread, port = serve(url, logins, lookups=1_000_000)
        results = Results()
        load_before = os.getloadavg()
        until = time.monotonic() + args.seconds
        people: list[Clerk | Citizen] = [
            Clerk(f"http://127.0.0.1:{port}", results, args.think, n, login, matters,
                  tuple(c for c in COMMANDS if actor.role in RULES[c]))
            for n, (login, actor) in enumerate(logins.items())]
        people += [Citizen(f"http://127.0.0.1:{port}", results, args.think, 1000 + n, codes)
                   for n in range(args.users - clerks)]
        threads = [threading.Thread(target=p.run, args=(until,)) for p in people]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        server.should_exit = True
        thread.join(timeout=30)
        met = report(results, elapsed, args.users, args.think, load_before)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
