"""Merging communes' stores into a province's store (issue 17, part 5): every record, audit
row and outbox row kept, each into its organisation, ids unique and links intact, on stores
written by earlier schemas (the schema-2 dump of ``tests/fixtures``) and by this one (the
demo, and a commune with reception days, attachments, reads of personal data, parked and
pruned notices)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue_flow import (
    Actor,
    Attachment,
    ConfigurationError,
    Dialogue,
    DialogueFlow,
    FixedClock,
    Level,
    MergeReport,
    MergeSource,
    Notification,
    Organisation,
    Petitioner,
    ReceptionDay,
    Role,
    SequentialIds,
    SQLiteStorage,
    StorageError,
    Submission,
    SubmissionState,
    TransitionRecord,
)
from dialogue_flow._demo import run_demo
from dialogue_flow._merge_rules import LINKS, RECORDS, TABLES, Rewrite
from dialogue_flow.cli import main
from dialogue_flow.storage import (
    AccessQuery,
    DialogueQuery,
    OutboxStatus,
    ReceptionQuery,
    Storage,
    SubmissionQuery,
    every_page,
    sql,
)
from migration_expectations import FIXTURES
from sqlite_support import dump

TREE = (Organisation("tinh", "Tỉnh ủy Tỉnh", Level.PROVINCE),
        Organisation("xa-a", "Đảng ủy xã A", Level.COMMUNE, parent_id="tinh"),
        Organisation("xa-b", "Đảng ủy xã B", Level.COMMUNE, parent_id="tinh"),
        Organisation("xa-c", "Đảng ủy xã C", Level.COMMUNE, parent_id="tinh"))
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PERIOD = "2021"
AS_OF = date(2021, 12, 31)


# --- the stores ---------------------------------------------------------------------------


def _v2_store(path: Path) -> Path:
    """What the schema-2 release wrote (one committee, records of the default
    organisation, no policy recorded, outbox rows delivered, parked, leased, waiting)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript((FIXTURES / "sqlite_schema_v2.sql").read_text(encoding="utf-8"))
    return path


def _demo_store(path: Path) -> Path:
    """The seed's 2021 plan on this release's schema: sequential ids and tracking codes,
    the same ids as the schema-2 file's."""
    run_demo(f"sqlite:///{path}", echo=lambda _line: None)
    return path


def _commune_store(path: Path, organisation: str = "xa-c") -> Path:
    """A commune set up under its own organisation id (its policy recorded), with what the
    other two lack: a reception day and a petition received there, a duplicate, an
    attachment, a read of personal data, a parked notice and pruned ones. Sequential ids
    and codes again: they collide with the demo's."""
    clock = FixedClock(date(2021, 6, 1))
    me = {"organisation_id": organisation}
    intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK, **me)
    chair = Actor("bt", "Bí thư", Role.CHAIR, **me)
    office = Actor("vp", "Văn phòng", Role.OFFICE, **me)
    with DialogueFlow.open(f"sqlite:///{path}", clock=clock, ids=SequentialIds()) as flow:
        flow.load_organisations([Organisation(organisation, "Đảng ủy xã C", Level.COMMUNE)])
        flow.set_policy("seed-plan", reason="dialogue-flow init")
        day = flow.plan_reception(scheduled_for=date(2021, 6, 10), actor=office,
                                  venue="Trụ sở")
        flow.announce_reception(day.id, actor=office)
        clock.set(date(2021, 6, 10))
        flow.hold_reception(day.id, actor=chair, citizens=2, received_by=["bt"])
        who = Petitioner(name="Trần Thị B", phone="0987654321")
        first = flow.receive(petitioner=who, topic="đất đai", content="Chậm cấp sổ đỏ.",
                             actor=intake, reception=day.id)
        again = flow.receive(petitioner=who, topic="đất đai", content="Chậm cấp sổ đỏ.",
                             actor=intake, reception=day.id)
        flow.close(again.id, outcome="duplicate", duplicate_of=first.id, actor=chair)
        flow.assign(first.id, department="Địa chính", actor=chair)
        flow.attach(first.id, name="don-de-nghi.pdf", data=PDF, actor=intake)
        flow.find_petitioner(actor=chair, phone="0987654321")
        flow.dispatch()
        clock.set(date(2021, 7, 9))
        flow.prune_outbox(days=20)
        for _ in range(2):  # the first notice parked, the second pending
            flow.receive(petitioner=Petitioner(name="Lê Văn C"), topic="môi trường",
                         content="Rác thải.", actor=intake)
        [parked] = flow.storage.claim_notifications("w", clock.now(), dt.timedelta(minutes=1), 1)
        flow.storage.mark_failed(parked.key, "w", "Timeout", None)
    return path


