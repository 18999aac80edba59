"""The plugin author's contract: every hook ``dialogue_flow`` calls, with its meaning.

Implement hooks in a module or class decorated with :data:`hookimpl`, expose it through
the ``dialogue_flow`` entry-point group of your distribution, and hosts run it when they
name it: ``DialogueFlow.open(url, plugins=...)``, a settings file's ``[[plugin]]``, or every
installed one with ``DialogueFlow.open(url, load_entry_points=True)`` or
``load_plugins(entry_points=True)``. A storage backend also names its plugin per URL scheme
in the ``dialogue_flow.storage`` group (see :func:`dialogue_flow_open_storage`). Argument
names must match the specs below exactly (pluggy passes them by name); a misspelt hook
name fails at start-up with :class:`~dialogue_flow.PluginError`.

Hooks marked *first result* stop at the first implementation that returns something other
than ``None``; the others are called on every implementation (fan-out).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from ._files import FileStore
    from ._policy import DeadlinePolicy
    from ._reception_records import ReceptionDay
    from ._recipients import ReadOnlyStore, Recipient
    from ._records import Actor, Dialogue, Notification, Organisation, Submission
    from .storage import Storage

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

#: The pluggy project name and the entry-point group plugins register under.
PROJECT_NAME = "dialogue_flow"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorate your hook implementations with this marker.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec(firstresult=True)
def dialogue_flow_open_storage(url: str, create: bool) -> Storage | None:
    """Open a storage backend for ``url`` if the plugin handles its scheme.

    *First result.* Return ``None`` for URLs you do not handle. A distribution that also
    names its plugin in the ``dialogue_flow.storage`` entry-point group, once per URL
    scheme (``postgresql = "package:plugin"``), opens those URLs without the host loading
    it: ``DialogueFlow.open`` asks it for this hook only, never for any other.

    :param url: the storage URL the host passed, e.g. ``postgresql://host/db``.
    :param create: whether to create the store when there is none yet (``dialogue-flow
        init``); when ``False``, refuse a store that does not exist with a
        :class:`~dialogue_flow.ConfigurationError` naming it (not its password). An
        implementation written before this argument existed may leave it out.
    :return: an object satisfying :class:`dialogue_flow.Storage`, or ``None``.
    """


@hookspec(firstresult=True)
def dialogue_flow_open_file_store(url: str) -> FileStore | None:
    """Open the store attachments' files are kept in, if the plugin handles ``url``
    (``s3://bucket/prefix``, ``webdav://...``).

    *First result.* Return ``None`` for URLs you do not handle; the built-ins then open a
    folder path (``file:///path`` too) and ``memory://``. A distribution may also name its
    plugin in the ``dialogue_flow.files`` entry-point group once per URL scheme
    (``s3 = "package:plugin"``): such URLs then open without the host registering it, and
    only this hook of it is called. A settings file names the URL as ``[attachments]
    store = "..."``.

    The library gives every key (``2026/01/att-...``, see ``dialogue_flow.FileStore``);
    check each with :func:`dialogue_flow.check_key` before using it in a path or a URL.

    :param url: the file store URL the host configured.
    :return: an object satisfying :class:`dialogue_flow.FileStore`, or ``None``.
    """


@hookspec(firstresult=True)
def dialogue_flow_authorize(
    actor: Actor, action: str, record: Dialogue | Submission | None,
) -> bool | None:
    """Decide whether ``actor`` may perform ``action`` on ``record``.

    *First result*: the first ``True``/``False`` wins; ``None`` means "no opinion" and the
    next implementation (finally the built-in rules of the seed's plan) decides.

    :param actor: who is acting.
    :param action: the command name (``plan``, ``announce``, ``assign``, ``close``, ...).
    :param record: the record acted on (``None`` when creating a dialogue); a confidential
        submission with its petitioner withheld, as every record a plugin is given.
    :return: ``True``, ``False`` or ``None``. Only ``True`` grants: any other answer (a
        refusal reason as text, ``1``) refuses the command with a
        :class:`~dialogue_flow.PluginError`.
    """


@hookspec
def dialogue_flow_calendar_overrides(years: range) -> Mapping[str, Any] | None:
    """Contribute extra days off and extra working days for ``years``.

    *Fan-out*: every answer is merged; the same date both off and working is rejected.

    :param years: the years the calendar is being built for.
    :return: ``{"days_off": {date: reason}, "working_days": {date: reason}}`` (either key
        may be missing) or ``None``.
    """


@hookspec
def dialogue_flow_policies() -> list[DeadlinePolicy] | None:
    """Contribute deadline policies hosts can select by id.

    *Fan-out.*

    :return: a list of :class:`dialogue_flow.DeadlinePolicy`, or ``None``.
    """


@hookspec
def dialogue_flow_before_transition(
    kind: str, record: Dialogue | Submission, event: str, dest: str, actor: Actor,
) -> str | None:
    """Inspect a change before it is committed; may veto it.

    *Fan-out.* Must not write anything: the change is not committed yet.

    :param kind: ``"dialogue"`` or ``"submission"``.
    :param record: the record as it is now (before the change); for a creation event
        (``plan``, ``receive``) the record about to be created. A confidential submission's
        petitioner is withheld.
    :param event: the lifecycle event.
    :param dest: the state the record would move to.
    :param actor: who is acting.
    :return: a reason to refuse (raises :class:`dialogue_flow.TransitionVetoedError` with
        it, nothing is written), or ``None`` to let it pass.
    """


@hookspec
def dialogue_flow_after_commit(
    kind: str, record: Dialogue | Submission, event: str, actor: Actor,
) -> None:
    """Observe a change after it was committed (for metrics, caches, search indexes).

    *Fan-out, each implementation called on its own.* An exception here is logged and
    swallowed (the other implementations still run): the change is already durable;
    anything that must not be lost belongs in the outbox, not here.

    :param kind: ``"dialogue"`` or ``"submission"``.
    :param record: the new record (a confidential submission's petitioner withheld).
    :param event: the lifecycle event.
    :param actor: who acted.
    """


@hookspec
def dialogue_flow_recipients(
    notification: Notification, record: Dialogue | Submission | ReceptionDay | None,
    organisation: Organisation | None, store: ReadOnlyStore,
) -> list[Recipient | str] | None:
    """Name who receives a notification: :class:`~dialogue_flow.Recipient` records (a
    reference the outbox keeps, the address, its channel).

    *Fan-out, each implementation called on its own by the dispatcher*, newest plugin
    first: the lists are concatenated, a recipient named twice on one channel kept once.
    If one raises, the notification is not delivered in this pass and is retried like a
    failed delivery. The built-in ``dialogue_flow.petitioner`` names the petitioner's
    contact channels for a notification whose audience is ``"petitioner"``.

    Name only the arguments you need (pluggy passes just those): an implementation written
    when the hook took only ``notification`` still works. Everything a cron ``dialogue-flow
    dispatch`` needs is here, so no global reference to the host's flow is needed.

    :param notification: the notification about to be delivered.
    :param record: the record it is about (``notification.kind``/``record_id``), as stored
        now; ``None`` when it names none (a report reminder). A confidential matter's
        petitioner is withheld, but in a notice whose audience is the petitioner: that one
        carries the identity to reach them with (for a copy another organisation received
        without it, the identity of the matter it was escalated from). ``store`` always
        withholds it.
    :param organisation: the notification's organisation (the default one even when not
        stored); ``None`` if it is not stored.
    :param store: read-only access to the store (``get_*``/``find_*``): a dialogue's
        departments, an organisation's parent.
    :return: a list of :class:`~dialogue_flow.Recipient`, or ``None``. A plain address
        string is still accepted; the outbox then names it ``<plugin name>#<n>``.
    """


@hookspec
def dialogue_flow_deliver(notification: Notification, recipients: list[str],
                          to: list[Recipient]) -> list[Recipient] | str | None:
    """Deliver one notification on the plugin's channel.

    *Fan-out, called one implementation at a time by the dispatcher*, so a channel that
    raises never blocks the others: its delivery is retried with back-off and parked after
    the configured number of attempts. Delivery is at least once: use
    ``notification.key`` to drop repeats.

    Raise :class:`dialogue_flow.PermanentDeliveryError` when retrying cannot help: the
    row is then parked at once (unless another channel failed only transiently).

    Return the recipients of ``to`` you reached: the outbox records each by its ``ref``
    under your plugin's name, and the row counts as ``delivered``. ``None`` (or an empty
    list) when you sent nothing: not configured, no recipient for your channel, or only a
    log line. A row no channel reached anyone on is ``logged``, or ``no_recipient`` when
    nobody was named. A bare channel name (what this hook returned before) still counts as
    a delivery, to recipients it does not name.

    :param notification: what to send.
    :param recipients: the addresses of ``to``, each once (name this or ``to``).
    :param to: the :class:`~dialogue_flow.Recipient` records from
        :func:`dialogue_flow_recipients`: take those of your channel
        (``recipient.channel``), send to ``recipient.address``.
    :return: the recipients reached, or ``None``.
    """


@hookspec
def dialogue_flow_cli_commands() -> list[click.Command] | None:
    """Add commands to the ``dialogue-flow`` command line.

    *Fan-out.*

    :return: a list of :class:`click.Command`, or ``None``.
    """


@hookspec(firstresult=True)
def dialogue_flow_render_report(report: Mapping[str, Any], fmt: str,
                                language: str) -> str | None:
    """Render a report in a format the library does not know.

    *First result.* Like every hook argument, ``language`` is opt-in: an implementation
    that does not name it (one written before it existed) is called without it. Name it
    without a default value.

    :param report: the report as a JSON-safe mapping, with its ``labels`` in ``language``
        (the words for its keys, as the JSON format carries them).
    :param fmt: the requested format name (e.g. ``"xlsx-base64"``, ``"html"``).
    :param language: the language the report is asked in, ``"vi"`` or ``"en"``.
    :return: the rendered text, or ``None`` for formats the plugin does not handle.
    """



# Office documents, spreadsheets and charts (issue 18). Each is *first result*, asked of
# the host's plugins first and then of the installed plugin a distribution names for the
# format in the ``dialogue_flow.formats`` entry-point group (``docx = "package:plugin"``):
# like a storage plugin, such a plugin runs for its format without the host loading it, and
# only these hooks of it are called.


@hookspec(firstresult=True)
def dialogue_flow_render_document(document: Mapping[str, Any], fmt: str, language: str,
                                  templates: str | None) -> bytes | None:
    """Render an office document (an announcement, a conclusion notice, a written answer,
    a periodic report) as a file of format ``fmt`` (``"docx"``).

    *First result.*

    :param document: the document as a JSON-safe mapping built by
        :meth:`DialogueFlow.document <dialogue_flow.DialogueFlow.document>`: its ``kind``,
        its number, the header block, the place-and-date line, the title, the signature
        block, the recipients and a ``body`` of the kind's own data (see
        ``docs/documents.md``).
    :param fmt: the file format asked for (the output file's suffix without its dot).
    :param language: ``"vi"`` or ``"en"``: the words the library supplies are in it.
    :param templates: a folder of templates that replace the plugin's own (one file per
        kind, from the ``[documents] templates`` setting), or ``None``.
    :return: the file's bytes, or ``None`` for formats the plugin does not handle.
    """


@hookspec(firstresult=True)
def dialogue_flow_render_chart(chart: Mapping[str, Any], fmt: str,
                               language: str) -> bytes | str | None:
    """Draw a chart of a report (``"png"``, ``"svg"``).

    *First result.*

    :param chart: the chart as a JSON-safe mapping (one of a report document's
        ``body["charts"]``, or what ``dialogue-flow chart --output FILE.json`` writes): its
        ``kind``, ``title``, ``categories`` with their ``category_labels`` and one
        ``series`` per bar colour.
    :param fmt: the image format asked for.
    :param language: ``"vi"`` or ``"en"``.
    :return: the image's bytes (an SVG may be given as its text), or ``None`` for formats
        the plugin does not handle.
    """


@hookspec(firstresult=True)
def dialogue_flow_write_table(table: Mapping[str, Any], fmt: str,
                              language: str) -> bytes | None:
    """Write a register or a report as a spreadsheet file (``"xlsx"``).

    *First result.*

    :param table: ``{"title": str, "sheets": [{"name": str, "columns": [{"key", "label",
        "type", "width"}], "rows": [[cell, ...]]}]}``: a column's ``type`` is ``"text"``,
        ``"date"`` (its cells ISO dates, to be written as real dates), ``"integer"``,
        ``"number"`` or ``"percent"`` (a share from 0 to 1); ``width`` in characters; a cell
        may be ``None``.
    :param fmt: the file format asked for.
    :param language: ``"vi"`` or ``"en"``: the language of the labels.
    :return: the file's bytes, or ``None`` for formats the plugin does not handle.
    """


@hookspec(firstresult=True)
def dialogue_flow_read_table(path: str, fmt: str,
                             sheet: str | None) -> Iterator[Sequence[Any]] | None:
    """Read the rows of a spreadsheet file (``"xlsx"``) for an import.

    *First result.*

    :param path: the file to read.
    :param fmt: its format (its suffix without the dot).
    :param sheet: the sheet to read by name (``None``: the first).
    :return: the rows, the header first, each a sequence of cells (``str``, ``int``,
        ``float``, ``datetime.date``, ``datetime.datetime`` or ``None``), or ``None`` for
        formats the plugin does not handle. Raise :class:`~dialogue_flow.InvalidInputError`
        for a file that is not of the format.
    """
