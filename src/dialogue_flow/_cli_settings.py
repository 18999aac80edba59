"""The command line's side of the settings file (issue 16): ``--config``, opening a flow
for a command, and ``dialogue-flow init``.

Every command that opens a store takes ``--config PATH`` (or reads ``DIALOGUE_FLOW_CONFIG``;
``dialogue-flow --config PATH COMMAND`` works too) and ``--db URL``; an explicit ``--db`` or
``--lang`` wins over the file. No command but ``init`` and ``demo`` creates a store: a
mistyped path is an error naming it, not an empty database that reports all zeros.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._plugins import PluginManager, load_plugins
from ._settings import ENV_VAR, Settings, init_store, policy_arg, read_settings

if TYPE_CHECKING:
    from ._flow import DialogueFlow

__all__ = ["config_option", "day", "db_option", "group_config_option", "init_command", "open_flow",
           "plugins_for", "settings_for"]

_F = TypeVar("_F", bound=Callable[..., Any])
_SETTINGS = "dialogue_flow.settings"
_PLUGINS = "dialogue_flow.plugins"

_CONFIG_HELP = ("Settings file (dialogue-flow.toml): storage, policy, language, calendar, "
                "organisations, plugins.")

#: ``--config PATH`` on every command that reads settings.
config_option: Callable[[_F], _F] = click.option(
    "--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
    envvar=ENV_VAR, show_envvar=True, help=_CONFIG_HELP)

#: ``dialogue-flow --config PATH COMMAND``: read before ``--help`` lists the commands of
#: the plugins the file names.
group_config_option: Callable[[_F], _F] = click.option(
    "--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
    envvar=ENV_VAR, show_envvar=True, is_eager=True, help=_CONFIG_HELP)

#: ``--db URL``: the store to open (default: the settings file's).
def day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    """The callback of an option taking a day (``--today``, ``--from``): ISO text to a date."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-05") from None


db_option: Callable[[_F], _F] = click.option(
    "--db", "url", default=None,
    help="Storage URL, e.g. sqlite:///commune.db (default: the settings file's storage).")


def settings_for(ctx: click.Context, config: Path | None = None) -> Settings | None:
    """The settings of this run: ``config`` (the command's ``--config``), else the group's
    ``--config`` or ``DIALOGUE_FLOW_CONFIG``; ``None`` when there is none. Read once."""
    root = ctx.find_root()
    chosen = config if config is not None else root.params.get("config")
    if chosen is None and ENV_VAR in os.environ:  # `--help` runs before options are read
        chosen = Path(os.environ[ENV_VAR])
    if chosen is None:
        return None
    cached: tuple[Path, Settings] | None = root.meta.get(_SETTINGS)
    if cached is None or cached[0] != chosen:
        cached = root.meta[_SETTINGS] = (chosen, read_settings(chosen))
    return cached[1]


def plugins_for(ctx: click.Context, config: Path | None = None) -> PluginManager:
    """The plugins of this run: those a host gave the group (``main.use_plugins``), else
    the built-ins and those the settings name. Installed plugins the settings do not name
    are not loaded (storage URLs find theirs anyway)."""
    chosen = getattr(ctx.find_root().command, "plugins", None)  # PluginGroup.use_plugins
    if isinstance(chosen, PluginManager):
        return chosen
    settings = settings_for(ctx, config)
    root = ctx.find_root()
    cached: tuple[Settings | None, PluginManager] | None = root.meta.get(_PLUGINS)
    if cached is None or cached[0] is not settings:
        pm = load_plugins() if settings is None else settings.plugin_manager()
        cached = root.meta[_PLUGINS] = (settings, pm)
    return cached[1]


def open_flow(ctx: click.Context, url: str | None, config: Path | None, *,
              language: str | None = None, create: bool = False, check_store: bool = True,
              **options: Any) -> DialogueFlow:
    """The flow a command runs on: ``--db`` or the settings' storage, the settings'
    policy, language, calendar and plugins (``language`` when given wins), refusing a store
    that does not exist (unless ``create``) or runs under another policy."""
    from ._flow import DialogueFlow  # noqa: PLC0415 - only a command that runs needs it

    settings = settings_for(ctx, config)
    pm = plugins_for(ctx, config)
    if language is not None:
        options["language"] = language
    if settings is None:
        if url is None:
            raise click.UsageError(f"no storage: give --db URL, or a settings file with "
                                   f"--config PATH (or {ENV_VAR})")
        return DialogueFlow.open(url, plugins=pm, create=create, **options)
    return settings.open_flow(DialogueFlow, plugins=pm, storage=url, create=create,
                              check_store=check_store, **options)


@click.command("init")
@db_option
@config_option
@click.option("--policy", "policy", default=None,
              help="The policy to record (default: the settings file's, else seed-plan).")
@click.pass_context
def init_command(ctx: click.Context, url: str | None, config: Path | None,
                 policy: str | None) -> None:
    """Create a store (or bring an existing one in line with the settings): the schema, the
    settings' organisations, and the policy the store runs under from now on."""
    from ._flow import DialogueFlow  # noqa: PLC0415 - keeps `dialogue-flow --help` fast

    settings = settings_for(ctx, config)
    if settings is None and url is None:
        raise click.UsageError(f"init needs --db URL or a settings file (--config PATH or "
                               f"{ENV_VAR})")
    chosen = None if policy is None else policy_arg(policy)
    done = init_store(DialogueFlow, settings, storage=url, policy=chosen,
                      plugins=plugins_for(ctx, config))  # errors: one line, by PluginGroup
    where = url if url is not None else settings.storage if settings is not None else None
    click.echo(f"store ready: {_shown(where)}")
    click.echo(f"policy: {done.policy} ({'recorded now' if done.recorded else 'as recorded'})")
    click.echo(f"organisations: {done.loaded} in the settings, {done.stored} stored")


def _shown(url: str | None) -> str:
    """A storage URL fit to print: a SQLite path whole, any other URL by its scheme only (it
    may carry a password)."""
    if url is None or url.startswith(("sqlite:", "memory:")):
        return str(url)
    return f"{url.split(':', 1)[0]}://..."
