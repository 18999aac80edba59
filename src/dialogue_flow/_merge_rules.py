"""What merging a store rewrites, as data (issue 17, part 5): every link to a record id in a
stored document, and how each table's rows hold their documents.

A merge moves one committee's store into an organisation of another store
(:mod:`dialogue_flow._merge`). Every organisation id becomes the target organisation's, and
a record id the target already holds is renamed: so every place an id is written must be
rewritten the same way. They are listed here, one line each: :data:`LINKS` (a field of a
record, an audit row or a notification, by its dotted path: ``conclusion.items.
submission_id`` walks every item of a list) and :data:`TABLES` (how a table's rows hold
them). A table of the schema not in :data:`TABLES` makes a merge refuse, so a table added
later cannot be skipped silently (``tests/test_merge.py`` checks the schema against it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs

from ._attachment_records import Attachment, file_key
from ._document_records import IssuedDocument
from ._errors import StorageError
from ._reception_records import ReceptionDay
from ._records import DEFAULT_ORGANISATION, Dialogue, Notification, Submission, TransitionRecord
from ._serialization import from_dict, to_json
from .storage.sql import RECORD_TABLES, SQLITE, indexed_values

__all__ = ["LINKS", "RECORDS", "TABLES", "Link", "Rewrite", "TableRule"]

#: What a link names besides a record of a kind: the organisation, a tracking code, the
#: record named by the document's own ``kind`` field (an audit row, a notification).
ORGANISATION: Final = "organisation"
CODE: Final = "tracking_code"
BY_KIND: Final = "by_kind"

#: The record kinds whose ids a merge keeps unique (renaming those the target holds).
RECORDS: Final[Mapping[str, type[Any]]] = {
    Dialogue.KIND: Dialogue, Submission.KIND: Submission, ReceptionDay.KIND: ReceptionDay,
    Attachment.KIND: Attachment}

#: The audit-trail kinds that belong to the source store, not to a record a merge moves:
#: the policy it recorded, its own organisation records. They are kept under a record id
#: of their own in the target (``merged:ORG:old``), so no later change there collides.
STORE_KINDS: Final = frozenset({"policy", ORGANISATION})


@attrs.frozen
class Link:
    """One place an id is written: in documents of ``document`` (a record kind,
    ``transition`` or ``notification``), the field at ``path``, naming ``names`` (a record
    kind, or :data:`ORGANISATION`, :data:`CODE`, :data:`BY_KIND`)."""

    document: str
    path: str
    names: str


LINKS: Final = (
    Link("dialogue", "id", "dialogue"),
    Link("dialogue", "organisation_id", ORGANISATION),
    Link("dialogue", "conclusion.items.submission_id", "submission"),
    Link("submission", "id", "submission"),
    Link("submission", "organisation_id", ORGANISATION),
    Link("submission", "dialogue_id", "dialogue"),
    Link("submission", "origin_id", "submission"),
    Link("submission", "transferred_to", "submission"),
    Link("submission", "duplicate_of", "submission"),
    Link("submission", "reception_id", "reception_day"),
    Link("submission", "tracking_code", CODE),
    Link("reception_day", "id", "reception_day"),
    Link("reception_day", "organisation_id", ORGANISATION),
    Link("reception_day", "replaces", "reception_day"),
    Link("reception_day", "replaced_by", "reception_day"),
    Link("attachment", "id", "attachment"),
    Link("attachment", "submission_id", "submission"),
    Link("attachment", "organisation_id", ORGANISATION),
    Link("transition", "record_id", BY_KIND),
    Link("transition", "organisation_id", ORGANISATION),
    Link("transition", "details.linked", "submission"),
    Link("transition", "details.origin", "submission"),
    Link("transition", "details.dialogue", "dialogue"),
    Link("transition", "details.replaces", "reception_day"),
    Link("transition", "details.attachment", "attachment"),
    Link("transition", "details.to", ORGANISATION),
    Link("transition", "details.by", ORGANISATION),
    Link("notification", "record_id", BY_KIND),
    Link("notification", "organisation_id", ORGANISATION),
)

_ID_CHARS = "A-Za-z0-9._:-"
_MAX_ID = 64


class Rewrite:
    """The rewriting of one source: its organisations into ``organisation``, its renamed
    ids, its re-issued tracking codes, its store-level audit trails and its sequence
    numbers. Filled by the merge's plan, then applied row by row; every link to an id the
    source does not hold is collected in :attr:`dangling` (the merge refuses then)."""

    def __init__(self, organisation: str, source_organisations: Iterable[str]) -> None:
        self.organisation = organisation
        self.source_organisations = frozenset(source_organisations)
        #: (kind, id) of every record the source holds -> its id in the target.
        self.ids: dict[tuple[str, str], str] = {}
        self.codes: dict[str, str] = {}
        #: (kind, record id) of a store-level audit trail -> its record id in the target.
        self.store_trails: dict[tuple[str, str], str] = {}
        #: table -> old sequence number -> new.
        self.seqs: dict[str, dict[int, int]] = {}
        self.dangling: set[tuple[str, str]] = set()
        #: Kinds of audit rows the merge does not know whose they are (it refuses then).
        self.unknown_kinds: set[str] = set()
        #: table -> the keys its rows hold in the target (and this merge's rows so far):
        #: shared by every source of one merge.
        self.taken: dict[str, set[str]] = {}
        #: Outbox keys the target held already (the same notice queued in both stores),
        #: kept under a key of their own: (key, new key).
        self.kept_apart: list[tuple[str, str]] = []
        #: Rows left out, by table (a pruned key the target holds already).
        self.skipped: dict[str, int] = {}
        self._tokens: re.Pattern[str] | None = None

    def renamed(self) -> dict[tuple[str, str], str]:
        """The ids that changed: (kind, old) -> new."""
        return {key: new for key, new in self.ids.items() if key[1] != new}

    def name(self, names: str, value: str, kind: str | None = None,
             document: str = "") -> str:
        """What ``value``, a link naming ``names``, becomes in the target (``kind`` and
        ``document``: of the audit row or notice a :data:`BY_KIND` link is in)."""
        if names == ORGANISATION:
            return self.organisation if value in self.source_organisations else value
        if names == CODE:
            return self.codes.get(value, value)
        if names == BY_KIND:
            return self._by_kind(str(kind), value, document)
        new = self.ids.get((names, value))
        if new is None:
            self.dangling.add((names, value))
            return value
        return new

    def _by_kind(self, kind: str, value: str, document: str) -> str:
        if kind in RECORDS:
            return self.name(kind, value)
        if document == "transition":
            if kind in STORE_KINDS:
                return self.store_trails[(kind, value)]
            self.unknown_kinds.add(kind)
            return value
        if kind == ORGANISATION:  # a notice about an organisation (sweep_missed)
            return self.name(ORGANISATION, value)
        return value  # a report reminder names "{rule}-{period}", no record

    def key(self, key: str) -> str:
        """An outbox key with the ids and organisation it names rewritten: every key about
        a record starts ``{kind}:{id}:``; one about an organisation names it second
        (``report:ORG:rule:period``), or not at all for the default organisation's reports
        (``report:rule:period``)."""
        head, sep, rest = key.partition(":")
        if head in RECORDS:
            record_id, sep2, tail = rest.partition(":")
            new = self.ids.get((head, record_id), record_id)
            return f"{head}{sep}{new}{sep2}{tail}"
        if head == "report" and rest.count(":") == 1 and (
                DEFAULT_ORGANISATION in self.source_organisations):
            return f"report:{self.organisation}:{rest}"
        second, sep2, tail = rest.partition(":")
        if sep and second in self.source_organisations:
            return f"{head}{sep}{self.organisation}{sep2}{tail}"
        return key

    def text(self, text: str) -> str:
        """A notice not sent yet, its renamed ids and re-issued codes written anew (one
        sent stays as it was sent)."""
        old = {**{old: new for (_kind, old), new in self.renamed().items()}, **self.codes}
        if not old:
            return text
        if self._tokens is None:
            self._tokens = re.compile(
                f"(?<![{_ID_CHARS}])(" + "|".join(map(re.escape, sorted(old, key=len,
                                                                         reverse=True)))
                + f")(?![{_ID_CHARS}])")
        return self._tokens.sub(lambda m: old[m.group(1)], text)

    def document(self, document: str, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` (a decoded document of kind ``document``) with every link of
        :data:`LINKS` rewritten."""
        kind = data.get("kind") if document in ("transition", "notification") else None
        for link in LINKS:
            if link.document == document:
                names = link.names
                if names == ORGANISATION and "." not in link.path:
                    # Written before organisations existed: the default one (schema 3).
                    data.setdefault(link.path, DEFAULT_ORGANISATION)

                def change(value: str, names: str = names) -> str:
                    return self.name(names, value, kind, document)

                _walk(data, link.path.split("."), change)
        return data


