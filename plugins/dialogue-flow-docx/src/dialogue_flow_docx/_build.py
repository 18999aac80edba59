"""Building the plugin's own templates (``tools/build_templates.py``): every kind in every
language from :mod:`dialogue_flow_docx._wording`, written the same bytes on every run.

Imports python-docx: used when building templates, never by the hooks.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Final

from ._templates import BUILT_IN, KINDS, LANGUAGES, relative_name
from ._wording import build

__all__ = ["write_built_in"]

#: A fixed date for the members of a template written by :func:`write_built_in`.
_ZIP_DATE: Final = (2021, 1, 1, 0, 0, 0)


def write_built_in(folder: Path = BUILT_IN) -> list[Path]:
    """Build every template from :mod:`dialogue_flow_docx._wording` into ``folder``, the
    same bytes on every run (``tools/build_templates.py``)."""
    written = []
    for language in LANGUAGES:
        for kind in KINDS:
            buffer = io.BytesIO()
            builder = build(kind, language)
            builder.document.save(buffer)
            target = folder / relative_name(kind, language)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_fixed_dates(buffer.getvalue()))
            written.append(target)
    return written


def _fixed_dates(docx: bytes) -> bytes:
    """The zip ``docx`` with every member dated :data:`_ZIP_DATE`, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
