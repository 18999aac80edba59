"""One settings file for a host and its cron jobs, ``dialogue-flow.toml`` (issue 16).

Every ``dialogue-flow`` command reads it (``--config PATH`` or the ``DIALOGUE_FLOW_CONFIG``
environment variable) and so does :meth:`DialogueFlow.from_config(path)
<dialogue_flow.DialogueFlow.from_config>`, so a web app, a cron ``sweep`` and a cron
``dispatch`` run the same store the same way::

    storage = "sqlite:///commune.db"     # relative paths: from this file's folder
    policy = "complaints-2011"           # a policy id, or a policy file: "our-policy.toml"
    language = "vi"
    organisations = "province-tree.toml" # or [[organisation]] tables here

    [calendar]
    culture_day_off = true
    overrides = "days-off.toml"          # [[day_off]] / [[working_day]], or inline:
    [[calendar.day_off]]
    date = 2025-10-07
    reason = "Nghỉ do bão số 11"

    [reception_minimum]                  # citizen reception days a month, by level
    commune = 2

    [housekeeping]
    outbox_days = 90                     # the sweep prunes settled notifications after 90 days

    [retention]                          # personal data kept after a matter closes, by
    commune = "5y"                       # level (an organisation's own retention wins)

    [[plugin]]
    name = "jsonl"                       # an installed plugin, by its entry-point name
    [[plugin]]
    object = "my_sms:SmsNotifier"        # or module:attribute; called with the settings
    settings = { gateway = "https://sms.example.vn/send" }

Reading the file checks every key and type and says which file, which key and what is
expected. Opening a flow from it checks the store too: the policy the store records, and
each organisation the file names (stored, under the same policy). ``dialogue-flow init``
is what creates the store, loads the organisations and records the policy.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, unquote

import attrs

from ._actor_settings import ActorEntry, read_actors
from ._attachment_settings import AttachmentSettings, read_attachments, settings_file_store
from ._calendar import Language, WorkCalendar
from ._calendar_overrides import inline_overrides
from ._document_settings import DocumentSettings, read_documents
from ._errors import ConfigurationError, PluginError
from ._file_store import FileStore
from ._housekeeping_settings import read_housekeeping
from ._messages import LANGUAGES
from ._plugins import PluginManager, entry_point_plugin, load_plugins, plugin_calendar
from ._policy import DeadlinePolicy
from ._reception_records import RECEPTION_MINIMUM
from ._records import DEFAULT_ORGANISATION, Actor, Organisation
from ._retention import RULE as RETENTION_RULE
from ._retention import retention_problem
from ._status import StatusThresholds, thresholds_from
from ._store_policy import recorded_policy
from ._tree import organisations_from, read_tree

if TYPE_CHECKING:
    from ._flow import DialogueFlow

__all__ = ["ENV_VAR", "InitResult", "PluginEntry", "Settings", "init_store", "read_settings"]

#: The environment variable naming the settings file when ``--config`` is not given.
ENV_VAR: Final = "DIALOGUE_FLOW_CONFIG"

#: Each top-level key and what it expects (the error for a wrong one says this).
_TOP: Final = {
    "storage": 'a storage URL string, e.g. "sqlite:///commune.db"',
    "policy": 'a policy id (dialogue-flow policies lists them) or a policy file "x.toml"',
    "language": f"one of {', '.join(repr(code) for code in LANGUAGES)}",
    "organisations": 'the path of an organisation tree file, e.g. "province-tree.toml"',
    "organisation": "[[organisation]] tables, as in a tree file",
    "calendar": "a [calendar] table",
    "reception_minimum": "a [reception_minimum] table of level = days a month",
    "retention": 'a [retention] table of level = period, e.g. commune = "5y"',
    "plugin": "[[plugin]] tables",
    "status": "a [status] table: max_sweep_age_hours, max_pending_age_minutes, max_parked",
    "housekeeping": "a [housekeeping] table: outbox_days",
    "attachments": "an [attachments] table: folder or store, max_bytes, types",
    "documents": "a [documents] table: templates, letterhead fields, recipients",
    "actor": "[[actor]] tables: id, name, role, organisation, login, password_hash",
}
_CALENDAR: Final = {
    "culture_day_off": "true or false",
    "overrides": 'the path of a calendar overrides file, e.g. "days-off.toml"',
    "day_off": "[[calendar.day_off]] tables with date and reason",
    "working_day": "[[calendar.working_day]] tables with date and reason",
}
_PLUGIN: Final = {
    "name": "the entry-point name of an installed plugin (dialogue-flow plugins)",
    "object": 'a "module:attribute" reference to a plugin or a plugin factory',
    "settings": "a table of keyword arguments for the plugin factory",
}


@attrs.frozen
class PluginEntry:
    """One ``[[plugin]]`` table: an installed plugin by name, or ``module:attribute``,
    called with ``settings`` when it has some."""

    where: str
    name: str | None = None
    object: str | None = None
    #: Left out of ``repr``: plugin settings often hold passwords and tokens.
    settings: Mapping[str, Any] | None = attrs.field(default=None, repr=False)

    def register(self, pm: PluginManager) -> None:
        """Load the plugin (building it from its settings) and register it in ``pm``.

        :raises PluginError: naming this entry and what failed.
        """
        target = self._target()
        label = self.name if self.name is not None else self.object
        if self.settings is not None:
            if not callable(target):
                raise PluginError(f"{self.where}: {label} is not a class or factory, so it "
                                  "takes no settings; name the class with object = "
                                  '"module:Class"')
            try:
                target = target(**self.settings)
            except Exception as exc:
                # Only the exception's type: its text may quote a setting (a password).
                raise PluginError(f"{self.where}: {label} refused its settings "
                                  f"({type(exc).__name__}); check the keys of "
                                  "[plugin.settings]") from exc
        pm.register(target, name=label)

    def _target(self) -> Any:
        if self.name is not None:
            return entry_point_plugin(self.name)
        module_name, _, attribute = str(self.object).partition(":")
        try:
            found: Any = importlib.import_module(module_name)
            for part in attribute.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError) as exc:
            raise PluginError(f"{self.where}: cannot load {self.object!r}: "
                              f"{type(exc).__name__}: {exc}") from None
        return found


@attrs.frozen
class Settings:
    """A checked settings file. Read one with :func:`read_settings`."""

    #: The file the settings came from (errors name it; relative paths start from its folder).
    path: Path
    #: The storage URL: never in the repr (a PostgreSQL URL may carry a password).
    storage: str | None = attrs.field(default=None, repr=False)
    #: A policy id, or the policy a file defines.
    policy: DeadlinePolicy | str | None = None
    language: str | None = None
    organisations: tuple[Organisation, ...] = ()
    calendar_file: Path | None = None
    days_off: Mapping[dt.date, str] = attrs.field(factory=dict)
    working_days: Mapping[dt.date, str] = attrs.field(factory=dict)
    culture_day_off: bool | None = None
    reception_minimum: Mapping[str, int] | None = None
    #: The ``[retention]`` table: how long closed matters keep personal data, by level.
    retention: Mapping[str, str] | None = None
    plugins: tuple[PluginEntry, ...] = ()
    #: The ``[status]`` table: when ``dialogue-flow status`` says a job is late (issue 17).
    status: StatusThresholds | None = None
    #: ``[housekeeping] outbox_days``: the days a settled notification is kept (issue 17).
    outbox_days: int | None = None
    #: The ``[attachments]`` table: where files are kept, what is accepted (issue 17).
    attachments: AttachmentSettings | None = None
    #: The ``[documents]`` table: templates, letterheads, recipients (issue 18).
    documents: DocumentSettings | None = None
    #: The ``[[actor]]`` tables: who acts, where, in which role, and how they log in to a
    #: host (issue 19).
    actors: tuple[ActorEntry, ...] = ()

    def plugin_manager(self, extra: Iterable[object] = ()) -> PluginManager:
        """The built-in plugins, the file's ``[[plugin]]`` entries, then ``extra``."""
        pm = load_plugins()
        for entry in self.plugins:
            entry.register(pm)
        if isinstance(extra, (str, bytes)):
            raise PluginError("plugins: expected a list of plugin objects or modules, got a "
                              "string")
        for plugin in extra:
            pm.register(plugin)
        pm.check_pending()
        return pm

    def flow_options(self, pm: PluginManager) -> dict[str, Any]:
        """The constructor options the file sets (its calendar built with ``pm``'s
        plugins' overrides over it)."""
        options: dict[str, Any] = {}
        if self.policy is not None:
            options["policy"] = self.policy
        if self.language is not None:
            options["language"] = self.language
        if self.reception_minimum is not None:
            options["reception_minimum"] = {**RECEPTION_MINIMUM, **self.reception_minimum}
        if self.retention is not None:
            options["retention"] = self.retention
        if (self.calendar_file is not None or self.days_off or self.working_days
                or self.culture_day_off is not None):
            options["calendar"] = self.calendar(pm)
        if self.outbox_days is not None:
            options["outbox_days"] = self.outbox_days
        if self.attachments is not None:
            options.update(self.attachments.flow_options())
        return options

    def file_store(self, pm: PluginManager | None = None) -> FileStore | None:
        """The file store this file's flows keep attachments in (its ``[attachments]``,
        else the folder beside its SQLite database), opened with ``pm`` (default: the
        file's plugins); ``None`` when there is none. What a backup copies."""
        return settings_file_store(self.attachments, self.storage,
                                   pm if pm is not None else self.plugin_manager())

    def calendar(self, pm: PluginManager, *, language: Language = "vi",
                 overrides_file: Path | None = None) -> WorkCalendar:
        """The file's calendar, with ``pm``'s plugins' overrides over it (holidays named in
        ``language``; ``overrides_file`` in place of the file's)."""
        try:
            return plugin_calendar(
                pm, overrides_file=overrides_file or self.calendar_file,
                days_off=self.days_off, working_days=self.working_days,
                culture_day_off=True if self.culture_day_off is None else self.culture_day_off,
                language=language)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{self.path}: [calendar]: {exc}") from None

    def storage_url(self, storage: str | None) -> str:
        """``storage`` when given (``--db``), else the file's."""
        url = storage if storage is not None else self.storage
        if url is None:
            raise ConfigurationError(f'{self.path}: no storage = "URL" (e.g. '
                                     '"sqlite:///commune.db"), and none given (--db)')
        return url

    def open_flow(self, cls: type[DialogueFlow], *,
                  plugins: PluginManager | Iterable[object] = (), storage: str | None = None,
                  create: bool = False, check_store: bool = True,
                  **options: Any) -> DialogueFlow:
        """:meth:`DialogueFlow.from_config`; ``check_store=False`` skips comparing the
        file's organisations with the store (only ``orgs --set-policy`` does, to change
        what the store records)."""
        pm = plugins if isinstance(plugins, PluginManager) else self.plugin_manager(plugins)
        url = self.storage_url(storage)
        flow = cls.open(url, plugins=pm, create=create, **{**self.flow_options(pm), **options})
        if not check_store:
            return flow
        try:
            self.check_store(flow)
        except BaseException:
            flow.shutdown()
            raise
        return flow

    def check_store(self, flow: DialogueFlow) -> None:
        """Every organisation the file names is stored, under the policy the file says.

        :raises ConfigurationError: saying how to load it, or how to change its policy
            deliberately.
        """
        if not self.organisations:
            return
        stored = {org.id: org for org in flow.organisations()}
        for org in self.organisations:
            held = stored.get(org.id)
            if held is None:
                raise ConfigurationError(
                    f"{self.path}: organisation {org.id!r} is not in the store; load the "
                    f"file's organisations with `dialogue-flow init --config {self.path}`")
            _check_same_policy(self.path, flow, org, held)


