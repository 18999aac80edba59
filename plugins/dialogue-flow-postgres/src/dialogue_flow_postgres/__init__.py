"""PostgreSQL storage for ``dialogue_flow``: many workers on many machines.

Installed, the distribution names :data:`plugin` in the ``dialogue_flow.storage``
entry-point group for the ``postgresql`` and ``postgres`` URL schemes (and in the
``dialogue_flow`` group, for hosts that load every plugin); it opens those URLs through the
``dialogue_flow_open_storage`` hook and answers ``None`` for every other scheme. A host
needs nothing else::

    from dialogue_flow import DialogueFlow

    flow = DialogueFlow.open("postgresql://flow@db.example.vn/dialogues")

or, without entry points, ``DialogueFlow(PostgresStorage.from_url(url))``. See
:mod:`dialogue_flow_postgres._storage` for how commits, claims and retries work.

Importing this package (as every host that loads the entry-point plugins does, and
``dialogue-flow --help``) does not import psycopg: :class:`PostgresStorage`,
:data:`MIGRATIONS`, :data:`SCHEMA_VERSION` and :class:`Migration` are loaded from
``_storage`` on first access, and the hook imports it only for a PostgreSQL URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from dialogue_flow import hookimpl

from ._schemes import SCHEMES, is_postgres_url

if TYPE_CHECKING:
    from ._storage import MIGRATIONS, SCHEMA_VERSION, Migration, PostgresStorage

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SCHEMES",
    "Migration",
    "PostgresPlugin",
    "PostgresStorage",
    "plugin",
]

# What `_storage` defines, behind psycopg (~0.3 s to import): read on first access.
_FROM_STORAGE: Final = frozenset({"MIGRATIONS", "SCHEMA_VERSION", "Migration",
                                  "PostgresStorage"})


if not TYPE_CHECKING:  # type checkers read the imports above, and still flag typos

    def __getattr__(name: str) -> object:
        if name not in _FROM_STORAGE:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from . import _storage  # noqa: PLC0415 - psycopg only for those who use it

        value: object = getattr(_storage, name)
        globals()[name] = value
        return value


class PostgresPlugin:
    """The ``dialogue_flow_open_storage`` implementation for PostgreSQL URLs."""

    @hookimpl
    def dialogue_flow_open_storage(self, url: str, create: bool) -> PostgresStorage | None:
        """Open ``url`` if its scheme is ``postgresql`` or ``postgres``; else ``None``.
        Unless ``create``, a schema without the tables is refused, not filled."""
        if not is_postgres_url(url):  # a hook's caller may pass anything
            return None
        from ._storage import PostgresStorage  # noqa: PLC0415 - psycopg only for PostgreSQL

        return PostgresStorage.from_url(url, create=create)


#: The instance the ``postgres`` entry point registers.
plugin = PostgresPlugin()