def _province(path: Path) -> Path:
    """The province's store, set up from its tree (its policy recorded) and swept once:
    it holds report reminders for its communes already."""
    clock = FixedClock(date(2021, 6, 9))
    with DialogueFlow.open(f"sqlite:///{path}", clock=clock, ids=SequentialIds()) as flow:
        flow.load_organisations(list(TREE))
        flow.set_policy("seed-plan", reason="dialogue-flow init")
        flow.sweep()
    return path


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sources and the target, made once (each test merges copies of them)."""
    folder = tmp_path_factory.mktemp("merge-sources")
    return {"v2": _v2_store(folder / "v2.db"), "demo": _demo_store(folder / "demo.db"),
            "commune": _commune_store(folder / "commune.db"),
            "province": _province(folder / "province.db")}


def _copied(stores: dict[str, Path], folder: Path) -> dict[str, Path]:
    """Fresh copies of the stores (and their attachment folders) in ``folder``."""
    copies = {}
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in stores.items():
        target = folder / path.name
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as new:
            source.backup(new)
        files = Path(f"{path}-files")
        if files.exists():
            for file in files.rglob("*"):
                if file.is_file():
                    dest = Path(f"{target}-files") / file.relative_to(files)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(file.read_bytes())
        copies[name] = target
    return copies


SOURCES = (("v2", "xa-a"), ("demo", "xa-b"), ("commune", "xa-c"))


@attrs.frozen
class Merged:
    """A merge done: the target flow, the report, and the sources (still open)."""

    target: DialogueFlow
    report: MergeReport
    sources: dict[str, SQLiteStorage]


@pytest.fixture
def merged(stores: dict[str, Path], tmp_path: Path) -> Iterator[Merged]:
    copies = _copied(stores, tmp_path)
    sources = {name: SQLiteStorage(copies[name]) for name, _org in SOURCES}
    target = DialogueFlow.open(f"sqlite:///{copies['province']}", create=False,
                               ids=SequentialIds())
    report = target.merge([MergeSource(sources[name], org, label=name)
                           for name, org in SOURCES])
    yield Merged(target, report, sources)
    target.shutdown()
    for storage in sources.values():
        storage.close()


# --- reading a store whole ------------------------------------------------------------------


def _records(storage: Storage) -> dict[str, list[Any]]:
    return {
        Dialogue.KIND: every_page(storage.find_dialogues, DialogueQuery(limit=500)),
        Submission.KIND: storage.find_submissions(SubmissionQuery(limit=10_000)),
        ReceptionDay.KIND: every_page(storage.find_reception_days, ReceptionQuery(limit=500)),
        Attachment.KIND: storage.find_attachments(None, limit=10_000),
    }


def _outbox(storage: Storage) -> list[Any]:
    return [entry for status in OutboxStatus
            for entry in storage.outbox_entries(status, 10_000)]


def _renames(report: MergeReport, label: str) -> dict[tuple[str, str], str]:
    [source] = [s for s in report.sources if s.label == label]
    return {(kind, old): new for kind, old, new in source.renamed}


def _codes(report: MergeReport, label: str) -> dict[str, str]:
    [source] = [s for s in report.sources if s.label == label]
    return {old: new for _sid, old, new in source.codes}


def _expected(record: Any, ids: dict[tuple[str, str], str], org: str,
              codes: dict[str, str]) -> Any:
    """``record`` as the target should hold it: written independently of the merge's own
    link table, from the record classes' fields."""
    def m(kind: str, value: str | None) -> str | None:
        return None if value is None else ids.get((kind, value), value)

    def one(kind: str, value: str) -> str:
        return ids.get((kind, value), value)

    if isinstance(record, Submission):
        return attrs.evolve(record, id=one("submission", record.id), organisation_id=org,
                            dialogue_id=m("dialogue", record.dialogue_id),
                            duplicate_of=m("submission", record.duplicate_of),
                            origin_id=m("submission", record.origin_id),
                            transferred_to=m("submission", record.transferred_to),
                            reception_id=m("reception_day", record.reception_id),
                            tracking_code=codes.get(record.tracking_code or "",
                                                    record.tracking_code))
    if isinstance(record, Dialogue):
        conclusion = record.conclusion and attrs.evolve(record.conclusion, items=tuple(
            attrs.evolve(item, submission_id=one("submission", item.submission_id))
            for item in record.conclusion.items))
        return attrs.evolve(record, id=one("dialogue", record.id), organisation_id=org,
                            conclusion=conclusion)
    if isinstance(record, ReceptionDay):
        return attrs.evolve(record, id=one("reception_day", record.id), organisation_id=org,
                            replaces=m("reception_day", record.replaces),
                            replaced_by=m("reception_day", record.replaced_by))
    assert isinstance(record, Attachment)
    return attrs.evolve(record, id=one("attachment", record.id), organisation_id=org,
                        submission_id=one("submission", record.submission_id))


