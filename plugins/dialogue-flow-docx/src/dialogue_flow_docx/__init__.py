"""Word documents in the party's format for dialogue_flow (issue 18).

The plugin object implements the format hooks; python-docx, docxtpl and matplotlib are
imported inside them, so the command line starts fast with the plugin installed.
"""

from __future__ import annotations

__all__ = ["plugin"]


class _Plugin:
    """No hooks yet."""


plugin = _Plugin()  # the hooks are written by the docx engineer (issue 18, part 1)
