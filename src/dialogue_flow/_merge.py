"""Merging single-committee stores into one (issue 17, part 5): a province that adopts the
library brings its communes' stores together, each into its organisation.

:func:`merge_stores` (``DialogueFlow.merge``, ``dialogue-flow merge``) moves every record,
audit row, outbox row (pending ones stay pending, settled ones settled), access-log entry
and attachment of each source into the target store, all in one transaction on the
target: nothing is written unless everything is. Each source is one committee's: its
records belong to one organisation (``default`` or its own id), and all become the target
organisation's. Ids stay unique: an id the target (or a source merged before in the same
run) holds already is renamed deterministically (``ORG.old-id``, then ``ORG.old-id.2``...),
and every link to it follows (the links are data: :mod:`dialogue_flow._merge_rules`); a
tracking code the target holds is re-issued. The report names every rename and re-issue.
At the end each table's row count must be what it was plus what was merged, or the whole
merge is rolled back.

A source whose policy differs from the target organisation's is refused unless
``allow_other_policy``: its deadlines were counted under the other law. Both stores are
opened by this release (so a source written by an earlier schema is upgraded first).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import attrs

from ._attachment_records import Attachment, file_key
from ._errors import ConfigurationError, NotFoundError, StorageError
from ._file_store import FileStore
from ._merge_rules import RECORDS, STORE_KINDS, TABLES, Rewrite, fit_id
from ._plugins import select_policy
from ._records import DEFAULT_ORGANISATION, Submission
from ._serialization import from_json
from ._store_policy import recorded_policy
from .storage import Storage, sql
from .storage.sql import TableShape, TableStore, schema_tables

if TYPE_CHECKING:
    from ._flow import DialogueFlow

__all__ = ["MergeReport", "MergeSource", "MergedSource", "merge_stores"]

Row = dict[str, Any]


@attrs.frozen
class MergeSource:
    """One committee's store to merge into ``organisation`` of the target (which must hold
    it). ``label`` names it in the report (a path; never a password). ``files``: where its
    attachments' files are (default: beside a SQLite database file)."""

    storage: Storage
    organisation: str
    label: str = ""
    files: FileStore | None = None


@attrs.frozen
class MergedSource:
    """What one source brought: rows per table, and what had to change to fit."""

    label: str
    organisation: str
    #: The policy the source ran under.
    policy: str
    #: Table -> rows merged.
    rows: Mapping[str, int]
    #: ``(kind, id in the source, id in the target)`` of every record renamed.
    renamed: tuple[tuple[str, str, str], ...]
    #: ``(submission id in the target, old code, new code)`` of every code re-issued.
    codes: tuple[tuple[str, str, str], ...]
    #: ``(kind, id, id in the target)`` of the source's own audit trails (its policy, its
    #: organisation records), kept under a record id of their own.
    store_trails: tuple[tuple[str, str, str], ...]
    #: Outbox keys the target held already, kept under a key of their own.
    kept_apart: tuple[tuple[str, str], ...]
    #: Rows left out: a table not merged (its reason in :data:`TABLES`), or a pruned key
    #: the target holds already.
    left_out: Mapping[str, int]
    #: Attachment files copied into the target's file store.
    files: int


@attrs.frozen
class MergeReport:
    """What :func:`merge_stores` merged: each source, and every table's rows before and
    after (checked: after = before + merged)."""

    sources: tuple[MergedSource, ...]
    #: Table -> (rows before, rows after).
    tables: Mapping[str, tuple[int, int]]
    seconds: float

    def lines(self) -> list[str]:
        """The report as text (ids and codes, never personal data)."""
        out = []
        for s in self.sources:
            merged = ", ".join(f"{table} {n}" for table, n in s.rows.items() if n)
            out.append(f"{s.label or 'source'} -> {s.organisation} (policy {s.policy}): "
                       f"{merged or 'nothing'}; files {s.files}")
            out += [f"  renamed {kind} {old} -> {new}" for kind, old, new in s.renamed]
            out += [f"  re-issued the tracking code of {sid}: {old} -> {new}"
                    for sid, old, new in s.codes]
            out += [f"  kept the store's {kind} trail {old} as {new}"
                    for kind, old, new in s.store_trails]
            out += [f"  outbox key {old} held by the target already: kept as {new}"
                    for old, new in s.kept_apart]
            out += [f"  left out: {table} {n} ({TABLES[table].reason or 'already held'})"
                    for table, n in s.left_out.items() if n]
        out.append("tables: " + ", ".join(f"{name} {before} -> {after}"
                                           for name, (before, after) in self.tables.items()))
        return out


