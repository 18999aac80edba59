"""The ``dialogue-flow`` command line."""

from __future__ import annotations

from pathlib import Path

import click

from ._cli_attachments import attach_command, attachments_command
from ._cli_calendar import calendar_command, deadline_command
from ._cli_check import check_command, repair_command
from ._cli_documents import chart_command, document_command
from ._cli_flow import (
    demo_command,
    diagram_command,
    outbox_command,
    report_command,
    sweep_command,
)
from ._cli_merge import merge_command
from ._cli_orgs import orgs_command
from ._cli_personal import access_log_command, erase_command, export_person_command
from ._cli_plugins import PluginGroup, dispatch_command, plugins_command, policies_command
from ._cli_reception import ics_command, lookup_command, receptions_command
from ._cli_settings import group_config_option, init_command
from ._cli_status import status_command
from ._cli_store import backup_command, copy_command, prune_command, restore_command
from ._cli_tables import export_command, import_command
from ._version import __version__

__all__ = ["main"]


# PluginGroup adds the plugins' commands (dialogue_flow_cli_commands) when first needed.
@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dialogue-flow")
@group_config_option
def main(config: Path | None) -> None:
    """Deadlines, lifecycles and reports for direct dialogues with the People.

    Commands read their settings from --config FILE (here or after the command) or
    DIALOGUE_FLOW_CONFIG; see docs/settings.md.
    """
    del config  # each command reads it from the context


for _command in (calendar_command, check_command, deadline_command, demo_command,
                 diagram_command, dispatch_command, ics_command, init_command, lookup_command,
                 orgs_command, outbox_command, plugins_command, policies_command,
                 receptions_command, repair_command, report_command, sweep_command):
    main.add_command(_command)
for _command in (attach_command, attachments_command):  # issue 17: attachments
    main.add_command(_command)
for _command in (access_log_command, erase_command, export_person_command):  # issue 17
    main.add_command(_command)
for _command in (backup_command, copy_command, prune_command,  # issue 17: housekeeping,
                 restore_command):                             # backups, moving stores
    main.add_command(_command)
main.add_command(status_command)  # issue 17: knowing the jobs run
main.add_command(merge_command)  # issue 17: merging communes' stores
for _command in (chart_command, document_command):  # issue 18: documents and charts
    main.add_command(_command)
for _command in (export_command, import_command):  # issue 18: spreadsheets
    main.add_command(_command)