def _walk(data: Any, path: list[str], change: Callable[[str], str]) -> None:
    """Apply ``change`` to the text at ``path`` in ``data`` (lists are walked item by item;
    a missing or null field is left alone)."""
    if isinstance(data, list):
        for item in data:
            _walk(item, path, change)
        return
    if not isinstance(data, dict) or data.get(path[0]) is None:
        return
    if len(path) == 1:
        if isinstance(data[path[0]], str):
            data[path[0]] = change(data[path[0]])
    else:
        _walk(data[path[0]], path[1:], change)


def fit_id(candidate: str) -> str:
    """``candidate`` if it is short enough for an id, else its first characters and a
    digest of the whole (deterministic)."""
    if len(candidate) <= _MAX_ID:
        return candidate
    digest = hashlib.sha256(candidate.encode()).hexdigest()[:16]
    return f"{candidate[:_MAX_ID - 17]}-{digest}"


# --- tables --------------------------------------------------------------------------------

Row = dict[str, Any]


def _record_row(kind: str) -> Callable[[Row, Rewrite], Row | None]:
    cls = RECORDS[kind]
    columns = RECORD_TABLES[kind][1]

    def rewrite(row: Row, how: Rewrite) -> Row | None:
        data = how.document(kind, json.loads(row["record"]))
        record = _decoded(cls, data, kind, row["id"])
        if isinstance(record, Attachment) and record.id != row["id"]:  # its file is named
            record = attrs.evolve(record, file_key=file_key(record.id, record.attached_at))
        values = dict(zip(columns, indexed_values(record, SQLITE), strict=True))
        return {**row, **values, "id": record.id, "record": to_json(record)}

    return rewrite


