"""Which storage URLs this plugin opens, known without importing psycopg.

The ``dialogue_flow_open_storage`` hook is asked about every URL a host opens; answering
``None`` for ``sqlite://`` must not cost the ~0.3 s of importing psycopg and its pool.
"""

from __future__ import annotations

from typing import Final

__all__ = ["SCHEMES", "is_postgres_url"]

#: The URL schemes this backend opens.
SCHEMES: Final = ("postgresql", "postgres")


def is_postgres_url(url: object) -> bool:
    """Whether ``url`` is a string whose scheme is one of :data:`SCHEMES`."""
    return isinstance(url, str) and url.split(":", 1)[0].lower() in SCHEMES
