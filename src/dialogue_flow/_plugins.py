"""Finding, registering and checking plugins: :class:`PluginManager` and :func:`load_plugins`.

Built-in plugins (the logging notifier) are registered exactly like third-party ones, so
``dialogue-flow plugins`` lists them side by side and a host can unregister them. Every
pluggy complaint (a misspelt hook, a wrong argument name, an entry point that does not
import) becomes a :class:`~dialogue_flow.PluginError` naming the plugin, the hook and the
hook names that exist.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.metadata
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from ._calendar import DEFAULT_YEARS, Language, WorkCalendar
from ._errors import (
    ConfigurationError,
    InvalidInputError,
    PluginError,
    TransitionVetoedError,
)
from ._notifiers import LoggingNotifier
from ._policy import DeadlinePolicy, bundled_policies
from ._recipients import PetitionerRecipients
from ._withheld import withheld

__all__ = [
    "HOOK_NAMES",
    "PluginManager",
    "announce_commit",
    "call_each",
    "check_vetoes",
    "distribution_of",
    "entry_point_plugin",
    "load_plugins",
    "own_plugin_manager",
    "plugin_calendar",
    "plugin_policies",
    "select_policy",
]

logger = logging.getLogger("dialogue_flow.plugins")

#: Every hook name a plugin may implement, sorted.
HOOK_NAMES: tuple[str, ...] = tuple(sorted(
    name for name in dir(hookspecs) if name.startswith(f"{hookspecs.PROJECT_NAME}_")))


class PluginManager(pluggy.PluginManager):
    """A pluggy manager for the ``dialogue_flow`` project with our hook specs added.

    :meth:`register` and :meth:`check_pending` raise :class:`PluginError` instead of
    pluggy's ``PluginValidationError``.
    """

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs)

    def get_canonical_name(self, plugin: object) -> str:
        """A module's name, or ``module.Class`` of an object (``#2``... if taken)."""
        name = getattr(plugin, "__name__", None)
        if not isinstance(name, str):
            cls = type(plugin)
            name = f"{cls.__module__}.{cls.__qualname__}".replace(".<locals>", "")
        unique, n = name, 1
        while self.has_plugin(unique) and self.get_plugin(unique) is not plugin:
            n += 1
            unique = f"{name}#{n}"
        return unique

    def register(self, plugin: object, name: str | None = None) -> str | None:
        try:
            return super().register(plugin, name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(_explain(self, exc)) from None
        except ValueError as exc:  # pluggy: the plugin or its name is already registered
            raise PluginError(f"plugin {name or _describe(plugin)}: {exc}") from None

    def check_pending(self) -> None:
        try:
            super().check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(_explain(self, exc)) from None

    def load_entry_point_plugins(self) -> int:
        """Register every plugin of the ``dialogue_flow`` entry-point group.

        Each entry point is imported first on its own, so one that fails to import is
        named in the :class:`PluginError`; pluggy then registers them.
        """
        for ep in importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME):
            if self.get_plugin(ep.name) is not None or self.is_blocked(ep.name):
                continue
            loaded_entry_point(ep)
        return self.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)

    def hooks_of(self, plugin: object) -> list[str]:
        """The hook names ``plugin`` implements, sorted."""
        return sorted(caller.name for caller in self.get_hookcallers(plugin) or ())


def entry_point_plugin(name: str) -> object:
    """The object the installed ``dialogue_flow`` entry point ``name`` names, loaded but
    not registered anywhere.

    :raises PluginError: no installed plugin has that name, or it fails to load.
    """
    installed = importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME)
    found = [ep for ep in installed if ep.name == name]
    if not found:
        names = ", ".join(sorted(ep.name for ep in installed)) or "none"
        raise PluginError(f"no installed plugin {name!r} (an entry point of the "
                          f"{hookspecs.PROJECT_NAME!r} group); installed: {names}")
    return loaded_entry_point(found[0])


def loaded_entry_point(ep: importlib.metadata.EntryPoint) -> object:
    """What ``ep`` names, imported.

    :raises PluginError: naming the entry point and its distribution, when it fails.
    """
    try:
        return ep.load()
    except Exception as exc:
        dist = f" of {ep.dist.name}" if ep.dist is not None else ""
        raise PluginError(f"plugin entry point {ep.name!r} ({ep.value}){dist} failed to "
                          f"load: {type(exc).__name__}: {exc}") from exc


