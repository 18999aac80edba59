"""Pruning the outbox (issue 17, part 4): settled notifications past the retention go,
pending and parked ones stay, and the sweep never sends a pruned notice again.

The backends' rules are in the storage contract (``dialogue_flow.testing``,
``test_prune_*``); here: the façade, the sweep, the settings and the command line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    InvalidInputError,
    MemoryStorage,
    Petitioner,
    SequentialIds,
    SQLiteStorage,
    WorkCalendar,
)
from dialogue_flow._records import Submission
from dialogue_flow._settings import read_settings
from dialogue_flow.cli import main
from dialogue_flow.storage import OutboxStatus, Storage

LAND = "Địa chính"
#: Assigned on 1 July 2021, the matter is due on Thu 12 August (tests/test_sweep.py).
DUE = date(2021, 8, 12)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    backend: Storage = MemoryStorage() if request.param == "memory" else SQLiteStorage(
        tmp_path / "h.db")
    yield backend
    backend.close()


@pytest.fixture
def kept(store: Storage, clock: FixedClock, ids: SequentialIds,
         calendar: WorkCalendar) -> DialogueFlow:
    """A flow whose sweep prunes settled notifications after 30 days."""
    return DialogueFlow(store, calendar=calendar, clock=clock, ids=ids, outbox_days=30)


def _overdue_matter(flow: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
                    petitioner: Petitioner) -> Submission:
    clock.set(date(2021, 7, 1))
    s = flow.receive(petitioner=petitioner, topic="đất đai", content="...", actor=intake)
    s = flow.assign(s.id, department=LAND, actor=chair)
    assert s.due is not None
    assert DUE == s.due.date
    return s


def _keys(flow: DialogueFlow, *statuses: OutboxStatus) -> set[str]:
    return {e.key for status in statuses for e in flow.outbox_entries(status, 10_000)}


SETTLED = (OutboxStatus.DELIVERED, OutboxStatus.LOGGED, OutboxStatus.NO_RECIPIENT)


class TestTheSweepNeverSendsAPrunedNoticeAgain:
    def test_an_overdue_matter_is_told_about_once_across_prunes(
            self, kept: DialogueFlow, clock: FixedClock, intake: Actor, chair: Actor,
            petitioner: Petitioner) -> None:
        """The sweep writes the key ``submission:ID:overdue:DATE`` on every run while the
        matter stays overdue. Its notice delivered and pruned, later sweeps (the one that
        prunes, and the ones after) still find the matter overdue and write nothing (but
        the office's notice that working days went by without a sweep, issue 17)."""
        s = _overdue_matter(kept, clock, intake, chair, petitioner)
        key = f"submission:{s.id}:overdue:{DUE.isoformat()}"
        clock.set(date(2021, 8, 13))
        assert 1 == kept.sweep().overdue_notices
        kept.dispatch()
        assert key in _keys(kept, *SETTLED)
        clock.set(date(2021, 10, 1))  # 49 days later, past the 30 kept
        pruning = kept.sweep()
        assert (1, 0) == (pruning.overdue_matters, pruning.overdue_notices)
        assert pruning.pruned >= 1
        assert key not in _keys(kept, *SETTLED)
        for day in (date(2021, 10, 2), date(2021, 12, 31)):
            clock.set(day)
            later = kept.sweep()
            assert (1, 0, later.missed) == (later.overdue_matters, later.overdue_notices,
                                            later.written)
        assert [] == [n.key for n in kept.storage.pending_notifications()
                      if n.event != "sweep_missed"]

    def test_without_the_kept_keys_it_would_be_sent_again(
            self, tmp_path: Path, clock: FixedClock, ids: SequentialIds,
            calendar: WorkCalendar, intake: Actor, chair: Actor,
            petitioner: Petitioner) -> None:
        """Why a pruned row leaves its key behind: deleting the delivered row alone (as a
        plain ``DELETE`` would) makes the next sweep queue the same notice again."""
        path = tmp_path / "naive.db"
        with DialogueFlow(SQLiteStorage(path), calendar=calendar, clock=clock,
                          ids=ids) as flow:
            s = _overdue_matter(flow, clock, intake, chair, petitioner)
            clock.set(date(2021, 8, 13))
            flow.sweep()
            flow.dispatch()
            with closing(sqlite3.connect(path, isolation_level=None)) as conn:
                conn.execute("DELETE FROM outbox WHERE status = 'delivered'")
            clock.set(date(2021, 10, 1))
            assert 1 == flow.sweep().overdue_notices
            assert f"submission:{s.id}:overdue:{DUE.isoformat()}" in {
                n.key for n in flow.storage.pending_notifications()}

    def test_pending_and_parked_notices_are_kept(self, kept: DialogueFlow,
                                                 clock: FixedClock, intake: Actor,
                                                 chair: Actor, petitioner: Petitioner) -> None:
        """A notice never dispatched, or parked, is kept however old: the sweep prunes only
        what was settled."""
        _overdue_matter(kept, clock, intake, chair, petitioner)
        clock.set(date(2021, 8, 13))
        kept.sweep()
        pending = {n.key for n in kept.storage.pending_notifications()}
        clock.set(date(2022, 8, 13))
        assert 0 == kept.sweep(date(2022, 8, 13)).pruned
        assert pending <= {n.key for n in kept.storage.pending_notifications()}


class TestPruneOutbox:
    def test_days_default_to_the_flows_retention(self, kept: DialogueFlow, clock: FixedClock,
                                                 intake: Actor, chair: Actor,
                                                 petitioner: Petitioner) -> None:
        """prune_outbox() uses outbox_days and the clock's day; days= and today= win."""
        _overdue_matter(kept, clock, intake, chair, petitioner)  # two notices on 1 July
        kept.dispatch()
        assert 0 == kept.prune_outbox(today=date(2021, 7, 31))  # 30 days: 1 July is kept
        assert 0 == kept.prune_outbox(days=100, today=date(2021, 8, 31))
        clock.set(date(2021, 8, 1))
        settled = len(_keys(kept, *SETTLED))
        assert settled >= 2
        assert settled == kept.prune_outbox()
        assert set() == _keys(kept, *SETTLED)

    def test_a_flow_without_retention_keeps_everything(self, flow: DialogueFlow,
                                                       clock: FixedClock, intake: Actor,
                                                       chair: Actor,
                                                       petitioner: Petitioner) -> None:
        """Without outbox_days the sweep prunes nothing, and prune_outbox() says what to
        set."""
        _overdue_matter(flow, clock, intake, chair, petitioner)
        flow.dispatch()
        assert 0 == flow.sweep(date(2031, 1, 1)).pruned
        assert _keys(flow, *SETTLED)
        with pytest.raises(InvalidInputError, match="outbox_days"):
            flow.prune_outbox()

    @pytest.mark.parametrize("days", [0, -1, 36_501, True, 1.5, "90"])
    def test_a_bad_retention_is_refused(self, days: object, calendar: WorkCalendar) -> None:
        """outbox_days is a whole number of days from 1 to 36500, as an option and as an
        argument."""
        with pytest.raises(InvalidInputError, match="outbox_days"):
            DialogueFlow(MemoryStorage(), calendar=calendar, outbox_days=days)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="days"):
            DialogueFlow(MemoryStorage(), calendar=calendar).prune_outbox(days=days)  # type: ignore[arg-type]

    def test_open_takes_the_option(self) -> None:
        """DialogueFlow.open passes outbox_days on like every constructor option."""
        with DialogueFlow.open("memory://", outbox_days=90) as flow:
            assert 90 == flow.outbox_days