class TestNothingIsLost:
    def test_every_table_holds_what_it_held_plus_every_source(self, merged: Merged) -> None:
        """The report's counts are the tables' (checked inside the merge), and each merged
        table grew by what the sources held; organisations and heartbeats are left out."""
        for name, (before, after) in merged.report.tables.items():
            brought = sum(s.rows.get(name, 0) for s in merged.report.sources)
            assert before + brought == after, name
        for source in merged.report.sources:
            with merged.sources[source.label].read_tables() as read:
                for table in sql.schema_tables(sql.MIGRATIONS):
                    held = read.count(table)
                    if TABLES[table.name].rewrite is None:
                        assert held == source.left_out[table.name], table.name
                    else:
                        assert held == source.rows[table.name] + source.left_out.get(
                            table.name, 0), table.name

    @pytest.mark.parametrize(("label", "org"), SOURCES)
    def test_every_record_is_there_as_it_was(self, merged: Merged, label: str,
                                             org: str) -> None:
        """Each record of the source reads back from the target under its id there, equal
        to what the source held but for its organisation and the ids it names."""
        ids, codes = _renames(merged.report, label), _codes(merged.report, label)
        target = merged.target.storage
        for kind, records in _records(merged.sources[label]).items():
            getter = getattr(target, f"get_{kind}")
            for record in records:
                want = _expected(record, ids, org, codes)
                got = getter(want.id)
                if isinstance(record, Attachment) and want.id != record.id:
                    assert got.file_key.endswith(want.id)
                    want = attrs.evolve(want, file_key=got.file_key)
                assert want == got

    @pytest.mark.parametrize(("label", "org"), SOURCES)
    def test_every_audit_row_is_there(self, merged: Merged, label: str, org: str) -> None:
        """Each record's trail reads back under its id there: same versions, events,
        actors, instants, reasons."""
        ids = _renames(merged.report, label)
        for kind, records in _records(merged.sources[label]).items():
            for record in records:
                before = merged.sources[label].history(kind, record.id)
                after = merged.target.storage.history(kind, ids.get((kind, record.id),
                                                                    record.id))
                assert [(r.version, r.event, r.actor_id, r.at, r.reason) for r in before] == [
                    (r.version, r.event, r.actor_id, r.at, r.reason) for r in after]
                assert {org} >= {r.organisation_id for r in after}

    def test_the_stores_own_trails_are_kept_apart(self, merged: Merged) -> None:
        """The commune's policy and organisation trails are kept under ids of their own:
        the province's trails of its organisation and of its policy are untouched."""
        [commune] = [s for s in merged.report.sources if s.label == "commune"]
        trails = {(kind, old): new for kind, old, new in commune.store_trails}
        assert {("policy", "default"): "merged:xa-c:default",
                ("organisation", "xa-c"): "merged:xa-c:xa-c"} == trails
        store = merged.target.storage
        assert "set_policy" == store.history("policy", "merged:xa-c:default")[0].event
        assert 1 == len(store.history("organisation", "xa-c"))
        assert 1 == len(store.history("policy", "default"))
        merged.target.set_policy("seed-plan", organisation="xa-c", reason="later change")

    @pytest.mark.parametrize(("label", "org"), SOURCES)
    def test_every_outbox_row_keeps_its_status(self, merged: Merged, stores: dict[str, Path],
                                               label: str, org: str) -> None:
        """Per status, the organisation's rows are the source's plus its own before; a
        pending row is still pending (with its attempts and retry time), a parked one
        parked."""
        source = merged.sources[label]
        with SQLiteStorage(stores["province"]) as province:
            own = province.outbox_stats(frozenset({org}))
        assert {status: own[status] + count for status, count in source.outbox_stats().items()
                } == merged.target.storage.outbox_stats(frozenset({org}))
        before = {(e.status, e.key) for e in _outbox(source)}
        after = [e for e in _outbox(merged.target.storage)
                 if e.notification.organisation_id == org]
        ids = _renames(merged.report, label)
        mine = {(e.status, e.notification.record_id) for e in after}
        for status, key in before:
            kind, _, rest = key.partition(":")
            if kind in RECORDS:
                record = rest.partition(":")[0]
                assert (status, ids.get((kind, record), record)) in mine
        pending = {e.key: e for e in _outbox(source) if e.status is OutboxStatus.PENDING}
        moved = {e.notification.record_id: e for e in after if e.status is OutboxStatus.PENDING}
        for entry in pending.values():
            there = moved[ids.get((entry.notification.kind, entry.notification.record_id),
                                  entry.notification.record_id)]
            assert (entry.attempts, entry.next_attempt_at, entry.last_error) == (
                there.attempts, there.next_attempt_at, there.last_error)

    def test_attachment_files_are_in_the_targets_file_store(self, merged: Merged) -> None:
        """The commune's attachment file is copied into the province's file store and reads
        back there, its SHA-256 checked on the way."""
        [commune] = [s for s in merged.report.sources if s.label == "commune"]
        assert 1 == commune.files
        [attachment] = [a for a in merged.target.storage.find_attachments()
                        if a.organisation_id == "xa-c"]
        chair = Actor("bt", "Bí thư", Role.CHAIR, organisation_id="xa-c")
        assert PDF == merged.target.read_attachment(attachment.id, actor=chair)

    def test_pending_rows_are_delivered_from_the_target(self, merged: Merged) -> None:
        """A dispatcher of the province claims the communes' pending rows."""
        pending = sum(1 for e in _outbox(merged.target.storage)
                      if e.status is OutboxStatus.PENDING and e.next_attempt_at is None)
        assert pending > 0
        result = merged.target.dispatch(limit=10_000)
        assert pending <= result.no_recipient + result.logged + result.delivered

    def test_the_reads_of_personal_data_follow_their_records(self, merged: Merged) -> None:
        """The commune's access-log entry names its matters by their ids in the target."""
        ids = _renames(merged.report, "commune")
        [before] = merged.sources["commune"].access_log(AccessQuery(limit=100))
        entries = merged.target.storage.access_log(AccessQuery(limit=100))
        [after] = [e for e in entries if e.organisation_id == "xa-c"]
        assert sorted(ids.get(("submission", i), i) for i in before.record_ids) == list(
            after.record_ids)
        assert (before.at, before.actor_id, before.purpose) == (
            after.at, after.actor_id, after.purpose)