def own_plugin_manager(ep: importlib.metadata.EntryPoint, group: str,
                       what: str) -> PluginManager:
    """A plugin manager holding only the plugin ``ep`` (of the entry-point ``group``) names:
    a storage plugin found by its URL scheme, a format plugin by its file suffix, of which
    only the hook the caller calls runs.

    :raises PluginError: ``what`` (e.g. "the plugin for .docx files") failed to load,
        naming the entry point and its distribution.
    """
    try:
        plugin = ep.load()
    except Exception as exc:
        raise PluginError(f"{what} ({ep.value}, {distribution_of(ep)}) failed to load: "
                          f"{type(exc).__name__}: {exc}") from exc
    own = PluginManager()
    own.register(plugin, name=f"{group}:{ep.name}")
    return own


def distribution_of(ep: importlib.metadata.EntryPoint) -> str:
    """The distribution that installed ``ep`` with its version (its value, if unknown)."""
    return f"{ep.dist.name} {ep.dist.version}" if ep.dist is not None else ep.value


def load_plugins(plugins: Iterable[object] = (), *, entry_points: bool = False,
                 builtins: bool = True) -> PluginManager:
    """A :class:`PluginManager` with the built-ins, ``plugins`` and, when asked, every
    installed entry-point plugin.

    Like :meth:`DialogueFlow.open` and the command line, it runs the hooks of the plugins a
    host names and no others by default: installing a package does not make its hooks
    (authorisation above all) run. Storage URLs are resolved through the installed
    storage plugins anyway (see :mod:`dialogue_flow._storage_urls`).

    :param plugins: plugin objects or modules to register explicitly (in this order).
    :param entry_points: also load every plugin of the ``dialogue_flow`` entry-point group
        (off by default since issue 16).
    :param builtins: register the built-in plugins (the logging notifier, and the
        petitioner's contact channels as the recipients of what is addressed to them).
    :raises PluginError: a plugin fails to import, or implements a hook that does not
        exist or with arguments the hook does not have.
    """
    pm = PluginManager()
    if builtins:
        pm.register(LoggingNotifier(), name="dialogue_flow.logging")
        pm.register(PetitionerRecipients(), name="dialogue_flow.petitioner")
    if entry_points:
        pm.load_entry_point_plugins()
    if isinstance(plugins, (str, bytes)):
        raise PluginError("plugins: expected a list of plugin objects or modules, got a string")
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def call_each(hook: pluggy.HookCaller, **kwargs: Any,
              ) -> list[tuple[str, Any, BaseException | None]]:
    """Call every implementation of a fan-out hook on its own, newest first.

    pluggy stops a hook call at the first exception; this does not. Returns
    ``(plugin name, result, exception)`` per implementation; exactly one of ``result``
    and ``exception`` is meaningful.
    """
    outcomes: list[tuple[str, Any, BaseException | None]] = []
    for impl in reversed(hook.get_hookimpls()):
        try:
            result = impl.function(*(kwargs[name] for name in impl.argnames))
        except Exception as exc:  # noqa: BLE001 - reported to the caller, who decides
            outcomes.append((impl.plugin_name, None, exc))
        else:
            outcomes.append((impl.plugin_name, result, None))
    return outcomes


def _describe(plugin: object) -> str:
    return getattr(plugin, "__name__", None) or type(plugin).__name__


