"""A throwaway PostgreSQL server for tests and benchmarks (never for production data).

:class:`TemporaryServer` runs ``initdb`` on a temporary directory, starts the server with
``pg_ctl`` on a free loopback port (and a Unix socket inside that directory), creates a
database and, on :meth:`~TemporaryServer.stop`, stops the server and deletes the directory.
PostgreSQL refuses to run as root: under root, the server runs as the ``postgres`` user if
there is one, else as ``nobody``.

The binaries are looked up on ``PATH`` (``initdb``), then in ``/usr/lib/postgresql/*/bin``
(Debian's layout, newest version first); ``pg_ctl`` is taken from the directory ``initdb``
really lives in.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg

__all__ = ["ENV_VAR", "TemporaryServer", "find_binaries"]

#: The environment variable tests and benchmarks read a server URL from.
ENV_VAR = "DIALOGUE_FLOW_PG_URL"


def find_binaries() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``.

    :raises FileNotFoundError: PostgreSQL's server binaries are not installed.
    """
    candidates: list[Path] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key,
                         reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH "
                            "nor in /usr/lib/postgresql/*/bin; install PostgreSQL "
                            "(Debian: apt-get install postgresql)")


def _version_key(path: Path) -> tuple[int, ...]:
    version = path.parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class TemporaryServer:
    """A PostgreSQL server in a temporary directory, for the life of this object.

    :param durable: keep PostgreSQL's crash-safety settings (``fsync``, synchronous
        commit). The default turns them off, which is right for tests; benchmarks pass
        ``True`` to measure what a real server costs.
    :param database: the database created for the caller.
    """

    def __init__(self, *, durable: bool = False, database: str = "dialogue_flow") -> None:
        self.durable = durable
        self.database = database
        self.bin = find_binaries()
        self.base = Path(tempfile.mkdtemp(prefix="df-pg-"))
        self.data = self.base / "data"
        self.port = 0
        self._user: pwd.struct_passwd | None = None
        self._started = False
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                with contextlib.suppress(KeyError):
                    self._user = pwd.getpwnam(name)
                    break
            if self._user is None:
                raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' "
                                   "user exists to run PostgreSQL as")
            os.chown(self.base, self._user.pw_uid, self._user.pw_gid)

    @property
    def url(self) -> str:
        """The URL of the created database (superuser ``postgres``, trust authentication)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> Self:
        """initdb, start on a free port, create the database; returns ``self``."""
        initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions",
                  "--locale=C.UTF-8"]
        try:
            # A linguistic default collation (Vietnamese, through ICU) proves that ids are
            # compared by code point anyway; without ICU, C.UTF-8.
            self._run([*initdb, "--locale-provider=icu", "--icu-locale=vi-VN"])
        except subprocess.CalledProcessError:
            shutil.rmtree(self.data, ignore_errors=True)
            self._run(initdb)
        settings = ["-c", "listen_addresses=127.0.0.1", "-k", str(self.base),
                    "-c", "max_connections=200"]
        if not self.durable:
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off",
                         "-c", "full_page_writes=off"]
        for attempt in range(5):  # another process may take the free port before we do
            self.port = _free_port()
            try:
                self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                           str(self.base / "server.log"), "-w", "-t", "60", "start",
                           "-o", " ".join([*settings, "-p", str(self.port)])])
                break
            except subprocess.CalledProcessError:
                if attempt == 4:
                    raise RuntimeError(f"PostgreSQL did not start:\n{self.log()}") from None
        self._started = True
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        return self

    def stop(self) -> None:
        """Stop the server (fast: nothing needs to survive) and delete its directory."""
        try:
            if self._started:
                self._started = False
                self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                           "-w", "stop"], check=False)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def restart(self) -> None:
        """Restart the server on the same port (every connection is cut)."""
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                   "restart"])

    def log(self) -> str:
        path = self.base / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _run(self, command: list[str], *, check: bool = True) -> None:
        user = self._user
        subprocess.run(  # noqa: S603 - our own fixed command lines
            command, check=check, cwd=self.base, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
            user=None if user is None else user.pw_uid,
            group=None if user is None else user.pw_gid,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_accepting(url: str, timeout: float = 30.0) -> None:
    """Block until ``url`` accepts connections (after a restart)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
