"""``dialogue-flow serve`` and ``python -m dialogue_flow_web hash-password``."""

from __future__ import annotations

import copy
import getpass
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from dialogue_flow import DialogueFlowError

__all__ = ["RedactLookups", "access_log_config", "hash_password_command", "main", "serve"]


class RedactLookups(logging.Filter):
    """Keeps tracking codes out of uvicorn's access log: the query of a ``/status`` line
    (``/status?code=…``) is written as ``/status?…``. A tracking code is what lets anyone
    read where a citizen's matter stands, so it is not left in log files."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn's access line: (client, method, path with query, HTTP version, status)
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, _, query = args[2].partition("?")
            if query and path.rstrip("/").endswith("/status"):  # mounted under a prefix too
                record.args = (*args[:2], f"{path}?…", *args[3:])
        return True


def access_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with :class:`RedactLookups` on its access
    log."""
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415 - only when serving

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_lookups"] = {
        "()": f"{__name__}.RedactLookups"}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_lookups"]
    return config


def serve(config: Path, *, url: str | None, host: str, port: int,
          lookups_per_minute: int, logins_per_minute: int = 10) -> None:
    """Build the app of the settings file ``config`` and run it with uvicorn until stopped.
    The flow is opened before the server starts, so a missing or wrong store stops the
    command with its message instead of failing the first request."""
    import uvicorn  # noqa: PLC0415 - only when serving

    from ._app import create_app  # noqa: PLC0415
    from ._config import SECRET_ENV_VAR, config_from_settings  # noqa: PLC0415

    try:
        web_config = config_from_settings(config, storage=url,
                                          lookups_per_minute=lookups_per_minute,
                                          logins_per_minute=logins_per_minute)
        app = create_app(web_config)
        app.state.web.shared.get()
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    if not os.environ.get(SECRET_ENV_VAR):
        click.echo(f"Note: {SECRET_ENV_VAR} is not set; a random key signs the sessions, so "
                   "everyone must log in again when the server restarts.", err=True)
    uvicorn.run(app, host=host, port=port, log_config=access_log_config())


@click.group()
def main() -> None:
    """dialogue-flow-web's helpers."""


@main.command("hash-password")
def hash_password_command() -> None:
    """Print the argon2 hash of a password for a settings file's [[actor]] password_hash.

    Asked twice without echo on a terminal; read from the first line of standard input
    otherwise (``printf '%s\\n' "$PW" | python -m dialogue_flow_web hash-password``).
    """
    from ._security import hash_password  # noqa: PLC0415 - argon2 only here

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise click.ClickException("the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("an empty password cannot be hashed")
    click.echo(hash_password(password))