def _explain(pm: PluginManager, exc: pluggy.PluginValidationError) -> str:
    name = pm.get_name(exc.plugin) or _describe(exc.plugin)
    message = str(exc)
    found = re.search(r"hook '([^']+)'", message)
    hook = found.group(1) if found else "?"
    valid = ", ".join(HOOK_NAMES)
    if hook not in HOOK_NAMES:
        close = difflib.get_close_matches(hook, HOOK_NAMES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return (f"plugin {name!r} implements unknown hook {hook!r}{hint}; "
                f"valid hook names: {valid}")
    detail = message.splitlines()[-1]
    spec = getattr(pm.hook, hook).spec
    takes = ", ".join(spec.argnames) if spec is not None else "?"
    return f"plugin {name!r}, hook {hook}({takes}): {detail}"


# --- what the façade asks of plugins (kept here so _flow.py only calls them) -------------

def plugin_calendar(pm: pluggy.PluginManager, *, overrides_file: Path | None = None,
                    days_off: Mapping[dt.date, str] | None = None,
                    working_days: Mapping[dt.date, str] | None = None,
                    culture_day_off: bool = True, language: Language = "vi") -> WorkCalendar:
    """The Vietnamese calendar with a settings file's overrides (``overrides_file``, then
    ``days_off`` and ``working_days``) and every plugin's
    ``dialogue_flow_calendar_overrides`` over them; holidays named in ``language``."""
    days_off = dict(days_off or {})
    working = dict(working_days or {})
    for answer in pm.hook.dialogue_flow_calendar_overrides(years=DEFAULT_YEARS):
        if not isinstance(answer, Mapping) or set(answer) - {"days_off", "working_days"}:
            raise PluginError(
                "dialogue_flow_calendar_overrides must return a mapping with the keys "
                f"'days_off' and/or 'working_days', got {answer!r}")
        days_off.update(answer.get("days_off", {}))
        working.update(answer.get("working_days", {}))
    return WorkCalendar.vietnam(extra_days_off=days_off or None,
                                extra_working_days=working or None,
                                overrides_file=overrides_file, culture_day_off=culture_day_off,
                                language=language)


def plugin_policies(pm: pluggy.PluginManager) -> dict[str, DeadlinePolicy]:
    """The policies every ``dialogue_flow_policies`` implementation contributes, by id."""
    found: dict[str, DeadlinePolicy] = {}
    for answer in pm.hook.dialogue_flow_policies():
        for policy in answer:
            if not isinstance(policy, DeadlinePolicy):
                raise PluginError("dialogue_flow_policies must return DeadlinePolicy "
                                  f"objects, got {policy!r}")
            found[policy.id] = policy
    return found


def select_policy(pm: pluggy.PluginManager, policy: DeadlinePolicy | str | None,
                  ) -> DeadlinePolicy:
    """``policy`` itself, the plugin or bundled policy with that id, or the default."""
    if policy is None:
        return DeadlinePolicy.default()
    if isinstance(policy, DeadlinePolicy):
        return policy
    if not isinstance(policy, str):
        raise InvalidInputError("policy", f"expected a DeadlinePolicy or a policy id, "
                                f"got {policy!r}")
    contributed = plugin_policies(pm)
    if policy in contributed:
        return contributed[policy]
    if policy in bundled_policies():
        return DeadlinePolicy.bundled(policy)
    known = ", ".join(sorted({*contributed, *bundled_policies()}))
    raise ConfigurationError(f"no policy {policy!r}; available: {known}")


def check_vetoes(pm: pluggy.PluginManager, kind: str, record: object, event: str,
                 dest: str, actor: object) -> None:
    """Raise :class:`TransitionVetoedError` if a ``before_transition`` hook refuses."""
    hook = pm.hook.dialogue_flow_before_transition
    if not hook.get_hookimpls():  # pluggy costs ~2 µs per call even with nobody listening
        return
    reasons = hook(kind=kind, record=withheld(record), event=event, dest=dest, actor=actor)
    if reasons:
        record_id = getattr(record, "id", "?")
        why = "; ".join(map(str, reasons))
        raise TransitionVetoedError(f"{event} on {kind} {record_id} refused by a plugin: {why}")


def announce_commit(pm: pluggy.PluginManager, kind: str, record: object, event: str,
                    actor: object) -> None:
    """Call every ``after_commit`` hook; log and swallow what they raise."""
    if not pm.hook.dialogue_flow_after_commit.get_hookimpls():
        return
    for plugin, _result, exc in call_each(pm.hook.dialogue_flow_after_commit, kind=kind,
                                          record=withheld(record), event=event, actor=actor):
        if exc is not None:
            logger.error("plugin %s failed in dialogue_flow_after_commit for %s %s (%s); "
                         "the change is committed", plugin, kind,
                         getattr(record, "id", "?"), event, exc_info=exc)
