"""The settings file's ``[[actor]]`` tables (issue 19): who works in which organisation, in
which role, and how they log in to a host (the reference web host, ``dialogue-flow-web``).

```toml
[[actor]]
id = "vp.xa-mau-dong"
name = "Văn phòng Đảng ủy xã Mẫu Đông"
role = "office"
organisation = "xa-mau-dong"   # default: the default organisation
login = "vanphong"             # default: the id
password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."   # never the password itself
```

The library keeps the hash as given and never checks it: a host verifies passwords with
its own maintained library (the web host uses argon2, ``python -m dialogue_flow_web
hash-password`` makes one). A hash is left out of every ``repr`` and error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Protocol

import attrs

from ._errors import ConfigurationError, InvalidInputError
from ._records import DEFAULT_ORGANISATION, Actor, Role

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ActorEntry", "read_actors"]

_KEYS: Final = {
    "id": 'the actor\'s id, e.g. "vp.xa-mau-dong" (recorded with everything they do)',
    "name": 'the name shown and recorded, e.g. "Văn phòng Đảng ủy"',
    "role": f"one of {', '.join(role.value for role in Role)}",
    "organisation": "the id of the organisation they act in (default: the default one)",
    "department": "the department of an actor of role department",
    "login": "the name they log in with (default: the id)",
    "password_hash": "the hash of their password (argon2, bcrypt...; never the password)",
}


@attrs.frozen
class ActorEntry:
    """An actor of the settings file, with how they log in."""

    actor: Actor
    login: str
    #: The password's hash as the file gives it (``None``: this actor cannot log in).
    password_hash: str | None = attrs.field(default=None, repr=False)


class _Reader(Protocol):
    """What :func:`read_actors` needs of the settings file's reader."""

    file: Path

    def fail(self, key: str, expected: str, value: object) -> ConfigurationError: ...

    def known(self, where: str, table: Mapping[str, object],
              keys: Mapping[str, str]) -> None: ...


def read_actors(reader: _Reader, value: object) -> tuple[ActorEntry, ...]:
    """The ``[[actor]]`` tables (none: an empty tuple).

    :raises ConfigurationError: naming the file, the table and what is wrong (never a
        password hash's value).
    """
    if value is None:
        return ()
    if not isinstance(value, list):
        raise reader.fail("actor", "[[actor]] tables", value)
    entries: list[ActorEntry] = []
    ids: set[str] = set()
    logins: set[str] = set()
    for n, table in enumerate(value, start=1):
        where = f"[[actor]] #{n}"
        if not isinstance(table, Mapping):
            raise reader.fail(where, "an [[actor]] table", table)
        reader.known(f"{where} ", table, _KEYS)
        entry = _entry(reader, where, table)
        if entry.actor.id in ids:
            raise ConfigurationError(f"{reader.file}: {where}: the id {entry.actor.id!r} is "
                                     "given twice")
        if entry.login in logins:
            raise ConfigurationError(f"{reader.file}: {where}: the login {entry.login!r} is "
                                     "given twice")
        ids.add(entry.actor.id)
        logins.add(entry.login)
        entries.append(entry)
    return tuple(entries)


def _entry(reader: _Reader, where: str, table: Mapping[str, object]) -> ActorEntry:
    for key in ("id", "name", "role"):
        if key not in table:
            raise ConfigurationError(f"{reader.file}: {where}: {key} is missing "
                                     f"({_KEYS[key]})")
    for key in ("id", "name", "role", "organisation", "department", "login"):
        if key in table and not isinstance(table[key], str):
            raise reader.fail(f"{where}.{key}", _KEYS[key], table[key])
    digest = table.get("password_hash")
    if digest is not None and (not isinstance(digest, str) or not digest.strip()):
        raise ConfigurationError(f"{reader.file}: {where}.password_hash: expected "
                                 f"{_KEYS['password_hash']} as text")
    try:
        role = Role(str(table["role"]))
    except ValueError:
        raise reader.fail(f"{where}.role", _KEYS["role"], table["role"]) from None
    try:
        actor = Actor(str(table["id"]), str(table["name"]), role,
                      department=_text(table.get("department")),
                      organisation_id=str(table.get("organisation", DEFAULT_ORGANISATION)))
    except InvalidInputError as exc:
        raise ConfigurationError(f"{reader.file}: {where}: {exc}") from None
    login = str(table.get("login", actor.id)).strip()
    if not login:
        raise reader.fail(f"{where}.login", _KEYS["login"], table.get("login"))
    return ActorEntry(actor, login, None if digest is None else str(digest))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
