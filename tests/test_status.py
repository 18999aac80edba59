"""``DialogueFlow.status()`` and ``dialogue-flow status`` (issue 17, part 6): per
organisation the last sweep and dispatch, the backlog, parked rows and overdue matters, and
an exit status a monitoring job can act on."""

from __future__ import annotations

import datetime as dt
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogue_flow import (
    DEFAULT_ORGANISATION,
    VIETNAM_TZ,
    Actor,
    ConfigurationError,
    DialogueFlow,
    FixedClock,
    Level,
    Organisation,
    Petitioner,
)
from dialogue_flow._settings import read_settings
from dialogue_flow._status import StatusThresholds
from dialogue_flow.cli import main
from dialogue_flow.storage import Changeset
from dialogue_flow.testing import sample_notification

TREE = (Organisation("tinh", "Tỉnh ủy", Level.PROVINCE),
        Organisation("xa-a", "Đảng ủy xã A", Level.COMMUNE, parent_id="tinh"),
        Organisation("xa-b", "Đảng ủy xã B", Level.COMMUNE, parent_id="tinh"))


def _queue(flow: DialogueFlow, key: str, organisation: str, at: dt.datetime) -> None:
    flow.storage.commit(Changeset((), notifications=(
        sample_notification(key, organisation_id=organisation, created_at=at),)))


class TestStatus:
    def test_a_store_never_swept_is_late(self, flow: DialogueFlow) -> None:
        """No heartbeat at all: the sweep never ran (a new store, or a cron job that was
        never set up): exit status 3."""
        status = flow.status()
        [org] = status.organisations
        assert (DEFAULT_ORGANISATION, None, None, ("sweep_never",)) == (
            org.organisation_id, org.last_sweep, org.last_dispatch, org.problems)
        assert (True, False, 3) == (status.sweep_late, status.backlog_stuck, status.exit_code)

    def test_swept_and_dispatched_is_well(self, flow: DialogueFlow, clock: FixedClock) -> None:
        """The sweep ran an hour ago and the dispatcher delivered everything: exit 0."""
        flow.sweep()
        flow.dispatch()
        swept = clock.now()
        clock.advance(hours=1)
        status = flow.status()
        [org] = status.organisations
        assert (swept, swept, 0, 0, ()) == (org.last_sweep, org.last_dispatch, org.pending,
                                            org.parked, org.problems)
        assert 0 == status.exit_code

    def test_a_sweep_older_than_the_threshold_is_late(self, flow: DialogueFlow,
                                                      clock: FixedClock) -> None:
        """26 hours by default (a day, with slack for a daily job); a threshold of 48."""
        flow.sweep()
        clock.advance(hours=25)
        assert 0 == flow.status().exit_code
        clock.advance(hours=2)
        assert ("sweep_late",) == flow.status().organisations[0].problems
        assert 3 == flow.status().exit_code
        assert 0 == flow.status(thresholds=StatusThresholds(
            max_sweep_age=dt.timedelta(hours=48))).exit_code

    def test_a_row_waiting_too_long_is_a_stuck_backlog(self, flow: DialogueFlow,
                                                       clock: FixedClock) -> None:
        """A pending row older than an hour (no dispatcher ran): exit 4, its age shown."""
        flow.sweep()
        written = clock.now()
        _queue(flow, "k1", DEFAULT_ORGANISATION, written)
        _queue(flow, "k2", DEFAULT_ORGANISATION, written + dt.timedelta(minutes=10))
        clock.advance(minutes=59)
        assert 0 == flow.status().exit_code
        clock.advance(minutes=2)
        status = flow.status()
        [org] = status.organisations
        assert (2, written, ("pending_stuck",)) == (org.pending, org.oldest_pending_at,
                                                    org.problems)
        assert 4 == status.exit_code
        assert 61 * 60 == status.to_dict()["organisations"][0]["oldest_pending_age_seconds"]

    def test_parked_rows_are_a_stuck_backlog(self, flow: DialogueFlow,
                                             clock: FixedClock) -> None:
        """A parked row needs a person: exit 4 unless the threshold tolerates it."""
        flow.sweep()
        _queue(flow, "k1", DEFAULT_ORGANISATION, clock.now())
        [entry] = flow.storage.claim_notifications("w", clock.now(), dt.timedelta(minutes=1))
        flow.storage.mark_failed(entry.key, "w", "Refused", None)
        assert (("parked",), 4) == (flow.status().organisations[0].problems,
                                    flow.status().exit_code)
        assert 0 == flow.status(thresholds=StatusThresholds(max_parked=1)).exit_code

    def test_both_problems_exit_5(self, flow: DialogueFlow, clock: FixedClock) -> None:
        _queue(flow, "k1", DEFAULT_ORGANISATION, clock.now())
        clock.advance(hours=2)
        assert 5 == flow.status().exit_code

    def test_per_organisation(self, flow: DialogueFlow, clock: FixedClock, intake: Actor,
                              chair: Actor, petitioner: Petitioner) -> None:
        """Each stored organisation is listed with its own last sweep, backlog and overdue
        matters; ``organisation=`` (and ``subtree=``) narrows the list."""
        flow.load_organisations(list(TREE))
        a_intake = Actor("tn-a", "Tiếp nhận xã A", intake.role, organisation_id="xa-a")
        a_chair = Actor("bt-a", "Bí thư xã A", chair.role, organisation_id="xa-a")
        clock.set(date(2021, 7, 1))
        s = flow.receive(petitioner=petitioner, topic="đất đai", content="...",
                         actor=a_intake)
        flow.assign(s.id, department="Địa chính", actor=a_chair)  # due 12 August 2021
        flow.dispatch()
        clock.set(date(2021, 8, 13))
        flow.sweep(organisation="xa-a")  # the overdue notice, pending
        status = flow.status()
        assert ["tinh", "xa-a", "xa-b"] == [o.organisation_id for o in status.organisations]
        by_id = {o.organisation_id: o for o in status.organisations}
        assert (1, 1, clock.now(), ()) == (by_id["xa-a"].overdue, by_id["xa-a"].pending,
                                           by_id["xa-a"].last_sweep, by_id["xa-a"].problems)
        assert (0, 0, ("sweep_never",)) == (by_id["xa-b"].overdue, by_id["xa-b"].pending,
                                            by_id["xa-b"].problems)
        assert ["xa-a"] == [o.organisation_id for o in flow.status(organisation="xa-a")
                            .organisations]
        assert 3 == len(flow.status(organisation="tinh", subtree=True).organisations)

    def test_the_json_form(self, flow: DialogueFlow, clock: FixedClock) -> None:
        """Instants in ISO 8601 and ages in seconds, the thresholds and the exit code."""
        flow.sweep()
        clock.advance(hours=2)
        data = flow.status().to_dict()
        assert 0 == data["exit_code"]
        assert 26 * 3600 == data["thresholds"]["max_sweep_age_seconds"]
        [org] = data["organisations"]
        assert (2 * 3600, None, []) == (org["sweep_age_seconds"], org["last_dispatch"],
                                        org["problems"])
        json.dumps(data)

    def test_thresholds_are_checked(self) -> None:
        with pytest.raises(ValueError, match="max_sweep_age"):
            StatusThresholds(max_sweep_age=dt.timedelta(0))
        with pytest.raises(ValueError, match="max_parked"):
            StatusThresholds(max_parked=-1)


