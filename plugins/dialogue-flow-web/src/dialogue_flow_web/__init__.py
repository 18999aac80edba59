"""A reference web host for dialogue_flow (issue 19): the office's screens behind a log-in
and the citizen's status page by tracking code, server-rendered, Vietnamese by default.

``dialogue-flow serve --config dialogue-flow.toml`` runs it (the ``dialogue_flow.commands``
entry point, or the plugin's ``dialogue_flow_cli_commands`` hook, :mod:`dialogue_flow_web.hooks`,
when a settings file names the plugin ``web``); a host builds it itself with
``create_app(WebConfig(...))``.

Importing the package is cheap (``dialogue-flow --help`` loads :data:`serve_command` for its
one-line help, and not the plugin's hooks): Starlette, Jinja2, argon2 and uvicorn are
imported by :func:`create_app` and the command, and the public names below on first use.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ._app import create_app
    from ._cli import access_log_config
    from ._config import User, WebConfig, config_from_settings, users_from_actors
    from ._security import hash_password
    from .hooks import WebPlugin, plugin

__all__ = ["User", "WebConfig", "WebPlugin", "access_log_config", "config_from_settings",
           "create_app", "hash_password", "plugin", "serve_command", "users_from_actors"]

_HOMES = {"create_app": "_app", "access_log_config": "_cli", "User": "_config",
          "WebConfig": "_config", "config_from_settings": "_config", "users_from_actors": "_config",
          "hash_password": "_security", "WebPlugin": "hooks", "plugin": "hooks"}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


@click.command("serve")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The settings file (default: dialogue-flow --config, or "
              "the DIALOGUE_FLOW_CONFIG environment variable).")
@click.option("--db", "url", default=None,
              help="Storage URL (default: the settings file's storage).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--lookups-per-minute", default=10, show_default=True,
              type=click.IntRange(min=1), help="Citizen lookups per client per minute.")
@click.option("--logins-per-minute", default=10, show_default=True,
              type=click.IntRange(min=1), help="Failed log-ins per client per minute.")
@click.pass_context
def serve_command(ctx: click.Context, config: Path | None, url: str | None, host: str,
                  port: int, lookups_per_minute: int, logins_per_minute: int) -> None:
    """Serve the office's screens and the citizens' status page (dialogue-flow-web)."""
    chosen = config or ctx.find_root().params.get("config") or os.environ.get(
        "DIALOGUE_FLOW_CONFIG")
    if not chosen:
        raise click.UsageError("name the settings file: --config dialogue-flow.toml (its "
                               "[[actor]] tables are who may log in)")
    from ._cli import serve  # noqa: PLC0415 - uvicorn and Starlette only when serving

    serve(Path(chosen), url=url, host=host, port=port, lookups_per_minute=lookups_per_minute,
          logins_per_minute=logins_per_minute)