def merge_stores(flow: DialogueFlow, sources: Sequence[MergeSource], *,
                 allow_other_policy: bool = False) -> MergeReport:
    """Merge ``sources`` into ``flow``'s store (module docstring).

    :raises ConfigurationError: a store that is not a SQL store, a target organisation
        not stored, a source holding more than one organisation's records or running under
        another policy (without ``allow_other_policy``), attachments without a file store,
        a table this release does not know how to merge. Nothing was written.
    :raises StorageError: a link to a record the source does not hold, a count that does
        not add up, an engine failure. Nothing was written.
    """
    started = time.perf_counter()
    target = flow.storage
    if not isinstance(target, TableStore):
        raise ConfigurationError(f"the target store ({type(target).__name__}) cannot be "
                                 "merged into: only SQL stores (sqlite:, postgresql:)")
    tables = schema_tables(sql.MIGRATIONS)
    unknown = [t.name for t in tables if t.name not in TABLES]
    if unknown:
        raise ConfigurationError(f"merge does not know how to merge the tables "
                                 f"{', '.join(unknown)}: add them to "
                                 "dialogue_flow._merge_rules.TABLES")
    for source in sources:
        _check_source(flow, source)
    put: list[str] = []
    try:
        with target.write_tables() as write:
            run = _Run(flow, write, tables)
            merged = [run.merge(source, allow_other_policy=allow_other_policy, put=put)
                      for source in sources]
            counts = run.check_counts()
    except BaseException:
        for key in put:  # the records were not written: neither are their files
            if flow.files is not None:
                flow.files.delete(key)
        raise
    return MergeReport(tuple(merged), counts, time.perf_counter() - started)


def _check_source(flow: DialogueFlow, source: MergeSource) -> None:
    if not isinstance(source, MergeSource):
        raise ConfigurationError(f"expected MergeSource items, got {type(source).__name__}")
    if source.storage is flow.storage:
        raise ConfigurationError("a source is the target store itself")
    if not isinstance(source.storage, TableStore):
        raise ConfigurationError(f"the source {source.label or ''} "
                                 f"({type(source.storage).__name__}) cannot be merged: only "
                                 "SQL stores (sqlite:, postgresql:) give their tables whole")
    try:
        flow.storage.get_organisation(source.organisation)
    except NotFoundError:
        raise ConfigurationError(
            f"organisation {source.organisation!r} is not in the target store: load it "
            "first (dialogue-flow init with the province's tree file, or "
            "DialogueFlow.load_organisations)") from None