class TestIdsStayUnique:
    def test_colliding_ids_are_renamed_deterministically(self, merged: Merged,
                                                         stores: dict[str, Path],
                                                         tmp_path: Path) -> None:
        """The schema-2 file came first and kept its ids; the demo's and the commune's,
        the same sequential ids, are prefixed with their organisation; a second merge of
        the same stores renames exactly the same."""
        assert {} == _renames(merged.report, "v2")
        demo = _renames(merged.report, "demo")
        assert "xa-b.sub-0001" == demo[("submission", "sub-0001")]
        assert "xa-b.dlg-0001" == demo[("dialogue", "dlg-0001")]
        assert "xa-c.sub-0001" == _renames(merged.report, "commune")[("submission",
                                                                       "sub-0001")]
        again = _copied(stores, tmp_path / "again")
        with DialogueFlow.open(f"sqlite:///{again['province']}", create=False) as target:
            sources = [MergeSource(SQLiteStorage(again[name]), org, label=name)
                       for name, org in SOURCES]
            report = target.merge(sources)
            for source in sources:
                source.storage.close()
        assert [s.renamed for s in merged.report.sources] == [s.renamed for s in report.sources]

    def test_every_link_resolves_inside_the_target(self, merged: Merged) -> None:
        """Every id a record, an audit row or a notice names is a record of the target,
        of the same organisation."""
        store = merged.target.storage
        records = _records(store)
        orgs = {(kind, r.id): r.organisation_id for kind, rs in records.items() for r in rs}
        for s in records["submission"]:
            for kind, value in (("dialogue", s.dialogue_id), ("submission", s.duplicate_of),
                                ("submission", s.origin_id), ("submission", s.transferred_to),
                                ("reception_day", s.reception_id)):
                if value is not None:
                    assert orgs[(kind, value)] == s.organisation_id
        for d in records["dialogue"]:
            for item in d.conclusion.items if d.conclusion else ():
                assert orgs[("submission", item.submission_id)] == d.organisation_id
        for a in records["attachment"]:
            assert orgs[("submission", a.submission_id)] == a.organisation_id
        for (kind, record_id), org in orgs.items():
            for row in store.history(kind, record_id):
                assert (row.record_id, row.organisation_id) == (record_id, org)
                for key, names in (("linked", "submission"), ("origin", "submission"),
                                   ("dialogue", "dialogue"), ("replaces", "reception_day"),
                                   ("attachment", "attachment")):
                    if key in row.details:
                        assert (names, row.details[key]) in orgs
        for entry in _outbox(store):
            note = entry.notification
            if note.kind in RECORDS:
                assert orgs[(note.kind, note.record_id)] == note.organisation_id
                assert entry.key.startswith(f"{note.kind}:{note.record_id}:")

    def test_tracking_codes_the_target_holds_are_reissued(self, merged: Merged) -> None:
        """The commune's sequential codes are the demo's: re-issued, reported, and the
        notice not sent yet quotes the new code; every code is unique."""
        codes = _codes(merged.report, "commune")
        assert codes
        [commune] = [s for s in merged.report.sources if s.label == "commune"]
        for sid, old, new in commune.codes:
            assert new == merged.target.storage.get_submission(sid).tracking_code
            assert old != new
        submissions = _records(merged.target.storage)["submission"]
        assert len(submissions) == len({s.tracking_code for s in submissions})
        assert any(code in line for code in codes.values() for line in merged.report.lines())
        [waiting] = [e.notification for e in _outbox(merged.target.storage)
                     if e.status is OutboxStatus.PENDING and e.notification.event == "received"
                     and e.notification.organisation_id == "xa-c"]
        code = merged.target.storage.get_submission(waiting.record_id).tracking_code
        assert code in codes.values()
        assert code in waiting.subject
        assert not any(old in waiting.subject + waiting.body for old in codes)

    def test_a_notice_queued_in_both_stores_is_kept_apart(self, merged: Merged) -> None:
        """The demo's report reminder of the first half is the province's, for xa-b: both
        are kept, the demo's under a key of its own, and reported."""
        [demo] = [s for s in merged.report.sources if s.label == "demo"]
        assert ("report:xa-b:report-h1:2021", "report:xa-b:report-h1:2021#merged-2") in (
            demo.kept_apart)
        keys = {e.key for e in _outbox(merged.target.storage)}
        assert {"report:xa-b:report-h1:2021", "report:xa-b:report-h1:2021#merged-2"} <= keys


