"""The façade host code calls: :class:`DialogueFlow`.

Its commands live in two mixins, one per record kind (``_dialogue_commands``,
``_submission_commands``), on the machinery they share (``_flow_core``: construction,
queries, deadlines, authorisation and the one commit path); this module adds opening a flow
by URL, the operations (dispatch, sweep, reports) and the flow's own lifetime.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
from collections.abc import Iterable
from typing import Any, Self

import attrs

from ._attachments import ATTACHMENT_OPTIONS, AttachmentCommands
from ._checks import _check_actor, _check_bool, _check_count
from ._confidential_commands import ConfidentialCommands
from ._dialogue_commands import DialogueCommands
from ._dispatch import Dispatcher, DispatchResult
from ._document_commands import DocumentCommands
from ._errors import InvalidInputError, PluginError
from ._flow_core import Authorizer, FlowCore, Page
from ._housekeeping import HOUSEKEEPING_OPTIONS, HousekeepingCommands
from ._import import ImportCommands
from ._integrity import IntegrityCommands
from ._labels import check_language
from ._lookup import LookupQueries
from ._merge import MergeReport, MergeSource, merge_stores
from ._organisations import OrganisationCommands
from ._personal_data import PersonalDataCommands
from ._plugins import PluginManager, load_plugins
from ._reception import ReceptionCommands
from ._records import Actor, Deadline, Organisation
from ._report import FORMATS, Period, Report, build_report, render_report, report_dict
from ._rollup import RECIPIENTS, Rollup, RollupRow, render_rollup
from ._settings import read_settings
from ._status import StatusThresholds, StoreStatus, store_status
from ._storage_urls import open_storage
from ._sweep import SweepResult, run_sweep
from ._tree import subtree
from .storage import OutboxEntry, OutboxStatus, check_status

__all__ = ["Authorizer", "DialogueFlow", "Page"]

_LAST_YEAR = dt.MAXYEAR - 1  # a report due early next year must still be a date

#: The keyword options of the constructor, which :meth:`DialogueFlow.open` passes on.
_OPTIONS = (frozenset(inspect.signature(FlowCore.__init__).parameters) - {
    "self", "storage", "plugins"}) | ATTACHMENT_OPTIONS | HOUSEKEEPING_OPTIONS


class DialogueFlow(DocumentCommands,
                   HousekeepingCommands, AttachmentCommands, DialogueCommands, IntegrityCommands,
                   OrganisationCommands, ReceptionCommands, LookupQueries, PersonalDataCommands,
                   ConfidentialCommands, ImportCommands):
    """Runs dialogues and their submissions under a deadline policy.

    Build one with :meth:`open` (from a storage URL) or directly from a
    :class:`~dialogue_flow.storage.Storage`. Every command takes the acting
    :class:`Actor`, checks everything before writing, and returns the new record. Release
    the storage with :meth:`shutdown`, or use the flow in a ``with`` block.
    """

    @classmethod
    def open(cls, url: str = "memory://", *, plugins: PluginManager | Iterable[object] = (),
             load_entry_points: bool = False, create: bool = True,
             **options: Any) -> DialogueFlow:
        """Open the storage named by ``url`` and build a flow on it.

        The host's plugins (``dialogue_flow_open_storage``) are asked first, so they can add
        schemes; then the built-ins ``memory://`` and ``sqlite:``; then the installed
        storage plugin registered for the URL's scheme (``postgresql://`` once
        dialogue-flow-postgres is installed), for opening the storage only (see
        :mod:`dialogue_flow._storage_urls`). ``plugins`` is a :class:`PluginManager` or
        plugin objects to register: those are the plugins whose hooks the flow runs (with
        every ``dialogue_flow`` entry-point plugin when ``load_entry_points``).
        ``create=False`` refuses a store that does not exist yet instead of creating it
        (:class:`ConfigurationError`), as the command line and :meth:`from_config` do.
        ``options`` are passed to the constructor.
        """
        if not isinstance(url, str):
            raise InvalidInputError("url", f"expected a storage URL string, got {url!r}")
        pm = plugins if isinstance(plugins, PluginManager) else load_plugins(
            plugins, entry_points=load_entry_points)
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise InvalidInputError(unknown[0], "not an option of DialogueFlow; expected some "
                                    f"of {', '.join(sorted(_OPTIONS))}")
        storage = open_storage(url, pm, create=create)
        try:
            return cls(storage, plugins=pm, **options)
        except BaseException:
            storage.close()  # an option refused: release what was opened for it
            raise

    @classmethod
    def from_config(cls, path: str | os.PathLike[str], *,
                    plugins: PluginManager | Iterable[object] = (), storage: str | None = None,
                    create: bool = False, **options: Any) -> DialogueFlow:
        """Open the flow a settings file describes (``dialogue-flow.toml``, see
        ``docs/settings.md``): its storage, policy, language, calendar, reception minimum
        and plugins, checked against what the store records.

        ``storage`` replaces the file's storage URL, ``options`` its other settings (and
        pass the rest of the constructor's: ``clock``, ``authorizers``...). ``plugins``
        are registered after the file's; a :class:`PluginManager` is used as it is,
        without the file's. The store must exist (``dialogue-flow init`` creates it) unless
        ``create``.

        :raises ConfigurationError: the file is unreadable, has an unknown key or a value of
            the wrong type (naming the file, the key and what is expected); the store is
            missing, runs under another policy, or lacks an organisation the file names or
            holds it under another policy.
        """
        return read_settings(path).open_flow(cls, plugins=plugins, storage=storage,
                                             create=create, **options)

    def dispatch(self, limit: int = 100, *, organisation: str | None = None,
                 subtree: bool = False, **options: Any) -> DispatchResult:
        """Deliver up to ``limit`` due notifications once (see :class:`Dispatcher`), of one
        organisation (``subtree=True``: and those under it) when named."""
        dispatcher = Dispatcher(self.storage, self.plugins, clock=self.clock,
                                organisations=self._scope(organisation, subtree), **options)
        return dispatcher.run_once(limit)

    def outbox_stats(self, *, organisation: str | None = None,
                     subtree: bool = False) -> dict[str, int]:
        """Outbox rows per status, of the whole store or of one organisation's notifications
        (``subtree=True``: and those under it)."""
        return self.storage.outbox_stats(self._scope(organisation, subtree))

    def parked_notifications(self, limit: int = 100, *, organisation: str | None = None,
                             subtree: bool = False) -> list[OutboxEntry]:
        """Up to ``limit`` parked outbox rows, oldest first, scoped like
        :meth:`outbox_stats`: what a person must look at."""
        return self.storage.parked_notifications(limit, self._scope(organisation, subtree))

    def outbox_entries(self, status: OutboxStatus | str, limit: int = 100, *,
                       organisation: str | None = None,
                       subtree: bool = False) -> list[OutboxEntry]:
        """Up to ``limit`` outbox rows of ``status``, newest first, scoped like
        :meth:`outbox_stats`: ``"no_recipient"``, the notifications nobody received."""
        return self.storage.outbox_entries(check_status(status), limit,
                                           self._scope(organisation, subtree))

    def status(self, *, organisation: str | None = None, subtree: bool = False,
               thresholds: StatusThresholds | None = None,
               now: dt.datetime | None = None) -> StoreStatus:
        """Whether the jobs run (``dialogue-flow status``): per organisation of the store
        (or of one, ``subtree=True``: and those under it), the last sweep and dispatch, the
        outbox backlog, parked rows and overdue matters, and the problems ``thresholds``
        find; ``StoreStatus.exit_code`` is what a monitoring job checks."""
        return store_status(self, self._scope(organisation, subtree),
                            StatusThresholds() if thresholds is None else thresholds,
                            self.clock.now() if now is None else now)

    def merge(self, sources: Iterable[MergeSource], *,
              allow_other_policy: bool = False) -> MergeReport:
        """Merge single-committee stores into organisations of this one (``dialogue-flow
        merge``): every record, audit row, outbox row and attachment, in one transaction;
        ids this store holds are renamed and tracking codes re-issued, each listed in the
        report (see ``docs/operations.md``, "Merging communes' stores").

        :raises ConfigurationError: nothing was merged, saying why (a source of several
            organisations or of another policy, an organisation not stored...).
        """
        return merge_stores(self, list(sources), allow_other_policy=allow_other_policy)

    def shutdown(self) -> None:
        """Release the storage (``close`` is the command that closes a submission)."""
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()

    def sweep(self, today: dt.date | None = None, *, remind: tuple[int, ...] = (3, 0),
              organisation: str | None = None,
              subtree: bool = False) -> SweepResult:  # checked in run_sweep
        """Write today's reminders, overdue notices and report reminders to the outbox, for
        the whole store or one organisation (``subtree=True``: and those under it).

        Idempotent (see :mod:`dialogue_flow._sweep`); run it from cron, then
        :meth:`dispatch`. With :attr:`outbox_days` set, it then prunes the settled
        notifications older than that (:meth:`prune_outbox`).
        """
        day = self.clock.today() if today is None else today
        return self._housekeep(run_sweep(self, day, remind=remind,
                                         organisations=self._scope(organisation, subtree)))

    def report(self, period: Period | str, *, as_of: dt.date | None = None,
               include_personal_data: bool = False, organisation: str | None = None,
               subtree: bool = False, actor: Actor | None = None) -> Report:
        """The figures of ``period`` (``"2021-H1"``, ``"2021"``, ``"2021-Q1"``, ...), of
        one organisation (``subtree=True``: with every organisation under it) or of the
        whole store.

        ``include_personal_data=True`` names the petitioners of the listed matters: it
        needs the ``actor`` who reads them, and the read is recorded in the access log
        (:meth:`access_log`, purpose ``report``).
        """
        if actor is not None:
            _check_actor(actor)
        elif include_personal_data is True:
            raise InvalidInputError("actor", "a report with personal data names who reads "
                                    "it (actor=...); the read is recorded in the access log")
        scope = self._scope(organisation, subtree)
        report = build_report(self, period, as_of=as_of,
                              include_personal_data=include_personal_data,
                              organisations=scope)
        if report.personal_data and actor is not None:
            listed = {i.submission_id for i in (*report.overdue, *report.escalated)}
            self._log_access(actor, "report", map(self.storage.get_submission, sorted(listed)))
        if organisation is None:
            return report
        return self._addressed(report, self.organisation(organisation), subtree)

    def _addressed(self, report: Report, org: Organisation, subtree_too: bool) -> Report:
        """``report`` as ``org``'s, under its policy, to the recipients 215-KL/TW names for
        its level."""
        policy = self.policy_of(org.id)
        return attrs.evolve(report, organisation=org.id, subtree=subtree_too,
                            policy=policy.id, policy_name=policy.name,
                            recipients=RECIPIENTS.get(org.level, ()))

    def rollup(self, period: Period | str, *, organisation: str,
               as_of: dt.date | None = None) -> Rollup:
        """``organisation``'s report of ``period`` with a row for its own matters, one per
        organisation directly under it (each with its subtree) and the total; addressed to
        the recipients 215-KL/TW names for its level."""
        org = self.organisation(organisation)
        tree = self.organisations()  # read once for every row's subtree
        parents = [(o.id, o.parent_id) for o in tree]

        def row(of: Organisation, *, below: bool) -> RollupRow:
            scope = subtree(parents, of.id) if below else frozenset({of.id})
            report = build_report(self, period, as_of=as_of, organisations=scope)
            return RollupRow(of.id, of.name, self._addressed(report, of, below))

        rows = [row(org, below=False),
                *(row(c, below=True) for c in tree if c.parent_id == org.id)]
        return Rollup(org.id, org.name, org.level, RECIPIENTS.get(org.level, ()),
                      tuple(rows), row(org, below=True).report)

    def render_rollup(self, rollup: Rollup, fmt: str, *, language: str | None = None) -> str:
        """A roll-up as ``json``, ``csv`` or ``md``, in ``language`` (default: the flow's)."""
        return render_rollup(rollup, fmt,
                             language=self.language if language is None else language)

    def render_report(self, report: Report, fmt: str, *, language: str | None = None) -> str:
        """``json``, ``csv``, ``md``, or a format a plugin renders; its words in
        ``language`` (``vi`` or ``en``; default: the flow's language). JSON and the CSV's
        key columns keep stable English keys, with labels beside them."""
        chosen = check_language(self.language if language is None else language)
        if fmt in FORMATS:
            return render_report(report, fmt, language=chosen)
        rendered = self.plugins.hook.dialogue_flow_render_report(
            report=report_dict(report, chosen), fmt=fmt, language=chosen)
        if rendered is None:
            return render_report(report, fmt, language=chosen)  # raises, naming the formats
        if not isinstance(rendered, str):
            raise PluginError(f"a dialogue_flow_render_report plugin returned "
                              f"{type(rendered).__name__} for {fmt!r}, not text")
        return rendered

    def document(self, kind: str, subject: object, *, actor: Actor,
                 **options: Any) -> dict[str, Any]:
        """Issue the office document of ``kind`` about ``subject`` and return it as the
        mapping :meth:`render_document` writes: an ``announcement`` or a
        ``conclusion_notice`` of a dialogue, the written ``answer`` of a submission, the
        ``report`` of a period (``"2021-H1"``). It takes the next number of its type for
        its organisation and year (:meth:`issue_document`); again, it is a reprint with
        the same number. ``options``: ``language``, ``settings`` (a settings file's
        ``[documents]``), ``draft``, ``reissue``, ``on``; a report's ``organisation``,
        ``subtree``, ``rollup``, ``as_of`` (see ``docs/documents.md``).
        """
        from ._documents import build_document  # noqa: PLC0415 - imports the report charts

        return build_document(self, kind, subject, actor=actor, **options)

    def charts(self, period: Period | str, *, organisation: str | None = None,
               subtree: bool = False, rollup: Rollup | None = None,
               language: str | None = None) -> dict[str, dict[str, Any]]:
        """The two charts of ``period``'s report as data, by kind: ``by_month_state`` (the
        matters received in each month, stacked by their state now) and ``on_time_rate``
        (the share answered by the due date, per department; given ``rollup``, the
        :meth:`rollup` of ``organisation`` for this period, per organisation of its rows).
        Each is the mapping the ``dialogue_flow_render_chart`` hook draws
        (:meth:`render_chart`), with its ``language``; the Word report and
        ``dialogue-flow chart`` show the same.

        ``organisation`` (``subtree=True``: with those under it; ``None``: the whole store)
        chooses the matters (with a ``rollup``, its subtree); the words are in ``language``
        (default: the flow's).

        :raises InvalidInputError: not a period, ``subtree`` or ``language`` wrong, or
            ``rollup`` is not ``organisation``'s for this period.
        :raises NotFoundError: no such organisation.
        """
        from ._charts_data import period_charts  # noqa: PLC0415 - only for charts

        chosen = Period.parse(period) if isinstance(period, str) else period
        if not isinstance(chosen, Period):
            raise InvalidInputError("period", "expected a Period or its text, e.g. 2026-H1")
        _check_bool("subtree", subtree)
        given: object = rollup  # checked: a caller may pass anything
        if given is not None and (not isinstance(given, Rollup)
                                  or given.organisation != organisation
                                  or given.total.period != chosen):
            raise InvalidInputError("rollup", f"expected the flow.rollup(...) of the "
                                    f"organisation the charts are of, for {chosen.label}")
        scope = self._scope(organisation, subtree or rollup is not None)
        words = check_language(self.language if language is None else language)
        charts = period_charts(self, chosen, scope, words, rollup)
        return {kind: {**chart, "language": words} for kind, chart in charts.items()}

    def render_chart(self, chart: dict[str, Any], fmt: str, *,
                     language: str | None = None) -> bytes:
        """``chart`` (one of :meth:`charts`) as a picture of format ``fmt`` (``"png"``,
        ``"svg"``), drawn by the host's plugin for the format or else the installed one
        (``dialogue-flow-docx[charts]``), in ``language`` (default: the chart's own, else
        the flow's); an SVG a plugin gives as text comes back as its UTF-8 bytes.

        :raises ConfigurationError: no plugin draws ``fmt`` (naming what to install).
        :raises PluginError: the plugin answered neither bytes nor text.
        """
        from ._formats import call_format_hook  # noqa: PLC0415

        given: object = chart  # checked: a caller may pass anything
        if not isinstance(given, dict) or "kind" not in given:
            raise InvalidInputError("chart", "expected one of the mappings flow.charts builds")
        words = check_language(language if language is not None
                               else given.get("language", self.language))
        picture = call_format_hook(self.plugins, "dialogue_flow_render_chart", fmt,
                                   chart=chart, language=words)
        if isinstance(picture, str):
            return picture.encode("utf-8")
        if not isinstance(picture, bytes):
            raise PluginError("a dialogue_flow_render_chart plugin returned "
                              f"{type(picture).__name__} for {fmt!r}, not bytes")
        return picture

    def render_document(self, document: dict[str, Any], fmt: str, *,
                        templates: str | None = None) -> bytes:
        """``document`` (from :meth:`document`) as a file of format ``fmt`` (``"docx"``),
        written by the host's plugin for the format or else the installed one
        (``dialogue-flow-docx``); ``templates``: a folder of templates replacing its own.

        :raises ConfigurationError: no plugin writes ``fmt`` (naming what to install).
        :raises InvalidInputError: ``document`` is not such a mapping (no ``language``).
        """
        from ._formats import call_format_hook  # noqa: PLC0415

        try:
            language = document["language"]
        except (KeyError, TypeError):  # TypeError: not a mapping at all
            raise InvalidInputError("document", "expected the mapping flow.document builds "
                                    "(with its 'language')") from None
        data = call_format_hook(self.plugins, "dialogue_flow_render_document", fmt,
                                document=document, language=check_language(language),
                                templates=templates)
        if not isinstance(data, bytes):
            raise PluginError("a dialogue_flow_render_document plugin returned "
                              f"{type(data).__name__} for {fmt!r}, not bytes")
        return data

    def report_deadlines(self, year: int) -> list[Deadline]:
        """When the policy's reports are due in ``year``."""
        _check_count("year", year)
        if year > _LAST_YEAR:
            raise InvalidInputError("year", f"{year} is past {_LAST_YEAR}, the last year a "
                                    "date can hold")
        return self.policy.report_deadlines(year, self.calendar)


# help(DialogueFlow) names the package, not the private module it is written in.
DialogueFlow.__module__ = "dialogue_flow"
