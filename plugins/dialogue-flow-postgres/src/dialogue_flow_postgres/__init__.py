"""PostgreSQL storage for ``dialogue_flow``: many workers on many machines.

Installed, the distribution registers :data:`plugin` in the ``dialogue_flow`` entry-point
group; it opens ``postgresql://`` and ``postgres://`` URLs through the
``dialogue_flow_open_storage`` hook and answers ``None`` for every other scheme::

    from dialogue_flow import DialogueFlow

    flow = DialogueFlow.open("postgresql://flow@db.example.vn/dialogues",
                             load_entry_points=True)

or, without entry points, ``DialogueFlow(PostgresStorage.from_url(url))``. See
:mod:`dialogue_flow_postgres._storage` for how commits, claims and retries work.
"""

from __future__ import annotations

from dialogue_flow import hookimpl

from ._storage import MIGRATIONS, SCHEMA_VERSION, SCHEMES, Migration, PostgresStorage

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SCHEMES",
    "Migration",
    "PostgresPlugin",
    "PostgresStorage",
    "plugin",
]


class PostgresPlugin:
    """The ``dialogue_flow_open_storage`` implementation for PostgreSQL URLs."""

    @hookimpl
    def dialogue_flow_open_storage(self, url: str) -> PostgresStorage | None:
        """Open ``url`` if its scheme is ``postgresql`` or ``postgres``; else ``None``."""
        if not isinstance(url, str) or url.split(":", 1)[0].lower() not in SCHEMES:  # type: ignore[redundant-expr] # a hook's caller may pass anything
            return None
        return PostgresStorage.from_url(url)


#: The instance the ``postgres`` entry point registers.
plugin = PostgresPlugin()