class TestReports:
    @pytest.mark.parametrize(("label", "org"), SOURCES)
    def test_each_organisations_report_is_its_store_s(self, merged: Merged, label: str,
                                                      org: str) -> None:
        """The province's report of a commune for 2021 has the figures the commune's own
        store gave."""
        with DialogueFlow(merged.sources[label]) as alone:
            before = alone.report(PERIOD, as_of=AS_OF)
        after = merged.target.report(PERIOD, as_of=AS_OF, organisation=org)
        assert _figures(before, _renames(merged.report, label)) == _figures(after, {})


def _figures(report: Any, ids: dict[tuple[str, str], str]) -> dict[str, Any]:
    def listed(items: Any) -> list[str]:
        return sorted(ids.get(("submission", i.submission_id), i.submission_id)
                      for i in items)

    return {"received": report.received, "by_state": dict(report.by_state),
            "by_topic": dict(report.by_topic), "by_department": dict(report.by_department),
            "by_channel": dict(report.by_channel), "on_the_spot": report.answered_on_the_spot,
            "with_due": report.answered_with_due, "on_time": report.answered_on_time,
            "median": report.median_working_days_to_answer,
            "p90": report.p90_working_days_to_answer, "overdue": listed(report.overdue),
            "escalated": listed(report.escalated), "held": report.reception_days_held,
            "citizens": report.citizens_received, "anonymous": report.anonymous_opinions}