class TestSettings:
    def test_housekeeping_table_sets_the_retention(self, tmp_path: Path) -> None:
        """``[housekeeping] outbox_days`` reaches the flow the file opens."""
        config = tmp_path / "dialogue-flow.toml"
        config.write_text('storage = "sqlite:///s.db"\n[housekeeping]\noutbox_days = 90\n',
                          encoding="utf-8")
        assert 90 == read_settings(config).outbox_days
        with DialogueFlow.from_config(config, create=True) as flow:
            assert 90 == flow.outbox_days

    @pytest.mark.parametrize(("text", "message"), [
        ("[housekeeping]\noutbox_days = 0\n", "housekeeping.outbox_days: expected"),
        ('[housekeeping]\noutbox_days = "90"\n', "housekeeping.outbox_days: expected"),
        ("[housekeeping]\naudit_days = 90\n", "unknown key housekeeping.'audit_days'"),
        ("housekeeping = 90\n", "housekeeping: expected a \\[housekeeping\\] table"),
    ])
    def test_bad_values_name_the_key(self, tmp_path: Path, text: str, message: str) -> None:
        """A wrong value or key names the file, the key and what is expected; the audit
        trail has no retention to set."""
        config = tmp_path / "dialogue-flow.toml"
        config.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigurationError, match=message):
            read_settings(config)


