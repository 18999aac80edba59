"""Organisations: the tree of committees one store holds, loaded from TOML (issue 14).

Since July 2025 a province's party committee has ~100 commune committees directly under it
(docs/domain.md, "Since 2025"). One store holds them all: every record belongs to one
organisation, a query names the organisation and optionally its subtree, and the default
role policy keeps each actor to its own organisation's records. A store that names no
organisation anywhere works as before: everything belongs to :data:`DEFAULT_ORGANISATION`,
which exists without being stored.

A tree file::

    [[organisation]]
    id = "tinh-mau"
    name = "Tỉnh ủy Mẫu"
    level = "province"
    bodies = ["Ban Tuyên giáo và Dân vận Tỉnh ủy", "Ban Nội chính Tỉnh ủy"]

    [[organisation]]
    id = "xa-mot"
    name = "Đảng ủy xã Một"
    level = "commune"
    parent = "tinh-mau"
    reception_dates = [10, 25]     # its head receives citizens the 10th and 25th (215-KL/TW)
    retention = "5y"               # personal data erased 5 years after a matter closes

    [[organisation.day_off]]       # this organisation and those under it
    date = 2025-10-07              # a TOML date, unquoted
    reason = "Nghỉ do bão số 11"   # [[organisation.working_day]] opens a day the same way
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import ConfigurationError, InvalidInputError, NotFoundError
from ._policy import read_toml
from ._records import DEFAULT_ORGANISATION, DayOverride, Level, Organisation

if TYPE_CHECKING:
    from .storage import Storage

__all__ = ["check_tree", "default_organisation", "organisations_from", "read_tree", "subtree",
           "tree_summary"]

_KEYS = {"id", "name", "level", "parent", "bodies", "policy", "day_off", "working_day",
         "reception_dates", "retention"}
_DAY_KEYS = {"date", "reason"}


def default_organisation() -> Organisation:
    """The organisation of records that name none (not stored unless a host stores it)."""
    return Organisation(DEFAULT_ORGANISATION, "Tổ chức mặc định", Level.COMMUNE)


def stored_or_default(storage: Storage, organisation_id: str) -> Organisation:
    """The stored organisation, or the default one, which exists without being stored.

    :raises NotFoundError: neither.
    """
    try:
        return storage.get_organisation(organisation_id)
    except NotFoundError:
        if organisation_id == DEFAULT_ORGANISATION:
            return default_organisation()
        raise


def subtree(parents: Iterable[tuple[str, str | None]], root: str) -> frozenset[str]:
    """``root`` and every organisation under it, from ``(id, parent_id)`` pairs."""
    children: dict[str | None, list[str]] = {}
    for org_id, parent_id in parents:
        children.setdefault(parent_id, []).append(org_id)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def read_tree(source: Path | str) -> list[Organisation]:
    """The organisations of a tree file (a :class:`~pathlib.Path`) or TOML text (a str).

    :raises ConfigurationError: naming the file and the entry that is wrong.
    """
    where, data = read_toml(source, "organisation tree")
    entries = data.get("organisation", [])
    if set(data) - {"organisation"}:
        raise ConfigurationError(f"{where}: expected [[organisation]] tables only")
    return organisations_from(where, entries)


def organisations_from(where: str, entries: object) -> list[Organisation]:
    """The organisations of parsed ``[[organisation]]`` tables (a tree file's, or those
    inline in a settings file), each checked.

    :raises ConfigurationError: naming ``where`` and the entry that is wrong.
    """
    if not isinstance(entries, list):
        raise ConfigurationError(f"{where}: write the organisations as [[organisation]] "
                                 "tables")
    return [_entry(where, n, entry) for n, entry in enumerate(entries)]


def _entry(where: str, n: int, entry: object) -> Organisation:
    at = f"{where}: organisation[{n}]"
    if not isinstance(entry, Mapping):
        raise ConfigurationError(f"{at}: expected a table")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigurationError(f"{at}: unknown keys {', '.join(unknown)}; expected some of "
                                 f"{', '.join(sorted(_KEYS))}")
    try:
        overrides = [*_days(at, entry, "day_off"), *_days(at, entry, "working_day")]
        return Organisation(id=entry["id"], name=entry["name"], level=entry["level"],
                            parent_id=entry.get("parent"), bodies=entry.get("bodies", ()),
                            policy_id=entry.get("policy"), calendar_overrides=overrides,
                            reception_dates=entry.get("reception_dates", ()),
                            retention=entry.get("retention"))
    except KeyError as exc:
        raise ConfigurationError(f"{at}: missing key {exc.args[0]!r}") from None
    except InvalidInputError as exc:
        raise ConfigurationError(f"{at}: {exc}") from None


def _days(at: str, entry: Mapping[str, object], kind: str) -> list[DayOverride]:
    """The ``[[organisation.day_off]]`` or ``[[organisation.working_day]]`` tables."""
    tables = entry.get(kind, [])
    if not isinstance(tables, list):
        raise ConfigurationError(f"{at}: write [[organisation.{kind}]] (an array of tables)")
    days = []
    for n, table in enumerate(tables):
        where = f"{at}.{kind}[{n}]"
        if not isinstance(table, Mapping) or set(table) != _DAY_KEYS:
            raise ConfigurationError(f"{where}: expected a table with date = YYYY-MM-DD "
                                     '(unquoted) and reason = "..."')
        try:
            days.append(DayOverride(table["date"], table["reason"], working=kind != "day_off"))
        except InvalidInputError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
    return days


def check_tree(organisations: Mapping[str, Organisation]) -> None:
    """Every parent exists and no organisation is its own ancestor."""
    for org in organisations.values():
        seen = [org.id]
        parent = org.parent_id
        while parent is not None:
            above = organisations.get(parent)
            if above is None:
                raise InvalidInputError("parent_id", f"organisation {org.id}: its parent "
                                        f"{parent!r} is neither stored nor being added")
            if above.id in seen:
                raise InvalidInputError("parent_id", "organisations may not form a circle: "
                                        f"{' -> '.join([*seen, above.id])}")
            seen.append(above.id)
            parent = above.parent_id


def tree_summary(organisations: Iterable[Organisation]) -> list[tuple[int, Organisation]]:
    """``(depth, organisation)`` in tree order (parents first, then children by id)."""
    orgs = sorted(organisations, key=lambda o: o.id)
    children: dict[str | None, list[Organisation]] = {}
    known = {o.id for o in orgs}
    for org in orgs:
        parent = org.parent_id if org.parent_id in known else None
        children.setdefault(parent, []).append(org)
    out: list[tuple[int, Organisation]] = []

    def walk(parent: str | None, depth: int) -> None:
        for org in children.get(parent, ()):
            out.append((depth, org))
            walk(org.id, depth + 1)

    walk(None, 0)
    return out
