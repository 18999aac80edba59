"""The command-line side of plugins: the group that adds their commands, ``plugins`` and
``dispatch``.

Commands run the built-in plugins and those the settings file names (``[[plugin]]``), like
``DialogueFlow.open`` and ``load_plugins``: an installed plugin nobody named never runs
(storage URLs still find their backend, see ``_storage_urls``). Plugins are loaded the
first time a command needs them, a command the built-ins do not know is asked for, or
``--help`` lists them, so ``dialogue-flow calendar 2025`` never imports a plugin and a
broken plugin is reported as one clear line, not a traceback.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._cli_settings import config_option, db_option, open_flow, plugins_for
from ._errors import ConfigurationError, DialogueFlowError, PluginError
from ._plugins import PluginManager, load_plugins, plugin_policies
from .hookspecs import PROJECT_NAME

if TYPE_CHECKING:
    from ._policy import DeadlinePolicy, DeadlineRule, ReportRule

__all__ = ["COMMANDS_GROUP", "PluginGroup", "dispatch_command", "plugins_command",
           "policies_command"]

_COMMANDS = "dialogue_flow.plugin_commands"


class PluginGroup(click.Group):
    """A :class:`click.Group` that adds the ``dialogue_flow_cli_commands`` of plugins: those
    the settings file names (``--config`` before the command, or ``DIALOGUE_FLOW_CONFIG``),
    or those a host gave with :meth:`use_plugins`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type] # click's own signature
        #: The plugins a host chose for every command (``None``: the settings' plugins).
        self.plugins: PluginManager | None = None

    def use_plugins(self, plugins: PluginManager | None) -> None:
        """Use ``plugins`` for every command (``None``: back to the built-ins and the
        plugins the settings file names)."""
        self.plugins = plugins

    def plugin_manager(self, ctx: click.Context | None = None) -> PluginManager:
        """The plugins commands use: the host's, else the built-ins and those the settings
        file of ``ctx`` names (only the built-ins without a context).

        :raises PluginError: a plugin failed to load.
        """
        if self.plugins is not None:
            return self.plugins
        return load_plugins() if ctx is None else plugins_for(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an error the library or the system raised is a message and exit
        status 1, never a traceback (click's own usage errors keep their status 2)."""
        try:
            return super().invoke(ctx)
        except DialogueFlowError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:  # a missing folder for --output, a full disk, no permission
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror or type(exc).__name__}{where}") from exc

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        commands, error = self._plugin_commands(ctx)
        if error is not None:
            raise click.ClickException(
                f"no built-in command {cmd_name!r}, and plugins failed to load: {error}")
        if cmd_name in commands:
            return commands[cmd_name]
        return _installed_command(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        commands, error = self._plugin_commands(ctx)
        if error is not None:
            click.echo(f"Warning: plugin commands unavailable: {error}", err=True)
        return sorted({*super().list_commands(ctx), *commands, *_installed_command_names()})

    def _plugin_commands(self, ctx: click.Context,
                         ) -> tuple[dict[str, click.Command], ConfigurationError | None]:
        """The plugins' commands of this run (kept in the context: another run, with other
        settings, has its own)."""
        meta = ctx.find_root().meta
        found: tuple[dict[str, click.Command], ConfigurationError | None] | None = meta.get(
            _COMMANDS)
        if found is None:
            commands: dict[str, click.Command] = {}
            try:
                for batch in self.plugin_manager(ctx).hook.dialogue_flow_cli_commands():
                    for command in batch:
                        self._check_command(command, commands)
                        commands[command.name] = command
                found = (commands, None)
            except ConfigurationError as exc:  # a plugin, or the settings file naming it
                found = ({}, exc)
            meta[_COMMANDS] = found
        return found

    def _check_command(self, command: object, commands: dict[str, click.Command]) -> None:
        if not isinstance(command, click.Command) or command.name is None:
            raise PluginError("dialogue_flow_cli_commands must return named click "
                              f"commands, got {command!r}")
        if command.name in self.commands or command.name in commands:
            raise PluginError(f"a plugin's command {command.name!r} clashes with an "
                              "existing command of that name")


#: The entry-point group naming commands an installed distribution adds by itself
#: (``serve = "dialogue_flow_web:serve_command"``): like a storage or format plugin, it
#: works once installed, with no settings file naming the plugin. Only the command object
#: is loaded (its module must import quickly: ``--help`` loads it for its one-line help).
COMMANDS_GROUP = "dialogue_flow.commands"


def _installed_command_names() -> set[str]:
    return {ep.name for ep in entry_points(group=COMMANDS_GROUP)}


def _installed_command(name: str) -> click.Command | None:
    """The command an installed distribution names ``name`` in :data:`COMMANDS_GROUP`;
    one that fails to load is a stand-in that says why when run (and in ``--help``), so a
    broken plugin never breaks the other commands or their listing."""
    for ep in entry_points(group=COMMANDS_GROUP, name=name):
        where = f"{ep.value} ({ep.dist.name} {ep.dist.version})" if ep.dist else ep.value
        try:
            command = ep.load()
        except Exception as exc:  # noqa: BLE001 - reported as the command's own error
            return _broken(name, f"the command {name!r} of {where} failed to load: "
                                 f"{type(exc).__name__}: {exc}")
        if not isinstance(command, click.Command):
            return _broken(name, f"the command {name!r} of {where} is not a click command: "
                                 f"{type(command).__name__}")
        return command
    return None


def _broken(name: str, problem: str) -> click.Command:
    """A command that only reports ``problem``, whatever its arguments."""

    def fail(**_: object) -> None:
        raise click.ClickException(problem)

    return click.Command(name, callback=fail, help=f"(unavailable: {problem})",
                         context_settings={"ignore_unknown_options": True,
                                           "allow_extra_args": True})


def _plugins_of(ctx: click.Context, config: Path | None = None) -> PluginManager:
    try:
        return plugins_for(ctx, config)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("plugins")
@config_option
@click.pass_context
def plugins_command(ctx: click.Context, config: Path | None) -> None:
    """List the loaded plugins and the hooks each implements, the installed plugins not
    loaded (name them in the settings file to load them) and the storage URL schemes."""
    from ._storage_urls import BUILT_IN_SCHEMES, storage_entry_points  # noqa: PLC0415

    pm = _plugins_of(ctx, config)
    installed = {ep.name: ep for ep in entry_points(group=PROJECT_NAME)}
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: str(pair[0])):
        ep = installed.get(str(name))
        if ep is not None and ep.dist is not None:
            origin = f"{ep.dist.name} {ep.dist.version}"
        else:
            origin = ("built-in" if str(name).startswith("dialogue_flow.")
                      else "registered by the host")
        click.echo(f"{name} ({origin})")
        for hook in pm.hooks_of(plugin):
            click.echo(f"    {hook}")
    idle = sorted(set(installed) - {str(name) for name, _ in pm.list_name_plugin()})
    if idle:
        click.echo(f"installed, not loaded (name them in the settings' [[plugin]] tables): "
                   f"{', '.join(idle)}")
    schemes = ", ".join(f"{ep.name}://" for ep in storage_entry_points())
    click.echo(f"storage URLs: {', '.join(BUILT_IN_SCHEMES)}"
               f"{'; installed: ' + schemes if schemes else ''}")


@click.command("policies")
@config_option
@click.pass_context
def policies_command(ctx: click.Context, config: Path | None) -> None:
    """List the deadline policies (bundled and from plugins) with their legal basis."""
    from ._policy import DeadlinePolicy, bundled_policies  # noqa: PLC0415 - --help starts fast

    pm = _plugins_of(ctx, config)
    try:
        policies = {**{name: DeadlinePolicy.bundled(name) for name in bundled_policies()},
                    **plugin_policies(pm)}
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    for policy_id, policy in sorted(policies.items()):
        click.echo(f"{policy_id}: {policy.name}{_in_force(policy)}")
        for rule in policy.rules:
            channels = f" [{', '.join(rule.channels)}]" if rule.channels else ""
            variant = "" if rule.variant == "standard" else f" ({rule.variant})"
            click.echo(f"  {rule.id}: {rule.purpose.value}{variant}{channels}, {rule.count} "
                       f"{rule.unit.value} {rule.direction.value} {rule.anchor.value}"
                       f"{_in_force(rule)}")
            click.echo(f"      {rule.basis}")
        for report in policy.reports:
            click.echo(f"  {report.id}: report {report.period}, {_report_due(report)}"
                       f"{_in_force(report)}")
            click.echo(f"      {report.basis}")


def _in_force(item: DeadlinePolicy | DeadlineRule | ReportRule) -> str:
    since = f" from {item.effective_from.isoformat()}" if item.effective_from else ""
    return since + (f" until {item.effective_until.isoformat()}" if item.effective_until
                    else "")


def _report_due(report: ReportRule) -> str:
    if report.day is None:
        return "due date not set (the host adds the date its provincial office sets)"
    if report.month is not None:
        return f"due {report.limit} {report.day:02d}/{report.month:02d}"
    after = {0: "of the period's last month", 1: "of the month after"}.get(
        report.months_after or 0, f"{report.months_after} months after the period")
    return f"due {report.limit} day {report.day} {after}"


@click.command("dispatch")
@db_option
@config_option
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many notifications in this pass.")
@click.option("--org", "organisation", default=None,
              help="This organisation's notifications only (default: every one).")
@click.option("--subtree", is_flag=True, help="With --org: its communes' too.")
@click.pass_context
def dispatch_command(ctx: click.Context, url: str | None, config: Path | None, limit: int,
                     organisation: str | None, subtree: bool) -> None:
    """Deliver due notifications once through every notifier plugin and print the counts:
    delivered (a channel reached someone), logged only (no channel reached the recipients),
    no recipient (nobody named; each listed by key)."""
    try:
        with open_flow(ctx, url, config) as flow:
            result = flow.dispatch(limit, organisation=organisation, subtree=subtree)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"delivered: {result.delivered}, logged only: {result.logged}, "
               f"no recipient: {result.no_recipient}, retried: {result.retried}, "
               f"parked: {result.parked}")
    for key in result.no_recipient_keys:
        click.echo(f"no recipient: {key}")
