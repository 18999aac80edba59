"""``python -m dialogue_flow_docx FOLDER``: copy the plugin's Word templates into FOLDER
to edit them (files already there are kept), then name FOLDER in the settings file's
``[documents] templates``."""

from __future__ import annotations

import sys

from ._templates import copy_templates


def main(argv: list[str]) -> int:
    """Copy the templates into the folder ``argv`` names; list the files copied."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m dialogue_flow_docx FOLDER\n")
        return 2
    try:
        copied = copy_templates(argv[0])
    except OSError as exc:  # a file in the folder's place, no permission, a full disk
        sys.stderr.write(f"cannot copy the templates into {argv[0]}: "
                         f"{exc.strerror or exc}\n")
        return 1
    for path in copied:
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