class TestAllOrNothing:
    def test_a_missing_file_leaves_the_target_as_it_was(self, stores: dict[str, Path],
                                                        tmp_path: Path) -> None:
        """The commune's attachment has no file: the merge fails naming it, after the
        other sources were written in the same transaction; nothing is left of any."""
        copies = _copied(stores, tmp_path)
        for file in Path(f"{copies['commune']}-files").rglob("*"):
            if file.is_file():
                file.unlink()
        before = dump(copies["province"])
        with DialogueFlow.open(f"sqlite:///{copies['province']}", create=False) as target:
            sources = [MergeSource(SQLiteStorage(copies[name]), org, label=name)
                       for name, org in SOURCES]
            with pytest.raises(StorageError, match="missing"):
                target.merge(sources)
            for source in sources:
                source.storage.close()
        assert before == dump(copies["province"])

    def test_a_corrupt_file_is_refused(self, stores: dict[str, Path], tmp_path: Path) -> None:
        copies = _copied(stores, tmp_path)
        for file in Path(f"{copies['commune']}-files").rglob("*"):
            if file.is_file():
                file.write_bytes(PDF + b"changed")
        with (DialogueFlow.open(f"sqlite:///{copies['province']}", create=False) as target,
              SQLiteStorage(copies["commune"]) as commune):
            with pytest.raises(StorageError, match="SHA-256"):
                target.merge([MergeSource(commune, "xa-c")])
            assert target.files is not None
            assert [] == list(target.files.keys())

    def test_an_organisation_the_target_lacks_is_refused(self, stores: dict[str, Path],
                                                         tmp_path: Path) -> None:
        copies = _copied(stores, tmp_path)
        with (DialogueFlow.open(f"sqlite:///{copies['province']}", create=False) as target,
              SQLiteStorage(copies["v2"]) as v2,
              pytest.raises(ConfigurationError, match="'xa-z' is not in the target")):
            target.merge([MergeSource(v2, "xa-z")])

    def test_another_policy_is_refused_unless_told(self, stores: dict[str, Path],
                                                   tmp_path: Path) -> None:
        """xa-a runs under the Law on Complaints in the province; the schema-2 store ran
        under the default plan: refused, nothing written; merged when told."""
        copies = _copied(stores, tmp_path)
        with (DialogueFlow.open(f"sqlite:///{copies['province']}", create=False) as target,
              SQLiteStorage(copies["v2"]) as v2):
            target.set_policy("complaints-2011", organisation="xa-a", reason="test")
            before = dump(copies["province"])
            with pytest.raises(ConfigurationError, match="--allow-other-policy"):
                target.merge([MergeSource(v2, "xa-a")])
            assert before == dump(copies["province"])
            report = target.merge([MergeSource(v2, "xa-a")], allow_other_policy=True)
            assert "seed-plan" == report.sources[0].policy

    def test_a_store_of_several_organisations_is_refused(self, stores: dict[str, Path],
                                                         tmp_path: Path) -> None:
        """The province itself is no single committee's store."""
        copies = _copied(stores, tmp_path)
        (tmp_path / "other").mkdir()
        other = _copied({"province": stores["province"]}, tmp_path / "other")["province"]
        with DialogueFlow.open(f"sqlite:///{other}", clock=FixedClock(date(2021, 6, 9)),
                               ids=SequentialIds()) as province:
            for org in ("xa-a", "xa-b"):
                province.receive(petitioner=Petitioner(name="A"), topic="t", content="c",
                                 actor=Actor("tn", "T", Role.INTAKE_DESK,
                                             organisation_id=org))
        with (DialogueFlow.open(f"sqlite:///{copies['province']}", create=False) as target,
              SQLiteStorage(other) as several,
              pytest.raises(ConfigurationError, match="one committee's store")):
            target.merge([MergeSource(several, "xa-a")])

    def test_only_sql_stores(self, flow: DialogueFlow, stores: dict[str, Path]) -> None:
        with (SQLiteStorage(stores["v2"]) as v2,
              pytest.raises(ConfigurationError, match="SQL stores")):
            flow.merge([MergeSource(v2, "default")])