class _Run:
    """One merge: the target's write transaction, and what the sources merged so far."""

    def __init__(self, flow: DialogueFlow, write: Any, tables: tuple[TableShape, ...]) -> None:
        self.flow, self.write, self.tables = flow, write, tables
        self.before = {t.name: write.count(t) for t in tables}
        self.inserted = dict.fromkeys(self.before, 0)
        #: Ids and codes taken by the sources merged so far.
        self.ids: dict[str, set[str]] = {kind: set() for kind in RECORDS}
        self.codes: set[str] = set()
        self.trails: set[tuple[str, str]] = set()
        self.taken: dict[str, set[str]] = {}
        self.next_seq: dict[str, int] = {}
        for table in tables:
            rule = TABLES[table.name]
            if rule.keys is None and rule.seq is None:
                continue
            keys: set[str] = set()
            last = 0
            for values in write.rows(table):  # the target's own rows, once
                row = dict(zip(table.names, values, strict=True))
                if rule.keys is not None:
                    keys.add(row[rule.keys])
                if rule.seq is not None:
                    last = max(last, int(row[rule.seq]))
            self.taken[table.name] = keys
            self.next_seq[table.name] = last + 1

    def merge(self, source: MergeSource, *, allow_other_policy: bool,
              put: list[str]) -> MergedSource:
        with source.storage.read_tables() as read:  # type: ignore[attr-defined] # checked
            rows = {t.name: [dict(zip(t.names, values, strict=True)) for values in read.rows(t)]
                    for t in self.tables}
        left_out = {name: len(rows[name]) for name, rule in TABLES.items()
                    if rule.rewrite is None}
        committee = _committee(rows, source)
        policy = self._policy(source, rows, committee, allow_other_policy)
        how = Rewrite(source.organisation, _organisations(rows, committee))
        how.taken = self.taken
        self._plan(how, rows)
        merged: dict[str, int] = {}
        for table in self.tables:
            rule = TABLES[table.name]
            if rule.rewrite is None:
                continue
            new = [r for r in (rule.rewrite(row, how) for row in rows[table.name])
                   if r is not None]
            if how.unknown_kinds:
                raise ConfigurationError(
                    f"merge: {source.label or 'a source'} holds audit rows of kinds "
                    f"{', '.join(sorted(how.unknown_kinds))}, which merge does not know whose "
                    "they are: add them to dialogue_flow._merge_rules; nothing was written")
            if how.dangling:
                kind, value = min(how.dangling)
                raise StorageError(
                    f"merge: {source.label or 'a source'} links to {kind} {value}, which it "
                    f"does not hold ({len(how.dangling)} such links; dialogue-flow check "
                    "the source); nothing was written")
            self.write.insert(table, ([row[name] for name in table.names] for row in new))
            merged[table.name] = len(new)
            self.inserted[table.name] += len(new)
        files = self._files(source, rows["attachments"], how, put)
        return MergedSource(
            source.label, source.organisation, policy, merged,
            tuple((kind, old, new) for (kind, old), new in sorted(how.renamed().items())),
            tuple((how.ids[(Submission.KIND, sid)], old, new)
                  for sid, old, new in self._reissued(how, rows)),
            tuple((kind, old, new) for (kind, old), new in sorted(how.store_trails.items())),
            tuple(how.kept_apart), {**left_out, **how.skipped}, files)

    # --- the plan ---------------------------------------------------------------------------

    def _policy(self, source: MergeSource, rows: Mapping[str, list[Row]], committee: str,
                allow_other_policy: bool) -> str:
        """The source's policy: its committee's own, else the one the store records, else
        the one a flow would run it under (stores written before policies were recorded)."""
        own = [json.loads(row["record"]).get("policy_id") for row in rows["organisations"]
               if row["id"] == committee]
        recorded = recorded_policy(source.storage)
        policy = (own[0] if own and own[0] else
                  recorded.dest if recorded is not None else
                  select_policy(self.flow.plugins, None).id)
        wanted = self.flow.policy_of(source.organisation).id
        if policy != wanted and not allow_other_policy:
            raise ConfigurationError(
                f"{source.label or 'the source'} ran under policy {policy!r}, organisation "
                f"{source.organisation!r} runs under {wanted!r}: its deadlines were counted "
                "under another law. Nothing was merged; merge it anyway with "
                "--allow-other-policy (allow_other_policy=True), or change the "
                "organisation's policy first (dialogue-flow orgs --set-policy)")
        return policy

    def _plan(self, how: Rewrite, rows: Mapping[str, list[Row]]) -> None:
        """Every id, code, store trail and sequence number of the source in the target."""
        source_ids = {kind: {row["id"] for row in rows[_table_of(kind)]} for kind in RECORDS}
        for kind in RECORDS:
            for row in rows[_table_of(kind)]:
                new = self._free_id(kind, row["id"], how.organisation, source_ids[kind])
                how.ids[(kind, row["id"])] = new
                self.ids[kind].add(new)
        self._plan_codes(how, rows)
        for row in rows["transitions"]:
            trail = (row["kind"], row["record_id"])
            if row["kind"] in STORE_KINDS and trail not in how.store_trails:
                how.store_trails[trail] = self._free_trail(row["kind"], row["record_id"],
                                                           how.organisation)
        for table, rule in TABLES.items():
            if rule.seq is not None:
                old = sorted(int(row[rule.seq]) for row in rows[table])
                how.seqs[table] = {seq: self.next_seq[table] + n for n, seq in enumerate(old)}
                self.next_seq[table] += len(old)

    def _plan_codes(self, how: Rewrite, rows: Mapping[str, list[Row]]) -> None:
        """A tracking code the target (or a source before) holds is re-issued."""
        source_codes = {row["tracking_code"] for row in rows["submissions"]}
        for row in rows["submissions"]:
            code = row["tracking_code"]
            if code is None:
                continue
            if code in self.codes or self._held_code(code):
                fresh = next((c for c in (self.flow._new_code() for _ in range(10_000))  # noqa: SLF001 - the flow's code source
                              if c not in self.codes and c not in source_codes
                              and not self._held_code(c)), None)
                if fresh is None:
                    raise StorageError("merge: no free tracking code in 10,000 draws; the "
                                       "flow's code source repeats itself")
                how.codes[code] = fresh
                code = fresh
            self.codes.add(code)

    def _held_code(self, code: str) -> bool:
        return _held(self.flow.storage.get_submission_by_code, code)

    def _free_id(self, kind: str, old: str, organisation: str, source_ids: set[str]) -> str:
        """``old`` if nobody holds it, else ``ORG.old``, ``ORG.old.2``... (deterministic)."""
        taken = self.ids[kind]
        getter = getattr(self.flow.storage, f"get_{kind}")
        if old not in taken and not _held(getter, old):
            return old
        for n in itertools.count(1):
            candidate = fit_id(f"{organisation}.{old}" if n == 1 else f"{organisation}.{old}.{n}")
            if candidate not in taken and candidate not in source_ids and not _held(
                    getter, candidate):
                return candidate
        raise AssertionError  # pragma: no cover - count() never ends

    def _free_trail(self, kind: str, record_id: str, organisation: str) -> str:
        for n in itertools.count(1):
            candidate = fit_id(f"merged:{organisation}:{record_id}"
                               + ("" if n == 1 else f":{n}"))
            if (kind, candidate) not in self.trails and not self.flow.storage.history(
                    kind, candidate):
                self.trails.add((kind, candidate))
                return candidate
        raise AssertionError  # pragma: no cover

    def _reissued(self, how: Rewrite, rows: Mapping[str, list[Row]],
                  ) -> Iterator[tuple[str, str, str]]:
        for row in rows["submissions"]:
            if row["tracking_code"] in how.codes:
                yield row["id"], row["tracking_code"], how.codes[row["tracking_code"]]

    # --- files and the end ------------------------------------------------------------------

    def _files(self, source: MergeSource, attachments: list[Row], how: Rewrite,
               put: list[str]) -> int:
        """Copy the files of the source's attachments (not the erased ones) into the
        target's file store, each checked against its SHA-256."""
        held = [a for a in (from_json(Attachment, row["record"]) for row in attachments)
                if not a.erased]
        if not held:
            return 0
        origin = source.files if source.files is not None else _default_files(source.storage)
        if origin is None or self.flow.files is None:
            raise ConfigurationError(
                f"{source.label or 'the source'} has {len(held)} attachment files, but "
                f"{'it' if origin is None else 'the target'} has no file store: give one "
                "(files= / [attachments] in the settings); nothing was written")
        for attachment in held:
            new_id = how.ids[(Attachment.KIND, attachment.id)]
            key = attachment.file_key if new_id == attachment.id else file_key(
                new_id, attachment.attached_at)
            with _checked_copy(origin, attachment) as data:
                if self.flow.files.exists(key):
                    raise StorageError(f"merge: the target's file store holds {key} already "
                                       "(dialogue-flow check lists orphan files); nothing "
                                       "was written")
                self.flow.files.put(key, data)
            put.append(key)
        return len(held)

    def check_counts(self) -> dict[str, tuple[int, int]]:
        """Every table holds what it held plus what was merged, or nothing is written."""
        counts = {}
        for table in self.tables:
            after = self.write.count(table)
            expected = self.before[table.name] + self.inserted[table.name]
            if after != expected:
                raise StorageError(f"merge: table {table.name} holds {after} rows, "
                                   f"{expected} expected; rolled back, nothing was written")
            counts[table.name] = (self.before[table.name], after)
        return counts


