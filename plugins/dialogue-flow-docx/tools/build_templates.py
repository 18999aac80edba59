# ruff: noqa: INP001 - a script, not a package
"""Build the plugin's built-in Word templates: ``templates/KIND.docx`` (Vietnamese) and
``templates/en/KIND.docx`` (English), from ``dialogue_flow_docx._wording``.

Run it after changing the wording or the layout, and commit the templates it writes::

    uv run python plugins/dialogue-flow-docx/tools/build_templates.py

The files are written byte for byte the same on every run (fixed zip dates), so git shows a
change only where the templates changed; a test checks the committed templates hold the
text this script makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dialogue_flow_docx._build import write_built_in
from dialogue_flow_docx._templates import BUILT_IN


def main() -> None:
    """Write every built-in template and list them."""
    for path in write_built_in(Path(sys.argv[1]) if len(sys.argv) > 1 else BUILT_IN):
        sys.stdout.write(f"{path}\n")


if __name__ == "__main__":
    main()