@attrs.frozen
class InitResult:
    """What ``dialogue-flow init`` did."""

    policy: str
    #: Whether this run recorded the policy (``False``: the store recorded it already).
    recorded: bool
    #: The organisations the settings name, and how many the store holds now.
    loaded: int
    stored: int


def init_store(cls: type[DialogueFlow], settings: Settings | None, *,
               storage: str | None = None, policy: DeadlinePolicy | str | None = None,
               plugins: PluginManager | None = None, actor: Actor | None = None,
               ) -> InitResult:
    """Create the store (or open it, if it exists), load the settings' organisations and
    record the policy: what ``dialogue-flow init`` does. Running it again changes nothing
    but organisations the file added or changed.

    :raises ConfigurationError: the store records another policy, or holds one of the
        file's organisations under another policy (``orgs --set-policy`` changes those).
    """
    if settings is None:
        if storage is None:
            raise ConfigurationError("init needs a storage URL: --db URL, or a settings "
                                     'file with storage = "URL" (--config)')
        pm = plugins if plugins is not None else load_plugins()
        url, options = storage, {}
        organisations: tuple[Organisation, ...] = ()
    else:
        pm = plugins if plugins is not None else settings.plugin_manager()
        url, options = settings.storage_url(storage), settings.flow_options(pm)
        organisations = settings.organisations
    if policy is not None:
        options["policy"] = policy
    with cls.open(url, plugins=pm, create=True, **options) as flow:
        stored = {org.id: org for org in flow.organisations()}
        where = settings.path if settings is not None else Path("--db")
        for org in organisations:  # every check before the first write
            if org.id in stored:
                _check_same_policy(where, flow, org, stored[org.id])
        if organisations:
            flow.load_organisations(organisations, actor=actor)
        recorded = recorded_policy(flow.storage) is None
        if recorded:
            flow.set_policy(flow.policy, actor=actor, reason="dialogue-flow init")
        return InitResult(flow.policy.id, recorded, len(organisations),
                          len(flow.organisations()))


