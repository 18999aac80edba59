"""The plugin object of dialogue-flow-web, which the ``dialogue_flow`` entry point ``web``
names: a settings file naming the plugin (``[[plugin]] name = "web"``) gets ``dialogue-flow
serve`` from its hook. Installed, the ``dialogue_flow.commands`` entry point adds the
command anyway, loading only :mod:`dialogue_flow_web` (not this module: ``--help`` loads
no plugin the settings do not name)."""

from __future__ import annotations

import click

from dialogue_flow import hookimpl

from . import serve_command

__all__ = ["WebPlugin", "plugin"]


class WebPlugin:
    """Adds ``dialogue-flow serve`` (``dialogue_flow_cli_commands``)."""

    @hookimpl
    def dialogue_flow_cli_commands(self) -> list[click.Command]:
        """The ``serve`` command."""
        return [serve_command]


#: The plugin object the ``dialogue_flow`` entry point names.
plugin = WebPlugin()
