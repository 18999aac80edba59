"""The public API is exactly what `dialogue_flow.__all__` lists: pinned here so that adding
or removing a name is a deliberate, reviewed change (httpx `test_exported_members.py`)."""

from __future__ import annotations

import ast
import pathlib
import types

import pytest

import dialogue_flow

EXPORTED = [
    "DEFAULT_ORGANISATION",
    "DIALOGUE",
    "RECEPTION",
    "RECEPTION_MINIMUM",
    "SUBMISSION",
    "VIETNAM_TZ",
    "AccessEntry",
    "Actor",
    "ActorEntry",
    "AnswerMode",
    "Attachment",
    "AttachmentKind",
    "AttachmentLimits",
    "Authorizer",
    "BackupManifest",
    "CalendarRangeError",
    "Channel",
    "Clock",
    "CloseReason",
    "CommitOutcomeUnknownError",
    "ConclusionItem",
    "ConclusionNotice",
    "ConcurrentChangeError",
    "ConfigurationError",
    "CopyResult",
    "DayOverride",
    "Deadline",
    "DeadlinePolicy",
    "DeadlineRule",
    "Delivery",
    "Dialogue",
    "DialogueFlow",
    "DialogueFlowError",
    "DialogueState",
    "DispatchResult",
    "Dispatcher",
    "DocumentKind",
    "EventSpec",
    "FileProblem",
    "FileStore",
    "FixedClock",
    "FolderFileStore",
    "ImportRejected",
    "ImportResult",
    "InvalidInputError",
    "InvalidTransitionError",
    "IssuedDocument",
    "Level",
    "Lifecycle",
    "LoggingNotifier",
    "MemoryFileStore",
    "MemoryStorage",
    "MergeReport",
    "MergeSource",
    "MergedSource",
    "NotFoundError",
    "Notification",
    "Organisation",
    "OrganisationStatus",
    "Page",
    "Period",
    "PermanentDeliveryError",
    "PermissionDeniedError",
    "Petitioner",
    "PetitionerRecipients",
    "PluginError",
    "PluginManager",
    "PublicStatus",
    "ReadOnlyStore",
    "ReceptionDay",
    "ReceptionMonth",
    "ReceptionState",
    "Recipient",
    "Redaction",
    "Report",
    "ReportDue",
    "ReportItem",
    "ReportRule",
    "Role",
    "Rollup",
    "RollupRow",
    "RowError",
    "SQLiteStorage",
    "SequentialIds",
    "Settings",
    "SkippedDay",
    "SpecialDay",
    "StatusThresholds",
    "StorageError",
    "StoreStatus",
    "StoredFile",
    "Submission",
    "SubmissionKind",
    "SubmissionState",
    "SweepResult",
    "SystemClock",
    "TransitionRecord",
    "TransitionVetoedError",
    "VersionConflictError",
    "Violation",
    "WorkCalendar",
    "__version__",
    "bundled_policies",
    "check_key",
    "copy_store",
    "from_dict",
    "from_json",
    "hookimpl",
    "load_plugins",
    "read_settings",
    "read_table_file",
    "register_table",
    "report_table",
    "restore_backup",
    "retry_on_conflict",
    "rollup_table",
    "time_ordered_id",
    "to_dict",
    "to_json",
    "verify_backup",
    "write_table_file",
]


