"""Loading the plugin does not import psycopg (issue 12): it costs ~0.3 s, paid by every
host that loads the entry-point plugins and by ``dialogue-flow --help``, PostgreSQL or not.

The import checks run in a fresh interpreter: this one has imported psycopg (conftest).
No test here needs a PostgreSQL server.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import dialogue_flow_postgres
import pytest
from dialogue_flow_postgres import _storage, plugin

_HEAVY = ("dialogue_flow_postgres._storage", "psycopg", "psycopg_pool")


def _heavy_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; which of psycopg, its pool and ``_storage`` it
    imported."""
    probe = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps(sorted(m for m in {_HEAVY!r} if m in sys.modules)))
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,  # noqa: S603
                          check=False, timeout=120)
    assert 0 == done.returncode, done.stderr
    heavy: list[str] = json.loads(done.stdout.splitlines()[-1])
    return heavy


class TestImport:
    def test_importing_the_package_does_not_import_psycopg(self) -> None:
        """``import dialogue_flow_postgres`` leaves psycopg and ``_storage`` unloaded."""
        assert [] == _heavy_after("import dialogue_flow_postgres")

    def test_the_hook_skips_other_urls_without_psycopg(self) -> None:
        """All entry-point plugins loaded and asked to open SQLite and memory URLs: the
        PostgreSQL hook answers ``None`` without importing psycopg."""
        assert [] == _heavy_after("""
            from dialogue_flow import load_plugins
            pm = load_plugins(entry_points=True)
            assert pm.has_plugin("postgres")
            from dialogue_flow_postgres import plugin
            for url in ("sqlite:///x.db", "memory://", "", None):
                assert plugin.dialogue_flow_open_storage(url, create=True) is None
        """)

    def test_a_postgres_url_loads_the_backend(self) -> None:
        """The hook imports ``_storage`` for a PostgreSQL URL (here a malformed one, which
        the backend refuses before connecting)."""
        assert list(_HEAVY) == _heavy_after("""
            from dialogue_flow import ConfigurationError
            from dialogue_flow_postgres import plugin
            try:
                plugin.dialogue_flow_open_storage("postgresql://h/db?retries=many", create=True)
            except ConfigurationError:
                pass
        """)


class TestLazyNames:
    @pytest.mark.parametrize("name", ["MIGRATIONS", "SCHEMA_VERSION", "Migration",
                                      "PostgresStorage"])
    def test_backend_names_are_the_backends_objects(self, name: str) -> None:
        """Names read from ``_storage`` on first access are its very objects."""
        assert getattr(_storage, name) is getattr(dialogue_flow_postgres, name)

    def test_an_unknown_name_is_an_attribute_error(self) -> None:
        """The module ``__getattr__`` answers only for the backend's names."""
        with pytest.raises(AttributeError, match="no attribute 'Postgres'"):
            _ = dialogue_flow_postgres.Postgres  # type: ignore[attr-defined]

    def test_the_hook_and_the_backend_accept_the_same_schemes(self) -> None:
        """The hook's scheme list (``_schemes``, no psycopg) is the backend's."""
        assert _storage.SCHEMES == dialogue_flow_postgres.SCHEMES
        assert plugin.dialogue_flow_open_storage("mysql://h/db", create=True) is None
