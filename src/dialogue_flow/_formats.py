"""Finding the plugin that writes or reads a file format (issue 18): ``.docx``, ``.xlsx``,
``.png``, ``.svg``.

The host's plugins are asked first (they may add formats or take one over). Then, like a
storage URL's scheme (:mod:`dialogue_flow._storage_urls`), the format names its plugin in
the ``dialogue_flow.formats`` entry-point group (``docx = "dialogue_flow_docx:plugin"``):
installing ``dialogue-flow-docx`` is enough for ``dialogue-flow document`` to write Word
files, and only the format hooks of such a plugin are called (never its authorisation or
notification hooks, which run only when a host names the plugin).
"""

from __future__ import annotations

import importlib.metadata
from typing import Any, Final

from ._errors import ConfigurationError
from ._plugins import PluginManager, own_plugin_manager

__all__ = ["FORMATS_GROUP", "call_format_hook", "format_entry_points"]

#: The entry-point group naming, per file format, the plugin that handles it.
FORMATS_GROUP: Final = "dialogue_flow.formats"

#: The distribution this project publishes for each format, named when none is installed.
_DISTRIBUTIONS: Final = {
    "docx": "dialogue-flow-docx",
    "png": "dialogue-flow-docx[charts]",
    "svg": "dialogue-flow-docx[charts]",
    "xlsx": "dialogue-flow-xlsx",
}

#: What each hook makes, for the error messages.
_WHAT: Final = {
    "dialogue_flow_render_document": "writes documents as",
    "dialogue_flow_render_chart": "draws charts as",
    "dialogue_flow_write_table": "writes tables as",
    "dialogue_flow_read_table": "reads tables from",
}


def call_format_hook(plugins: PluginManager, hook: str, fmt: str, **kwargs: Any) -> Any:
    """The first answer to the format hook ``hook`` for ``fmt``: from the host's
    ``plugins``, else from the installed plugin registered for ``fmt``.

    :raises ConfigurationError: no plugin handles ``fmt`` (naming what to install).
    :raises PluginError: the installed plugin for ``fmt`` fails to load.
    """
    answer = getattr(plugins.hook, hook)(fmt=fmt, **kwargs)
    if answer is not None:
        return answer
    for ep in format_entry_points():
        if ep.name != fmt:
            continue
        # This plugin alone, and only the format hook is called.
        own = own_plugin_manager(ep, FORMATS_GROUP, f"the plugin for .{fmt} files")
        answer = getattr(own.hook, hook)(fmt=fmt, **kwargs)
        if answer is not None:
            return answer
    raise ConfigurationError(_no_plugin(hook, fmt))


def format_entry_points() -> list[importlib.metadata.EntryPoint]:
    """The installed ``dialogue_flow.formats`` entry points, by name."""
    return sorted(importlib.metadata.entry_points(group=FORMATS_GROUP), key=lambda ep: ep.name)


def _no_plugin(hook: str, fmt: str) -> str:
    what = _WHAT.get(hook, "handles")
    dist = _DISTRIBUTIONS.get(fmt)
    advice = (f"install {dist} (pip install '{dist}')" if dist else
              f"install a distribution that names its plugin {fmt!r} in the "
              f"{FORMATS_GROUP!r} entry-point group, or pass a plugin implementing {hook}")
    return f"no plugin {what} .{fmt} files: {advice}"