def isort_style(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then everything else."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


class TestAll:
    """`__all__` itself."""

    def test_exact_list(self):
        """`__all__` is exactly the pinned list, in its order."""
        assert EXPORTED == dialogue_flow.__all__

    def test_sorted(self):
        """`__all__` is sorted the way ruff sorts it (constants, classes, functions)."""
        assert sorted(dialogue_flow.__all__, key=isort_style) == dialogue_flow.__all__

    def test_no_duplicates(self):
        """No name is listed twice."""
        assert len(set(dialogue_flow.__all__)) == len(dialogue_flow.__all__)

    def test_nothing_public_is_left_out(self):
        """Every public attribute of the package that is not a submodule is in `__all__`."""
        public = {n for n in dir(dialogue_flow) if not n.startswith("_")
                  and not isinstance(getattr(dialogue_flow, n), types.ModuleType)}
        assert public == set(dialogue_flow.__all__) - {"__version__"}


class TestImportable:
    """Every listed name can be imported from the package."""

    @pytest.mark.parametrize("name", EXPORTED)
    def test_name(self, name):
        """`from dialogue_flow import <name>` works and gives a real object."""
        namespace: dict[str, object] = {}
        exec(f"from dialogue_flow import {name}", namespace)  # noqa: S102 - the point is the import statement
        assert namespace[name] is getattr(dialogue_flow, name)

    def test_star_import(self):
        """`from dialogue_flow import *` brings exactly `__all__`."""
        namespace: dict[str, object] = {}
        exec("from dialogue_flow import *", namespace)  # noqa: S102
        assert set(EXPORTED) == set(namespace) - {"__builtins__"}

    def test_version_is_a_string(self):
        """The version is a PEP 440-looking string."""
        assert (str, True) == (type(dialogue_flow.__version__),
                               dialogue_flow.__version__[0].isdigit())

    @pytest.mark.parametrize("name", [n for n in EXPORTED
                                      if isinstance(getattr(dialogue_flow, n), type)])
    def test_public_classes_live_in_the_package(self, name):
        """Public classes are defined in dialogue_flow's own modules, not re-exported
        from a dependency."""
        module = getattr(dialogue_flow, name).__module__
        assert module == "dialogue_flow" or module.startswith("dialogue_flow.")


class TestMovedNames:
    """Names moved to dialogue_flow.policy and dialogue_flow.storage (issue 16, item 11)."""

    @pytest.mark.parametrize(("name", "home"), [
        ("Unit", "policy"), ("Direction", "policy"), ("Anchor", "policy"),
        ("Purpose", "policy"), ("Storage", "storage"), ("Changeset", "storage"),
        ("SubmissionQuery", "storage"), ("DialogueQuery", "storage"),
        ("ReceptionQuery", "storage"), ("OutboxEntry", "storage"), ("OutboxStatus", "storage"),
    ])
    def test_the_old_place_warns_and_gives_the_same_object(self, name: str, home: str) -> None:
        import importlib  # noqa: PLC0415

        module = importlib.import_module(f"dialogue_flow.{home}")
        with pytest.warns(DeprecationWarning, match=f"import it from dialogue_flow.{home}"):
            moved = getattr(dialogue_flow, name)
        assert (moved is getattr(module, name), name in dialogue_flow.__all__) == (True, False)

    def test_an_unknown_name_is_an_attribute_error(self) -> None:
        with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
            dialogue_flow.Nothing  # noqa: B018

    def test_the_policy_module_lists_its_names(self) -> None:
        from dialogue_flow import policy  # noqa: PLC0415

        assert {"Unit", "Direction", "Anchor", "Purpose", "DeadlinePolicy", "DeadlineRule",
                "ReportRule", "ReportDue", "bundled_policies",
                "ConfidentialRules"} == set(policy.__all__)

    def test_help_names_the_package(self) -> None:
        import pydoc  # noqa: PLC0415

        first = pydoc.render_doc(dialogue_flow.DialogueFlow).splitlines()[0]
        assert first.endswith("class DialogueFlow in module dialogue_flow")


class TestStorageModule:
    def test_backend_authors_api(self) -> None:
        """`dialogue_flow.storage` exposes what a storage backend needs."""
        import dialogue_flow.storage as public  # noqa: PLC0415

        assert {"Storage", "Changeset", "OutboxEntry", "check_claim", "check_retry",
                "ReportFacts", "ReportInputs", "SubmissionFacts"} <= set(public.__all__)
        for name in public.__all__:
            assert hasattr(public, name)

    def test_the_contract_imports_no_backend(self) -> None:
        """The contract and the shared SQL layer depend (statically, transitively, through
        the package's own modules) on neither built-in backend nor the lifecycle engine."""
        reached = _imports_reached(["dialogue_flow.storage", "dialogue_flow.storage.sql"])
        assert reached.isdisjoint({"dialogue_flow.storage._memory",
                                   "dialogue_flow.storage._sqlite", "dialogue_flow._lifecycle",
                                   "dialogue_flow._flow"})
        assert "dialogue_flow._records" in reached  # the walk does follow imports

    @pytest.mark.parametrize("name", ["MemoryStorage", "SQLiteStorage"])
    def test_backends_under_their_old_names_are_deprecated(self, name: str) -> None:
        """`dialogue_flow.storage.SQLiteStorage` still works until the next minor version,
        with a DeprecationWarning naming the new place."""
        import dialogue_flow.storage as public  # noqa: PLC0415

        with pytest.warns(DeprecationWarning, match=f"use dialogue_flow.{name}"):
            moved = getattr(public, name)
        assert moved is getattr(dialogue_flow, name)

    def test_an_unknown_name_is_an_attribute_error(self) -> None:
        import dialogue_flow.storage as public  # noqa: PLC0415

        with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
            _ = public.Nothing


def _imports_reached(start: list[str]) -> set[str]:
    """The package's modules ``start`` imports, directly or not (import statements only)."""
    root = pathlib.Path(dialogue_flow.__file__).parent
    modules = {".".join(("dialogue_flow", *p.relative_to(root).with_suffix("").parts))
               .removesuffix(".__init__"): p for p in root.rglob("*.py")}
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = modules[name]
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([base] if base else [])])
                found = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
                todo += found or ([base] if base in modules else [])
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name in modules]
    return seen
