"""Where the templates are: the plugin's own, a host's folder, and copying them out.

A template is a Word file per kind of document: ``KIND.docx`` in Vietnamese and
``en/KIND.docx`` in English, for ``announcement``, ``conclusion_notice``, ``answer`` and
``report``. A host's folder (the ``[documents] templates`` setting) holds the same names;
each file it has replaces the plugin's own, and the plugin's own serve every other.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Final

from dialogue_flow import ConfigurationError, InvalidInputError

__all__ = ["BUILT_IN", "KINDS", "LANGUAGES", "copy_templates", "relative_name",
           "template_path"]

#: The folder of the plugin's own templates.
BUILT_IN: Final = Path(__file__).resolve().parent / "templates"

#: The kinds of document, one template file ``KIND.docx`` each.
KINDS: Final = ("announcement", "conclusion_notice", "answer", "report")

#: A language tag: the name of a folder of templates, never a path.
_LANGUAGE: Final = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")

#: The languages of the plugin's own templates: Vietnamese at the top, English in ``en/``.
LANGUAGES: Final = ("vi", "en")


def relative_name(kind: str, language: str) -> Path:
    """The template's file name in a folder of templates: ``report.docx``,
    ``en/report.docx``.

    :raises InvalidInputError: ``language`` is not a language tag (``vi``, ``en``,
        ``en-GB``): it names a folder, so ``""``, ``../x`` or ``en/`` would read templates
        from elsewhere.
    """
    if not _LANGUAGE.fullmatch(language):
        raise InvalidInputError("language", f"{language!r} is not a language tag such as "
                                "vi or en: a document's language names its templates' "
                                "folder")
    name = Path(f"{kind}.docx")
    return name if language == "vi" else Path(language) / name


def template_path(kind: str, language: str, folder: str | None) -> Path:
    """The template for ``kind`` in ``language``: ``folder``'s when it has one, else the
    plugin's own.

    :raises ConfigurationError: ``folder`` is not a folder, or neither has the template.
    """
    if kind not in KINDS:
        raise ConfigurationError(f"no Word template for a document of kind {kind!r}: the "
                                 f"kinds are {', '.join(KINDS)}")
    name = relative_name(kind, language)
    if folder is not None:
        own = Path(folder)
        if not own.is_dir():
            raise ConfigurationError(f"the templates folder {own} (the [documents] templates "
                                     "setting) is not a folder")
        if (own / name).is_file():
            return own / name
    built_in = BUILT_IN / name
    if not built_in.is_file():
        raise ConfigurationError(f"no Word template {name} for language {language!r}: add "
                                 "it to the templates folder (the [documents] templates "
                                 "setting)")
    return built_in


def copy_templates(folder: str | Path) -> list[Path]:
    """Copy the plugin's own templates into ``folder`` (made if missing) for a host to
    edit; a file already there is kept, never overwritten.

    :return: the files copied.
    """
    copied = []
    for language in LANGUAGES:
        for kind in KINDS:
            name = relative_name(kind, language)
            target = Path(folder) / name
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(BUILT_IN / name, target)
            copied.append(target)
    return copied
