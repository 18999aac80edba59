"""Excel for dialogue_flow (issue 18): the register and reports as .xlsx, and a register
read from .xlsx for an import.

openpyxl is imported inside the hooks, so the command line starts fast with the plugin
installed.
"""

from __future__ import annotations

__all__ = ["plugin"]


class _Plugin:
    """No hooks yet."""


plugin = _Plugin()  # the hooks are written by the xlsx engineer (issue 18, part 2)