def _committee(rows: Mapping[str, list[Row]], source: MergeSource) -> str:
    """The one organisation the source's records belong to (``default`` when none)."""
    found = {row["organisation_id"] for table in ("dialogues", "submissions",
                                                  "reception_days", "attachments")
             for row in rows[table]}
    if len(found) > 1:
        raise ConfigurationError(
            f"{source.label or 'the source'} holds records of {len(found)} organisations "
            f"({', '.join(sorted(found))}): merge takes one committee's store at a time; "
            "nothing was written")
    return found.pop() if found else DEFAULT_ORGANISATION


def _organisations(rows: Mapping[str, list[Row]], committee: str) -> set[str]:
    """Every organisation id the source names (its committee, its stored organisations,
    those of its audit rows, notices and reads): all become the target organisation."""
    found = {DEFAULT_ORGANISATION, committee, *(row["id"] for row in rows["organisations"])}
    found.update(json.loads(row["record"]).get("organisation_id", DEFAULT_ORGANISATION)
                 for row in rows["transitions"])
    found.update(row["organisation_id"] for row in rows["outbox"])
    found.update(row["organisation_id"] for row in rows["access_log"])
    return found


def _table_of(kind: str) -> str:
    return sql.RECORD_TABLES[kind][0]


def _held(getter: Callable[[str], object], value: str) -> bool:
    try:
        getter(value)
    except NotFoundError:
        return False
    return True


def _default_files(storage: Storage) -> FileStore | None:
    from ._attachments import default_file_store  # noqa: PLC0415 - no import circle

    return default_file_store(storage)


@contextmanager
def _checked_copy(files: FileStore, attachment: Attachment) -> Iterator[Any]:
    """The file of ``attachment``, read whole into a temporary file and checked against
    its SHA-256 before anything is put in the target."""
    digest = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as copy:
        try:
            with files.open(attachment.file_key) as data:
                for chunk in iter(lambda: data.read(1024 * 1024), b""):
                    digest.update(chunk)
                    copy.write(chunk)
        except (NotFoundError, OSError):
            raise StorageError(f"merge: the file of attachment {attachment.id} is missing "
                               "from the source's file store (dialogue-flow check names "
                               "it); nothing was written") from None
        if digest.hexdigest() != attachment.sha256:
            raise StorageError(f"merge: the file of attachment {attachment.id} does not "
                               "match its SHA-256; nothing was written")
        copy.seek(0)
        yield copy
