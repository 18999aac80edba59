"""The ``dialogue-flow`` command line."""

from __future__ import annotations

import click

from ._version import __version__

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dialogue-flow")
def main() -> None:
    """Deadlines, lifecycles and reports for direct dialogues with the People."""


def _register_builtin_commands() -> None:
    from ._cli_calendar import calendar_command, deadline_command  # noqa: PLC0415
    from ._cli_flow import demo_command, diagram_command  # noqa: PLC0415

    for command in (calendar_command, deadline_command, demo_command, diagram_command):
        main.add_command(command)


_register_builtin_commands()
