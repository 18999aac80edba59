"""Word documents in the party's format for dialogue_flow (issue 18).

The plugin object implements the format hooks: ``dialogue_flow_render_document`` writes
``.docx`` files from templates (one Word file per kind of document, editable without code:
:func:`copy_templates`), ``dialogue_flow_render_chart`` draws ``.png`` and ``.svg`` charts
(with the ``charts`` extra, matplotlib). python-docx, docxtpl and matplotlib are imported
inside the hooks, so the command line starts fast with the plugin installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogue_flow import hookimpl

from ._templates import BUILT_IN, KINDS, LANGUAGES, copy_templates

__all__ = ["BUILT_IN", "KINDS", "LANGUAGES", "DocxPlugin", "copy_templates", "plugin"]


class DocxPlugin:
    """Renders documents as ``.docx`` and charts as ``.png``/``.svg``."""

    @hookimpl
    def dialogue_flow_render_document(self, document: Mapping[str, Any], fmt: str,
                                      language: str, templates: str | None) -> bytes | None:
        """The Word file of ``document`` from its kind's template (``templates``' own
        ``KIND.docx`` first: ``en/KIND.docx`` in English)."""
        if fmt != "docx":
            return None
        from ._render import render_document  # noqa: PLC0415 - python-docx when asked for

        return render_document(document, language, templates)

    @hookimpl
    def dialogue_flow_render_chart(self, chart: Mapping[str, Any], fmt: str,
                                   language: str) -> bytes | None:
        """The chart as a PNG or SVG picture (matplotlib: ``dialogue-flow-docx[charts]``)."""
        if fmt not in ("png", "svg"):
            return None
        from ._charts import render_chart  # noqa: PLC0415 - matplotlib when asked for

        return render_chart(chart, fmt, language)


#: The plugin object the entry points name.
plugin = DocxPlugin()