class TestCommandLine:
    def _store(self, tmp_path: Path, clock: FixedClock, calendar: WorkCalendar,
               intake: Actor, chair: Actor, petitioner: Petitioner) -> str:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        with DialogueFlow.open(url, calendar=calendar, clock=clock,
                               ids=SequentialIds()) as flow:
            _overdue_matter(flow, clock, intake, chair, petitioner)
            flow.dispatch()
        return url

    def test_prune_with_days(self, tmp_path: Path, clock: FixedClock, calendar: WorkCalendar,
                             intake: Actor, chair: Actor, petitioner: Petitioner) -> None:
        """``dialogue-flow prune --outbox-days N --today DAY`` says how many went."""
        url = self._store(tmp_path, clock, calendar, intake, chair, petitioner)
        done = CliRunner().invoke(main, ["prune", "--db", url, "--outbox-days", "30",
                                         "--today", "2021-07-31"])
        assert (0, "outbox: 0 settled notifications pruned\n") == (done.exit_code, done.output)
        done = CliRunner().invoke(main, ["prune", "--db", url, "--outbox-days", "30",
                                         "--today", "2021-08-01"])
        assert (0, "outbox: 2 settled notifications pruned\n") == (done.exit_code, done.output)

    def test_prune_without_retention_says_what_to_set(self, tmp_path: Path,
                                                      clock: FixedClock,
                                                      calendar: WorkCalendar, intake: Actor,
                                                      chair: Actor,
                                                      petitioner: Petitioner) -> None:
        url = self._store(tmp_path, clock, calendar, intake, chair, petitioner)
        done = CliRunner().invoke(main, ["prune", "--db", url])
        assert 1 == done.exit_code
        assert "[housekeeping] outbox_days" in done.output

    def test_the_sweep_prunes_what_the_settings_say(self, tmp_path: Path, clock: FixedClock,
                                                    calendar: WorkCalendar, intake: Actor,
                                                    chair: Actor,
                                                    petitioner: Petitioner) -> None:
        """``dialogue-flow sweep`` with ``[housekeeping] outbox_days`` prunes and says so."""
        url = self._store(tmp_path, clock, calendar, intake, chair, petitioner)
        config = tmp_path / "dialogue-flow.toml"
        config.write_text(f'storage = "{url}"\n[housekeeping]\noutbox_days = 30\n',
                          encoding="utf-8")
        done = CliRunner().invoke(main, ["sweep", "--config", str(config),
                                         "--today", "2021-08-01"])
        assert 0 == done.exit_code, done.output
        assert "outbox: 2 settled notifications past the retention pruned\n" in done.output


def test_a_store_upgraded_from_schema_2_prunes_its_old_rows(tmp_path: Path) -> None:
    """Rows written before the outbox knew the day they were written get it from their
    notification when the store is upgraded, so they are pruned like the new ones."""
    from migration_expectations import FIXTURES  # noqa: PLC0415

    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript((FIXTURES / "sqlite_schema_v2.sql").read_text(encoding="utf-8"))
        days = {day for (day,) in conn.execute(
            "SELECT substr(json_extract(notification, '$.created_at'), 1, 10) FROM outbox")}
    with SQLiteStorage(path) as storage, closing(sqlite3.connect(path)) as conn:
        rows, with_day = conn.execute("SELECT count(*), count(created_on) FROM outbox"
                                      ).fetchone()
        assert rows == with_day > 0
        settled = conn.execute("SELECT count(*) FROM outbox WHERE status = 'delivered'"
                               ).fetchone()[0]
        assert settled >= 1
        latest = max(date.fromisoformat(day) for day in days)
        assert settled == storage.prune_outbox(latest.replace(year=latest.year + 1))