def _decoded(cls: type[Any], data: dict[str, Any], kind: str, record_id: str) -> Any:
    try:
        return from_dict(cls, data)
    except ValueError as exc:
        raise StorageError(f"merge: {kind} {record_id} cannot be read back after its ids "
                           f"were rewritten ({exc}); nothing was written") from None


def _audit_row(row: Row, how: Rewrite) -> Row | None:
    data = how.document("transition", json.loads(row["record"]))
    record = _decoded(TransitionRecord, data, "audit row of", row["record_id"])
    return {**row, "record_id": record.record_id, "record": to_json(record)}


def _outbox_row(row: Row, how: Rewrite) -> Row | None:
    data = how.document("notification", json.loads(row["notification"]))
    key = how.key(data["key"])
    taken = how.taken["outbox"]
    if key in taken:  # the same notice queued in both stores: both kept, told apart
        moved = next(f"{key}#merged-{n}" for n in range(2, 1_000_000)
                     if f"{key}#merged-{n}" not in taken)
        how.kept_apart.append((key, moved))
        key = moved
    taken.add(key)
    data["key"] = key
    if row["status"] != "delivered":  # not sent yet: it will name the matter as it is now
        data["subject"], data["body"] = how.text(data["subject"]), how.text(data["body"])
    note = _decoded(Notification, data, "notification", row["key"])
    return {**row, "seq": how.seqs["outbox"][row["seq"]], "key": note.key,
            "organisation_id": note.organisation_id, "notification": to_json(note)}


