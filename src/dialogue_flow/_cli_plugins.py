"""The command-line side of plugins: the group that adds their commands, ``plugins`` and
``dispatch``.

Plugins are loaded the first time a command the built-ins do not know is asked for (or
``--help`` lists them), so ``dialogue-flow calendar 2025`` never imports a plugin and a
broken plugin is reported as one clear line, not a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from ._errors import DialogueFlowError, PluginError
from ._flow import DialogueFlow
from ._plugins import PluginManager, load_plugins, plugin_policies
from ._policy import DeadlinePolicy, DeadlineRule, ReportRule, bundled_policies

__all__ = ["PluginGroup", "dispatch_command", "plugins_command", "policies_command"]


class PluginGroup(click.Group):
    """A :class:`click.Group` that adds the ``dialogue_flow_cli_commands`` of plugins."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type] # click's own signature
        self.plugins: PluginManager | None = None
        self._added: list[str] = []
        self._loaded = False
        self._error: PluginError | None = None

    def use_plugins(self, plugins: PluginManager | None) -> None:
        """Use ``plugins`` (``None``: the entry-point plugins) and forget added commands."""
        for name in self._added:
            self.commands.pop(name, None)
        self.plugins, self._added, self._loaded, self._error = plugins, [], False, None

    def plugin_manager(self) -> PluginManager:
        """The plugins commands use; loads the entry-point group on first use.

        :raises PluginError: a plugin failed to load.
        """
        if self.plugins is None:
            self.plugins = load_plugins(entry_points=True)
        return self.plugins

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
        self._load_commands()
        if self._error is not None:
            raise click.ClickException(
                f"no built-in command {cmd_name!r}, and plugins failed to load: {self._error}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_commands()
        if self._error is not None:
            click.echo(f"Warning: plugin commands unavailable: {self._error}", err=True)
        return super().list_commands(ctx)

    def _load_commands(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            for batch in self.plugin_manager().hook.dialogue_flow_cli_commands():
                for command in batch:
                    self._add_plugin_command(command)
        except PluginError as exc:
            self._error = exc

    def _add_plugin_command(self, command: object) -> None:
        if not isinstance(command, click.Command) or command.name is None:
            raise PluginError("dialogue_flow_cli_commands must return named click "
                              f"commands, got {command!r}")
        if command.name in self.commands:
            raise PluginError(f"a plugin's command {command.name!r} clashes with an "
                              "existing command of that name")
        self.add_command(command)
        self._added.append(command.name)


def _plugins_of(ctx: click.Context) -> PluginManager:
    group = ctx.find_root().command
    try:
        if isinstance(group, PluginGroup):
            return group.plugin_manager()
        return load_plugins(entry_points=True)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("plugins")
@click.pass_context
def plugins_command(ctx: click.Context) -> None:
    """List the loaded plugins and the hooks each implements."""
    pm = _plugins_of(ctx)
    dists = {id(plugin): f"{dist.project_name} {dist.version}"
             for plugin, dist in pm.list_plugin_distinfo()}
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: str(pair[0])):
        origin = dists.get(id(plugin), "built-in" if str(name).startswith("dialogue_flow.")
                           else "registered by the host")
        click.echo(f"{name} ({origin})")
        for hook in pm.hooks_of(plugin):
            click.echo(f"    {hook}")


@click.command("policies")
@click.pass_context
def policies_command(ctx: click.Context) -> None:
    """List the deadline policies (bundled and from plugins) with their legal basis."""
    pm = _plugins_of(ctx)
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
@click.option("--db", "url", required=True, help="Storage URL, e.g. sqlite:///flow.db.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many notifications in this pass.")
@click.option("--org", "organisation", default=None,
              help="This organisation's notifications only (default: every one).")
@click.option("--subtree", is_flag=True, help="With --org: its communes' too.")
@click.pass_context
def dispatch_command(ctx: click.Context, url: str, limit: int, organisation: str | None,
                     subtree: bool) -> None:
    """Deliver due notifications once through every notifier plugin and print the counts."""
    pm = _plugins_of(ctx)
    try:
        with DialogueFlow.open(url, plugins=pm) as flow:
            result = flow.dispatch(limit, organisation=organisation, subtree=subtree)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"delivered: {result.delivered}, retried: {result.retried}, "
               f"parked: {result.parked}")