class TestTheRules:
    def test_every_table_of_the_schema_is_declared(self) -> None:
        """A table a later migration adds must say how a merge treats it (one line in
        ``_merge_rules.TABLES``)."""
        assert {t.name for t in sql.schema_tables(sql.MIGRATIONS)} == set(TABLES)

    def test_every_link_field_exists(self) -> None:
        """Each link's first field is a field of its document's class."""
        classes = {**RECORDS, "transition": TransitionRecord, "notification": Notification}
        for link in LINKS:
            assert link.path.split(".")[0] in attrs.fields_dict(classes[link.document]), link

    def test_links_the_fixtures_lack(self) -> None:
        """A transfer's links (origin, transferred_to, the audit row's linked and by), a
        replaced reception day, a key of the default organisation's report; a record
        written before organisations existed (no organisation field) is the default
        organisation's; the store's own trails and notices about the organisation; an
        audit kind nobody declared; a link to a record the source lacks is dangling."""
        how = Rewrite("xa-a", {"default"})
        how.ids = {("submission", "s1"): "xa-a.s1", ("submission", "s2"): "s2",
                   ("reception_day", "r1"): "xa-a.r1", ("reception_day", "r2"): "r2"}
        assert {"origin_id": "xa-a.s1", "transferred_to": "s2", "organisation_id": "xa-a"} == (
            how.document("submission", {"origin_id": "s1", "transferred_to": "s2",
                                        "organisation_id": "default"}))
        assert {"replaces": "xa-a.r1", "replaced_by": "r2", "organisation_id": "xa-a"} == (
            how.document("reception_day", {"replaces": "r1", "replaced_by": "r2"}))
        row = how.document("transition", {"kind": "submission", "record_id": "s1",
                                          "details": {"linked": "s2", "by": "default",
                                                      "reason": "s1"}})
        assert {"kind": "submission", "record_id": "xa-a.s1", "organisation_id": "xa-a",
                "details": {"linked": "s2", "by": "xa-a", "reason": "s1"}} == row
        assert "report:xa-a:report-year:2021" == how.key("report:report-year:2021")
        assert "submission:xa-a.s1:v2:answered" == how.key("submission:s1:v2:answered")
        assert "sweep_missed:xa-a:2021-06-01" == how.key("sweep_missed:default:2021-06-01")
        assert "Kiến nghị xa-a.s1 quá hạn (s10)" == how.text("Kiến nghị s1 quá hạn (s10)")
        how.store_trails = {("organisation", "default"): "merged:xa-a:default"}
        assert "merged:xa-a:default" == how.document(
            "transition", {"kind": "organisation", "record_id": "default"})["record_id"]
        assert "xa-a" == how.document(  # a notice about the organisation: the organisation
            "notification", {"kind": "organisation", "record_id": "default"})["record_id"]
        how.document("transition", {"kind": "petition_box", "record_id": "p1"})
        assert {"petition_box"} == how.unknown_kinds
        how.document("submission", {"dialogue_id": "d9"})
        assert {("dialogue", "d9")} == how.dangling