def _pruned_row(row: Row, how: Rewrite) -> Row | None:
    key = how.key(row["key"])
    if key in how.taken["outbox_pruned"]:  # never sent again either way: one row is enough
        how.skipped["outbox_pruned"] = how.skipped.get("outbox_pruned", 0) + 1
        return None
    how.taken["outbox_pruned"].add(key)
    return {**row, "key": key}


def _read_ids(how: Rewrite, value: str) -> str:
    """An id an access-log entry names: a submission's (or another record's)."""
    for kind in RECORDS:
        if (kind, value) in how.ids:
            return how.ids[(kind, value)]
    return how.name(Submission.KIND, value)


def _access_row(row: Row, how: Rewrite) -> Row | None:
    ids = sorted(_read_ids(how, value) for value in json.loads(row["record_ids"]))
    return {**row, "seq": how.seqs["access_log"][row["seq"]],
            "organisation_id": how.name(ORGANISATION, row["organisation_id"]),
            "record_ids": json.dumps(ids)}


def _access_record_row(row: Row, how: Rewrite) -> Row | None:
    return {**row, "record_id": _read_ids(how, row["record_id"]),
            "seq": how.seqs["access_log"][row["seq"]]}


def _document_row(row: Row, how: Rewrite) -> Row | None:
    """An issued document (issue 18): it follows its organisation and its subject's id
    (a report's subject is its scope, no record); its number keeps what was printed but
    leaves the issuer's sequence (``issuer_id`` NULL): the target's own numbering goes on
    from its own documents, and two stores' "Số 1-TB" never collide."""
    data = json.loads(row["record"])
    data["organisation_id"] = how.name(ORGANISATION, data["organisation_id"])
    if data["subject_kind"] in RECORDS:
        data["subject_id"] = how.name(data["subject_kind"], data["subject_id"])
    document = _decoded(IssuedDocument, data, "document", str(row["seq"]))
    return {**row, "seq": how.seqs["documents"][row["seq"]], "issuer_id": None,
            "organisation_id": document.organisation_id, "subject_id": document.subject_id,
            "record": to_json(document)}


def _import_key_row(row: Row, how: Rewrite) -> Row | None:
    """The key of a register row an import added (issue 18): it follows its organisation
    and the submission made of it, so re-importing that register into the target skips the
    row as the source would have."""
    return {**row, "organisation_id": how.name(ORGANISATION, row["organisation_id"]),
            "submission_id": how.name(Submission.KIND, row["submission_id"])}


@attrs.frozen
class TableRule:
    """How a merge treats a table: rewrites each row (``rewrite``; ``None`` leaves a row
    out), or leaves the table out (``rewrite`` is ``None``) for the reason given."""

    rewrite: Callable[[Row, Rewrite], Row | None] | None
    #: A column whose values the target may hold already (an outbox key: the same notice
    #: queued in both stores): the merge reads the target's into :attr:`Rewrite.taken`.
    keys: str | None = None
    #: A sequence column: the source's rows are numbered after the target's, in order.
    seq: str | None = None
    #: Why the table is not merged.
    reason: str = ""


#: Every table of the schema and how a merge treats it.
TABLES: Final[Mapping[str, TableRule]] = {
    "dialogues": TableRule(_record_row(Dialogue.KIND)),
    "submissions": TableRule(_record_row(Submission.KIND)),
    "reception_days": TableRule(_record_row(ReceptionDay.KIND)),
    "attachments": TableRule(_record_row(Attachment.KIND)),
    "transitions": TableRule(_audit_row),
    "outbox": TableRule(_outbox_row, keys="key", seq="seq"),
    "outbox_pruned": TableRule(_pruned_row, keys="key"),
    "access_log": TableRule(_access_row, seq="seq"),
    "access_log_records": TableRule(_access_record_row),
    "organisations": TableRule(None, reason="the target's organisation stands for the "
                               "source's"),
    "heartbeats": TableRule(None, reason="the source's jobs; the target's record their "
                            "own"),
    "import_keys": TableRule(_import_key_row),
    "documents": TableRule(_document_row, seq="seq"),
}
