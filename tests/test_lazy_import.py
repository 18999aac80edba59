"""``import dialogue_flow`` imports a public name's module on first use (PEP 562), so that
the package and ``dialogue-flow --help`` start fast (issue 17: the start-up target).

The laziness is checked in fresh interpreters: this one has imported everything already.
"""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

import dialogue_flow


def _run(code: str) -> object:
    """Run ``code`` in a fresh interpreter; what it printed last, read as JSON."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, check=False, timeout=120)
    assert 0 == done.returncode, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _type_checking_imports() -> dict[str, str]:
    """What the ``if TYPE_CHECKING:`` block of ``__init__.py`` imports: name -> module."""
    tree = ast.parse(pathlib.Path(dialogue_flow.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and ast.unparse(node.test).endswith("TYPE_CHECKING"))
    return {alias.name: node.module or "" for node in block.body
            if isinstance(node, ast.ImportFrom) for alias in node.names}


class TestLazyPackage:
    def test_import_loads_neither_the_flow_nor_the_storage(self) -> None:
        """``import dialogue_flow`` imports no module a name lives in (it used to import
        every one: the flow, the storage, the backends, cattrs)."""
        loaded = _run("""
            import json, sys
            import dialogue_flow
            print(json.dumps(sorted(m for m in sys.modules
                                    if m.startswith(("dialogue_flow", "cattrs")))))
        """)
        assert ["dialogue_flow", "dialogue_flow._version"] == loaded

    def test_every_name_resolves_from_a_fresh_start(self) -> None:
        """Each name of ``__all__`` imports, in a fresh interpreter, as the object its
        module defines; ``dir()`` lists every one before any is used."""
        found = _run("""
            import importlib, json
            import dialogue_flow
            listed = set(dir(dialogue_flow))
            wrong = [name for name in dialogue_flow.__all__
                     if getattr(dialogue_flow, name) is not getattr(importlib.import_module(
                         "dialogue_flow." + dialogue_flow._HOMES.get(name, "_version")), name)]
            print(json.dumps([sorted(set(dialogue_flow.__all__) - listed), wrong]))
        """)
        assert [[], []] == found

    def test_a_name_used_is_kept(self) -> None:
        """The second use of a name does not go through ``__getattr__`` again."""
        flow = dialogue_flow.DialogueFlow
        assert flow is vars(dialogue_flow)["DialogueFlow"]

    def test_the_table_and_the_type_checking_imports_agree(self) -> None:
        """What mypy and editors see (the ``TYPE_CHECKING`` imports) is what ``__getattr__``
        imports, and together with ``__version__`` exactly ``__all__``."""
        seen = {name: module.lstrip(".") for name, module in _type_checking_imports().items()}
        assert seen == dialogue_flow._HOMES
        assert {*seen, "__version__"} == set(dialogue_flow.__all__)

    @pytest.mark.parametrize("name", ["Storage", "Unit"])
    def test_a_moved_name_still_warns(self, name: str) -> None:
        with pytest.warns(DeprecationWarning, match="is deprecated"):
            getattr(dialogue_flow, name)

    def test_help_names_the_package_before_the_package_names_it(self) -> None:
        """``DialogueFlow`` says it belongs to ``dialogue_flow`` even when its module is
        imported first (the façade no longer imports it)."""
        assert "dialogue_flow" == _run("""
            import json
            from dialogue_flow._flow import DialogueFlow
            print(json.dumps(DialogueFlow.__module__))
        """)