class TestCommand:
    def test_merge_on_the_command_line(self, stores: dict[str, Path], tmp_path: Path) -> None:
        """``--into`` and ``--from URL:ORG``, repeated; the report is printed."""
        copies = _copied(stores, tmp_path)
        result = CliRunner().invoke(main, [
            "merge", "--into", f"sqlite:///{copies['province']}",
            "--from", f"sqlite:///{copies['v2']}:xa-a",
            "--from", f"sqlite:///{copies['demo']}:xa-b"])
        assert 0 == result.exit_code, result.output
        assert "renamed submission sub-0001 -> xa-b.sub-0001" in result.output
        assert f"sqlite:///{copies['v2']} -> xa-a (policy seed-plan)" in result.output
        with DialogueFlow.open(f"sqlite:///{copies['province']}", create=False) as target:
            assert 18 == target.submissions(organisation="tinh", subtree=True).total

    @pytest.mark.parametrize("bad", ["sqlite:///x.db", "sqlite:///x.db:", "xa-a"])
    def test_a_source_without_its_organisation_is_a_usage_error(self, bad: str) -> None:
        result = CliRunner().invoke(main, ["merge", "--into", "sqlite:///y.db", "--from", bad])
        assert 2 == result.exit_code
        assert "URL:ORG" in result.output

    def test_a_refusal_is_one_line(self, stores: dict[str, Path], tmp_path: Path) -> None:
        copies = _copied(stores, tmp_path)
        result = CliRunner().invoke(main, [
            "merge", "--into", f"sqlite:///{copies['province']}",
            "--from", f"sqlite:///{copies['v2']}:xa-q"])
        assert 1 == result.exit_code
        assert "'xa-q' is not in the target store" in result.output


# --- a property: random small stores ----------------------------------------------------------


_ACTIONS = st.lists(st.tuples(st.sampled_from(["receive", "assign", "answer", "close"]),
                              st.integers(0, 5), st.sampled_from(["đất đai", "môi trường"])),
                    max_size=12)


def _random_store(actions: list[tuple[str, int, str]]) -> SQLiteStorage:
    """A commune's store in memory from a few commands (sequential ids: every such store
    holds the same ids)."""
    storage = SQLiteStorage()
    clock = FixedClock(date(2021, 6, 1))
    flow = DialogueFlow(storage, clock=clock, ids=SequentialIds())
    intake = Actor("tn", "T", Role.INTAKE_DESK)
    chair = Actor("bt", "B", Role.CHAIR)
    ids: list[str] = []
    for n, (action, pick, topic) in enumerate(actions):
        clock.set(date(2021, 6, 1) + dt.timedelta(days=3 * n))
        if action == "receive" or not ids:
            ids.append(flow.receive(petitioner=Petitioner(name="A"), topic=topic,
                                    content="c", actor=intake).id)
            continue
        s = flow.submission(ids[pick % len(ids)])
        if action == "assign" and s.state is SubmissionState.RECEIVED:
            flow.assign(s.id, department="Địa chính", actor=chair)
        elif action == "answer" and s.state is SubmissionState.ASSIGNED:
            flow.answer(s.id, text="Đã trả lời.", actor=chair)
        elif action == "close" and s.state is SubmissionState.ANSWERED:
            flow.close(s.id, outcome="accepted", actor=chair)
    flow.sweep(date(2021, 9, 1))
    return storage


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_ACTIONS, min_size=1, max_size=3))
def test_merging_random_stores_keeps_each_organisations_report(
        stores_actions: list[list[tuple[str, int, str]]]) -> None:
    """However the communes' matters went, each one's report of 2021 in the province equals
    its own store's, and every row is there."""
    orgs = ["xa-a", "xa-b", "xa-c"][:len(stores_actions)]
    sources = [_random_store(actions) for actions in stores_actions]
    target = DialogueFlow(SQLiteStorage(), ids=SequentialIds(),
                          clock=FixedClock(date(2021, 9, 1)))
    target.load_organisations(list(TREE))
    before = [DialogueFlow(s).report(PERIOD, as_of=AS_OF) for s in sources]
    report = target.merge([MergeSource(s, org, label=org) for s, org in zip(
        sources, orgs, strict=True)])
    for source, org, figures in zip(report.sources, orgs, before, strict=True):
        ids = {(kind, old): new for kind, old, new in source.renamed}
        assert _figures(figures, ids) == _figures(
            target.report(PERIOD, as_of=AS_OF, organisation=org), {})
    total = sum(s.rows["submissions"] for s in report.sources)
    assert total == target.submissions(organisation="tinh", subtree=True).total
