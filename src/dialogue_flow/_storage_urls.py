"""Opening storage by URL (issue 16): the host's plugins, the built-in schemes, then the
installed storage plugins, by scheme.

A distribution that provides a backend names its plugin in the ``dialogue_flow.storage``
entry-point group once per URL scheme it opens::

    [project.entry-points."dialogue_flow.storage"]
    postgresql = "dialogue_flow_postgres:plugin"

so ``DialogueFlow.open("postgresql://...")`` works as soon as it is installed. Only that
entry point is imported, and only its ``dialogue_flow_open_storage`` hook is called (from a
plugin manager of its own, dropped afterwards): installing a package never makes its other
hooks, authorisation above all, run in a host that did not name it.
"""

from __future__ import annotations

import importlib.metadata
from typing import Final

from ._errors import ConfigurationError, InvalidInputError, PluginError
from ._plugins import PluginManager, own_plugin_manager
from ._plugins import distribution_of as _dist
from .storage import Storage
from .storage._memory import MemoryStorage
from .storage._sqlite import SQLiteStorage

__all__ = ["BUILT_IN_SCHEMES", "STORAGE_GROUP", "open_storage", "storage_entry_points"]

#: The entry-point group naming, per URL scheme, the plugin that opens it.
STORAGE_GROUP: Final = "dialogue_flow.storage"

#: The URLs this package opens itself.
BUILT_IN_SCHEMES: Final = ("memory://", "sqlite:///path/to/file.db", "sqlite:// (in memory)")

#: The distribution to install for each scheme this project publishes a backend for.
_DISTRIBUTIONS: Final = {"postgresql": "dialogue-flow-postgres",
                         "postgres": "dialogue-flow-postgres"}


def open_storage(url: str, plugins: PluginManager, *, create: bool) -> Storage:
    """The storage ``url`` names.

    Asks the host's ``plugins`` first (they may add or take over schemes), then opens
    ``memory://`` and ``sqlite:`` URLs itself, then asks the installed storage plugin
    registered for the URL's scheme.

    :raises ConfigurationError: no backend opens this scheme (naming the installed ones
        and the distribution to install), or ``create`` is ``False`` and there is no store.
    """
    if not isinstance(url, str):
        raise InvalidInputError("url", f"expected a storage URL string, got {url!r}")
    if not isinstance(create, bool):
        raise InvalidInputError("create", f"expected True or False, got {create!r}")
    storage: Storage | None = plugins.hook.dialogue_flow_open_storage(url=url, create=create)
    if storage is not None:
        return storage
    if url == "memory://":
        return MemoryStorage()
    if url.startswith("sqlite:"):
        return SQLiteStorage.from_url(url, create=create)
    scheme = _scheme(url)
    installed = storage_entry_points()
    for ep in installed:
        if ep.name == scheme:
            return _open_with(ep, url, scheme, create=create)
    raise ConfigurationError(_no_backend(scheme, installed))


def storage_entry_points() -> list[importlib.metadata.EntryPoint]:
    """The installed ``dialogue_flow.storage`` entry points (one per scheme), by name."""
    return sorted(importlib.metadata.entry_points(group=STORAGE_GROUP), key=lambda ep: ep.name)


def _scheme(url: str) -> str:
    # Only the scheme, never the rest: a URL may carry a password.
    return url.split(":", 1)[0].lower() if ":" in url else "(no scheme)"


def _open_with(ep: importlib.metadata.EntryPoint, url: str, scheme: str, *,
               create: bool) -> Storage:
    # This plugin alone, and only its storage hook is called.
    own = own_plugin_manager(ep, STORAGE_GROUP, f"the storage plugin for {scheme}:// URLs")
    storage: Storage | None = own.hook.dialogue_flow_open_storage(url=url, create=create)
    if storage is None:
        raise PluginError(f"the storage plugin for {scheme}:// URLs ({_dist(ep)}) did not "
                          "open the URL")
    return storage


def _no_backend(scheme: str, installed: list[importlib.metadata.EntryPoint]) -> str:
    plugins = ", ".join(f"{ep.name}:// ({_dist(ep)})" for ep in installed) or "none"
    dist = _DISTRIBUTIONS.get(scheme)
    advice = (f"install {dist} (pip install {dist}) to open {scheme}:// URLs" if dist else
              f"install the distribution that opens {scheme}:// URLs (it names its plugin "
              f"{scheme!r} in the {STORAGE_GROUP!r} entry-point group), or pass a plugin "
              "that implements dialogue_flow_open_storage")
    return (f"no storage backend for {scheme}:// URLs; built in: "
            f"{', '.join(BUILT_IN_SCHEMES)}; installed storage plugins: {plugins}. {advice}")
