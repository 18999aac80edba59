"""The heartbeats and outbox backlog of :class:`~dialogue_flow.testing.StorageContract`
(issue 17, part 6): what ``dialogue-flow status`` reads from any backend."""

from __future__ import annotations

import datetime as dt

from dialogue_flow import InvalidInputError
from dialogue_flow.storage import Changeset, Heartbeat, OutboxBacklog, Storage

from ._fakes import T0, sample_notification
from ._support import _equal, _raises, _true


def _beat(job: str = "sweep", minutes: int = 0, organisations: object = None,
          **counts: int) -> Heartbeat:
    return Heartbeat(job, T0 + dt.timedelta(minutes=minutes),
                     organisations=organisations,
                     counts=counts)


def _notes(storage: Storage, *keys: str, organisation: str = "xa-a", minutes: int = 0) -> None:
    storage.commit(Changeset(records=(), notifications=tuple(
        sample_notification(key, organisation_id=organisation,
                            created_at=T0 + dt.timedelta(minutes=minutes + n))
        for n, key in enumerate(keys))))


class HeartbeatContract:
    """Heartbeat and backlog tests of :class:`~dialogue_flow.testing.StorageContract`
    (which inherits them; a backend runs the whole contract, not this part)."""

    def test_a_new_store_has_no_heartbeat(self, storage: Storage) -> None:
        """Nothing ran yet."""
        _equal([], storage.heartbeats(), "heartbeats")

    def test_a_heartbeat_reads_back_equal(self, storage: Storage) -> None:
        """Job, instant, organisations, counts, day and worker come back as written."""
        beat = Heartbeat("dispatch", T0, organisations=frozenset({"xa-b", "xa-a"}),
                         counts={"delivered": 3, "parked": 0}, day=T0.date(),
                         worker="host:42")
        storage.record_heartbeat(beat)
        [read] = storage.heartbeats()
        _equal(beat, read, "heartbeat")
        _equal(("xa-a", "xa-b"), read.organisations, "organisations, sorted")
        _equal({"delivered": 3, "parked": 0}, dict(read.counts), "counts")
        _true(read.finished_at == T0, "the same instant")

    def test_the_latest_of_a_job_and_scope_is_kept(self, storage: Storage) -> None:
        """A later run of the same job over the same organisations replaces the one kept; an
        earlier one (a slow run finishing late) does not."""
        storage.record_heartbeat(_beat(minutes=10, written=1))
        storage.record_heartbeat(_beat(minutes=20, written=2))
        storage.record_heartbeat(_beat(minutes=15, written=3))
        _equal([_beat(minutes=20, written=2)], storage.heartbeats(), "kept")

    def test_jobs_and_scopes_are_kept_apart(self, storage: Storage) -> None:
        """One heartbeat per job and scope, by job then scope; a subtree of hundreds of
        organisations is one scope."""
        subtree = frozenset(f"xa-{n:03d}" for n in range(300))
        beats = [_beat("sweep"), _beat("sweep", organisations={"xa-a"}),
                 _beat("dispatch", 5), _beat("sweep", organisations=subtree)]
        for beat in beats:
            storage.record_heartbeat(beat)
        expected = sorted(beats, key=lambda beat: (beat.job, beat.scope))
        _equal(expected, storage.heartbeats(), "heartbeats")

    def test_a_heartbeat_must_be_one(self, storage: Storage) -> None:
        """Anything else is refused, naming the argument."""
        error = _raises(InvalidInputError, storage.record_heartbeat, {"job": "sweep"})
        _equal("heartbeat", error.field, "field")
        _equal([], storage.heartbeats(), "nothing kept")

    def test_an_empty_outbox_has_no_backlog(self, storage: Storage) -> None:
        """No organisation is listed without pending or parked rows."""
        _equal([], storage.outbox_backlog(), "backlog")

    def test_the_backlog_counts_pending_and_parked_rows_per_organisation(
            self, storage: Storage) -> None:
        """Pending rows (leased or not) and parked ones, by organisation id; the oldest
        pending notification's instant; settled rows are not backlog."""
        _notes(storage, "a1", "a2", "a3", organisation="xa-a", minutes=0)
        _notes(storage, "b1", organisation="xa-b", minutes=30)
        worker = "w1"
        claimed = storage.claim_notifications(worker, T0, dt.timedelta(minutes=5), 2,
                                              frozenset({"xa-a"}))
        _equal(["a1", "a2"], [entry.key for entry in claimed], "claimed")
        storage.mark_delivered("a1", worker)
        storage.mark_failed("a2", worker, "Timeout", None)  # parked
        backlog = storage.outbox_backlog()
        _equal([OutboxBacklog("xa-a", pending=1, parked=1,
                              oldest_pending_at=T0 + dt.timedelta(minutes=2)),
                OutboxBacklog("xa-b", pending=1, parked=0,
                              oldest_pending_at=T0 + dt.timedelta(minutes=30))],
               backlog, "backlog")
        _equal([OutboxBacklog("xa-b", pending=1, oldest_pending_at=T0 + dt.timedelta(
            minutes=30))], storage.outbox_backlog(frozenset({"xa-b", "xa-c"})), "one")
        _equal([], storage.outbox_backlog(frozenset()), "of no organisation")

    def test_a_parked_organisation_has_no_oldest_pending(self, storage: Storage) -> None:
        """Only parked rows: no pending instant."""
        _notes(storage, "p1", organisation="xa-a")
        [entry] = storage.claim_notifications("w1", T0, dt.timedelta(minutes=5), 1)
        storage.mark_failed(entry.key, "w1", "Refused", None)
        _equal([OutboxBacklog("xa-a", pending=0, parked=1)], storage.outbox_backlog(),
               "backlog")