def _check_same_policy(where: Path, flow: DialogueFlow, org: Organisation,
                       held: Organisation) -> None:
    wanted = org.policy_id or flow.policy.id
    actual = held.policy_id or flow.policy.id
    if wanted != actual:
        raise ConfigurationError(
            f"{where}: organisation {org.id!r} runs under policy {actual!r} in the store, "
            f"not {wanted!r} as the settings say: nothing was done, to keep the two from "
            f"mixing. Change it deliberately: dialogue-flow orgs --set-policy {wanted} "
            f"--org {org.id} --reason '...'")


# --- reading ------------------------------------------------------------------------------


def read_settings(path: str | os.PathLike[str]) -> Settings:
    """Read and check a settings file.

    :raises ConfigurationError: the file is unreadable or not TOML, or a key is unknown or
        has a value of the wrong type (naming the file, the key and what is expected).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigurationError(f"a settings file is a path, not a {type(path).__name__}")
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{file}: cannot read the settings file: "
                                 f"{exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{file}: not a valid TOML settings file: {exc}") from None
    return _Reader(file).settings(data)


class _Reader:
    """Checks one file's keys and builds its :class:`Settings`."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.base = file.parent

    def fail(self, key: str, expected: str, value: object) -> ConfigurationError:
        return ConfigurationError(f"{self.file}: {key}: expected {expected}, got "
                                  f"{type(value).__name__} {value!r}")

    def known(self, where: str, table: Mapping[str, object], keys: Mapping[str, str]) -> None:
        for key in sorted(set(table) - set(keys)):
            close = difflib.get_close_matches(key, list(keys), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigurationError(
                f"{self.file}: unknown key {where}{key!r}{hint}; expected some of "
                f"{', '.join(sorted(keys))}")

    def text(self, key: str, value: object, expected: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, expected, value)
        return value

    def settings(self, data: Mapping[str, Any]) -> Settings:
        self.known("", data, _TOP)
        storage = data.get("storage")
        if storage is not None:
            storage = _relative_to(self.text("storage", storage, _TOP["storage"]), self.base)
        language = data.get("language")
        if language is not None and language not in LANGUAGES:
            raise self.fail("language", _TOP["language"], language)
        calendar = data.get("calendar", {})
        if not isinstance(calendar, Mapping):
            raise self.fail("calendar", _TOP["calendar"], calendar)
        self.known("calendar.", calendar, _CALENDAR)
        culture = calendar.get("culture_day_off")
        if culture is not None and not isinstance(culture, bool):
            raise self.fail("calendar.culture_day_off", _CALENDAR["culture_day_off"], culture)
        overrides = calendar.get("overrides")
        off, working = inline_overrides(str(self.file), calendar, "calendar")
        organisations = self.organisations(data)
        actors = read_actors(self, data.get("actor"))
        known = {o.id for o in organisations}
        for entry in actors:
            if known and entry.actor.organisation_id not in known | {DEFAULT_ORGANISATION}:
                raise ConfigurationError(
                    f"{self.file}: the actor {entry.actor.id!r} acts in "
                    f"{entry.actor.organisation_id!r}, which is not one of the file's "
                    f"organisations ({', '.join(sorted(known))})")
        return Settings(
            path=self.file, storage=storage, policy=self.policy(data.get("policy")),
            language=language, organisations=organisations, actors=actors,
            calendar_file=None if overrides is None else self.path(
                "calendar.overrides", overrides, _CALENDAR["overrides"]),
            days_off=off, working_days=working, culture_day_off=culture,
            reception_minimum=self.minimum(data.get("reception_minimum")),
            retention=self.retention(data.get("retention")),
            outbox_days=read_housekeeping(self, data.get("housekeeping")),
            status=None if "status" not in data else thresholds_from(str(self.file),
                                                                     data["status"]),
            plugins=self.plugins(data.get("plugin", [])),
            attachments=read_attachments(self, data.get("attachments")),
            documents=read_documents(self, data.get("documents")))

    def path(self, key: str, value: object, expected: str) -> Path:
        return self.base / self.text(key, value, expected)

    def policy(self, value: object) -> DeadlinePolicy | str | None:
        if value is None:
            return None
        return policy_arg(self.text("policy", value, _TOP["policy"]), self.base)

    def organisations(self, data: Mapping[str, Any]) -> tuple[Organisation, ...]:
        if "organisations" in data and "organisation" in data:
            raise ConfigurationError(f"{self.file}: give the organisations either as a tree "
                                     'file (organisations = "...") or as [[organisation]] '
                                     "tables, not both")
        if "organisations" in data:
            tree = self.path("organisations", data["organisations"], _TOP["organisations"])
            return tuple(read_tree(tree))
        return tuple(organisations_from(str(self.file), data.get("organisation", [])))

    def minimum(self, value: object) -> Mapping[str, int] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail("reception_minimum", _TOP["reception_minimum"], value)
        for level, days in value.items():
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 31:
                raise self.fail(f"reception_minimum.{level}", "a whole number of days a month "
                                "(0-31)", days)
        return dict(value)

    def retention(self, value: object) -> Mapping[str, str] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail("retention", _TOP["retention"], value)
        for level, period in value.items():
            if not isinstance(period, str) or retention_problem(period):
                raise self.fail(f"retention.{level}", RETENTION_RULE, period)
        return dict(value)

    def plugins(self, value: object) -> tuple[PluginEntry, ...]:
        if not isinstance(value, list):
            raise self.fail("plugin", _TOP["plugin"], value)
        entries = []
        for n, table in enumerate(value):
            where = f"{self.file}: [[plugin]] #{n + 1}"
            if not isinstance(table, Mapping):
                raise self.fail(f"plugin #{n + 1}", "a [[plugin]] table", table)
            self.known(f"[[plugin]] #{n + 1} ", table, _PLUGIN)
            if ("name" in table) == ("object" in table):
                raise ConfigurationError(f'{where}: give either name = "..." (an installed '
                                         'plugin) or object = "module:attribute"')
            name, target = table.get("name"), table.get("object")
            if name is not None:
                self.text(f"plugin #{n + 1}.name", name, _PLUGIN["name"])
            if target is not None and (not isinstance(target, str) or ":" not in target):
                raise self.fail(f"plugin #{n + 1}.object", _PLUGIN["object"], target)
            settings = table.get("settings")
            if settings is not None and not isinstance(settings, Mapping):
                raise ConfigurationError(f"{where}: settings: expected "
                                         f"{_PLUGIN['settings']}, got "
                                         f"{type(settings).__name__}")
            entries.append(PluginEntry(where, name, target,
                                       None if settings is None else dict(settings)))
        return tuple(entries)


def _relative_to(url: str, base: Path) -> str:
    """A relative SQLite path of a settings file starts from the file's folder (a cron job's
    working directory is rarely the office's folder)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + "/"):
        return url
    rest, mark, query = url[len(prefix):].partition("?")
    if not rest:
        return url
    absolute = (base / unquote(rest)).resolve()
    return f"{prefix}{quote(absolute.as_posix(), safe='/:')}{mark}{query}"


def policy_arg(value: str, base: Path = Path()) -> DeadlinePolicy | str:
    """A policy named on the command line or in a settings file: a ``.toml`` file (relative
    to ``base``), read now, else a policy id, resolved by the flow."""
    if value.endswith(".toml"):
        return DeadlinePolicy.from_toml(base / value)
    return value