class TestSettings:
    def test_a_status_table_sets_the_thresholds(self, tmp_path: Path) -> None:
        path = tmp_path / "dialogue-flow.toml"
        path.write_text("[status]\nmax_sweep_age_hours = 30\nmax_pending_age_minutes = 15\n"
                        "max_parked = 2\n", encoding="utf-8")
        assert StatusThresholds(dt.timedelta(hours=30), dt.timedelta(minutes=15), 2) == (
            read_settings(path).status)

    @pytest.mark.parametrize(("text", "named"), [
        ("max_sweep_hours = 3", "max_sweep_hours"),
        ("max_sweep_age_hours = 0", "max_sweep_age_hours"),
        ('max_parked = "two"', "max_parked"),
    ])
    def test_a_wrong_key_or_value_is_named(self, tmp_path: Path, text: str,
                                           named: str) -> None:
        path = tmp_path / "dialogue-flow.toml"
        path.write_text(f"[status]\n{text}\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match=named):
            read_settings(path)


class TestCommand:
    @pytest.fixture
    def db(self, tmp_path: Path) -> str:
        url = f"sqlite:///{tmp_path / 'xa.db'}"
        DialogueFlow.open(url).shutdown()
        return url

    def test_exit_status_for_monitoring(self, db: str) -> None:
        """Never swept: 3 and a line naming the problem; after a sweep: 0."""
        result = CliRunner().invoke(main, ["status", "--db", db])
        assert 3 == result.exit_code, result.output
        assert "the sweep is late" in result.output
        assert "default: last sweep never" in result.output
        assert "sweep_never" in result.output
        assert 0 == CliRunner().invoke(main, ["sweep", "--db", db]).exit_code
        result = CliRunner().invoke(main, ["status", "--db", db])
        assert 0 == result.exit_code, result.output
        assert result.output.startswith("status at ")

    def test_json_and_thresholds_from_options_and_settings(self, db: str,
                                                           tmp_path: Path) -> None:
        """``--format json`` for a monitoring system; an option wins over the settings'
        ``[status]``, which wins over the default."""
        with DialogueFlow.open(db, clock=FixedClock(dt.datetime.now(VIETNAM_TZ)
                                                    - dt.timedelta(hours=30))) as flow:
            flow.sweep()
        result = CliRunner().invoke(main, ["status", "--db", db, "--format", "json"])
        assert 3 == result.exit_code
        data = json.loads(result.output)
        assert ["sweep_late"] == data["organisations"][0]["problems"]
        assert 0 == CliRunner().invoke(main, ["status", "--db", db, "--max-sweep-age",
                                              "31"]).exit_code
        config = tmp_path / "dialogue-flow.toml"
        config.write_text(f'storage = "{db}"\n[status]\nmax_sweep_age_hours = 32\n',
                          encoding="utf-8")
        assert 0 == CliRunner().invoke(main, ["status", "--config", str(config)]).exit_code
        assert 3 == CliRunner().invoke(main, ["status", "--config", str(config),
                                              "--max-sweep-age", "29"]).exit_code

    def test_a_missing_store_is_an_error_not_a_status(self, tmp_path: Path) -> None:
        """Exit 1 with the reason: a monitoring job tells "broken" from "late"."""
        result = CliRunner().invoke(main, ["status", "--db",
                                           f"sqlite:///{tmp_path / 'none.db'}"])
        assert 1 == result.exit_code
        assert "no SQLite database" in result.output
