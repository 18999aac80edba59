"""Deadline policies: the legal time limits as data (see :class:`DeadlinePolicy`).

The names a policy file speaks in live here (``Unit``, ``Direction``, ``Anchor``,
``Purpose``) rather than at the top of the package, where such generic names would read as
if they meant something package-wide. ``DeadlinePolicy``, ``DeadlineRule``, ``ReportRule``,
``ReportDue`` and ``bundled_policies`` are also importable from :mod:`dialogue_flow`;
``ConfidentialRules`` (a policy's ``[confidential]`` table) only from here.
"""

from ._policy import (
    Anchor,
    DeadlinePolicy,
    DeadlineRule,
    Direction,
    Purpose,
    ReportDue,
    ReportRule,
    Unit,
    bundled_policies,
)
from ._withheld import ConfidentialRules

__all__ = [
    "Anchor",
    "ConfidentialRules",
    "DeadlinePolicy",
    "DeadlineRule",
    "Direction",
    "Purpose",
    "ReportDue",
    "ReportRule",
    "Unit",
    "bundled_policies",
]
