"""The outbox half of :class:`~dialogue_flow.testing.StorageContract`: how a backend
queues notifications with their commit, leases them to dispatchers and records the outcome."""

from __future__ import annotations

import datetime as dt
import threading

import attrs

from dialogue_flow import InvalidInputError, NotFoundError
from dialogue_flow.storage import Changeset, Delivery, OutboxEntry, OutboxStatus, Storage

from ._fakes import T0, sample_dialogue, sample_notification, sample_submission, sample_transition
from ._support import _equal, _new, _next, _raises, _true


class OutboxContract:
    """The outbox tests of :class:`~dialogue_flow.testing.StorageContract` (which inherits
    them; a backend runs the whole contract, not this part)."""

    def test_pending_notifications_oldest_first(self, storage: Storage) -> None:
        """Rows come back in commit order, within a commit in the given order."""
        storage.commit(_new(sample_submission("sub-0002"),
                            notes=[sample_notification("b"), sample_notification("a")]))
        storage.commit(_new(sample_submission("sub-0001"), notes=[sample_notification("0")]))
        _equal(["b", "a", "0"], [n.key for n in storage.pending_notifications()], "keys")
        _equal(sample_notification("b"), storage.pending_notifications()[0], "read back")
        _equal(_stats(pending=3), storage.outbox_stats(), "stats")

    def test_duplicate_key_in_a_later_commit_is_ignored(self, storage: Storage) -> None:
        """The first notification with a key stays; the repeat is skipped without error and
        the rest of that commit is written."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first, notes=[sample_notification("k")]))
        second, changes = _next(first)
        repeat = attrs.evolve(sample_notification("k"), subject="lặp lại")
        storage.commit(attrs.evolve(changes, notifications=(repeat, sample_notification("k2"))))
        _equal(second, storage.get_submission("sub-0001"), "the commit was written")
        _equal([sample_notification("k"), sample_notification("k2")],
               storage.pending_notifications(), "outbox")

    def test_duplicate_key_within_one_commit_keeps_the_first(self, storage: Storage) -> None:
        """Two notifications with one key in one changeset: the first is kept."""
        storage.commit(_new(sample_submission("sub-0001"), notes=[
            sample_notification("k"), attrs.evolve(sample_notification("k"), subject="2")]))
        _equal([sample_notification("k")], storage.pending_notifications(), "outbox")

    def test_duplicate_key_of_a_delivered_row_is_ignored(self, storage: Storage) -> None:
        """A key already delivered is not queued again (a retried command notifies once)."""
        storage.commit(_new(sample_submission("sub-0001"), notes=[sample_notification("k")]))
        [entry] = storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _true(storage.mark_delivered(entry.key, "w1"), "delivered")
        storage.commit(_new(sample_submission("sub-0002"), notes=[sample_notification("k")]))
        _equal([], storage.pending_notifications(), "nothing pending")
        _equal(_stats(delivered=1), storage.outbox_stats(), "stats")

    def test_commit_returns_the_number_of_new_notifications(self, storage: Storage) -> None:
        """``commit`` returns how many of its notifications the outbox did not hold yet."""
        added = storage.commit(_new(sample_submission("sub-0001"), notes=[
            sample_notification("a"), sample_notification("b"), sample_notification("c")]))
        _true(type(added) is int, f"commit returns an int, got {added!r}")
        _equal(3, added, "three new keys")
        _equal(1, storage.commit(_new(sample_submission("sub-0002"),
                                      notes=[sample_notification("d")])), "one new key")

    def test_commit_without_notifications_returns_zero(self, storage: Storage) -> None:
        """A changeset with no notifications (records, audit rows, guards) counts 0."""
        dialogue = sample_dialogue("dlg-0001")
        _equal(0, storage.commit(_new(dialogue)), "a new record")
        submission = sample_submission("sub-0001", dialogue_id="dlg-0001")
        _equal(0, storage.commit(Changeset(
            records=((submission, 0),), transitions=(sample_transition(submission),),
            guards=(("dialogue", "dlg-0001", 1),))), "a guarded new record")
        _, changes = _next(submission)
        _equal(0, storage.commit(changes), "an update")

    def test_commit_does_not_count_keys_already_in_the_outbox(self, storage: Storage) -> None:
        """Keys from an earlier commit are skipped and not counted; the new ones are."""
        first = sample_submission("sub-0001")
        storage.commit(_new(first, notes=[sample_notification("k1"), sample_notification("k2")]))
        _, changes = _next(first)
        _equal(1, storage.commit(attrs.evolve(changes, notifications=(
            sample_notification("k2"), sample_notification("k3"), sample_notification("k1")))),
            "one new key among repeats")
        only_repeats = Changeset(records=(), notifications=(
            sample_notification("k1"), sample_notification("k2"), sample_notification("k3")))
        _equal(0, storage.commit(only_repeats), "only repeated keys")
        _equal(["k1", "k2", "k3"], [n.key for n in storage.pending_notifications()],
               "pending keys")

    def test_the_same_notices_committed_twice_count_once(self, storage: Storage) -> None:
        """Notices alone (as a sweep commits them): the second commit of the same changeset
        counts 0, one notice or several."""
        for keys in (["n1"], ["n2", "n3", "n4"]):
            changes = Changeset(records=(), notifications=tuple(
                sample_notification(key) for key in keys))
            _equal(len(keys), storage.commit(changes), f"first commit of {keys}")
            _equal(0, storage.commit(changes), f"second commit of {keys}")
        _equal(4, sum(storage.outbox_stats().values()), "outbox rows")

    def test_a_key_repeated_within_one_commit_counts_once(self, storage: Storage) -> None:
        """Two notifications with one key in one changeset: one row, counted once."""
        _equal(2, storage.commit(Changeset(records=(), notifications=(
            sample_notification("k"), attrs.evolve(sample_notification("k"), subject="2"),
            sample_notification("j")))), "count")
        _equal(1, storage.commit(Changeset(records=(), notifications=(
            sample_notification("m"), sample_notification("m")))), "one key twice")

    def test_a_delivered_key_is_not_counted_again(self, storage: Storage) -> None:
        """A key delivered, or leased to a worker, is still in the outbox: not counted."""
        _queue(storage, "d", "p")
        claimed = storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _equal(["d", "p"], [entry.key for entry in claimed], "claimed")
        _held(storage.mark_delivered("d", "w1"), "delivered")
        _equal(0, storage.commit(Changeset(records=(), notifications=(
            sample_notification("d"), sample_notification("p")))), "count")

    def test_claim_leases_oldest_first(self, storage: Storage) -> None:
        """A claim returns at most ``limit`` rows, oldest first, leased to the worker, with
        the attempt counted."""
        _queue(storage, "a", "b", "c")
        lease = dt.timedelta(minutes=5)
        claimed = storage.claim_notifications("w1", T0, lease, 2)
        _equal([OutboxEntry(sample_notification(k), OutboxStatus.PENDING, 1, None, "w1",
                            T0 + lease, None) for k in ("a", "b")], claimed, "claimed entries")
        _equal(["c"], [e.key for e in storage.claim_notifications("w2", T0, lease, 10)],
               "the next worker gets the rest")
        _equal(["a", "b", "c"], [n.key for n in storage.pending_notifications()],
               "leased rows are still pending")

    def test_a_valid_lease_is_never_claimed_twice(self, storage: Storage) -> None:
        """Until ``lease_until``, no other worker (nor the same one) gets the row."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=5)
        storage.claim_notifications("w1", T0, lease, 10)
        almost = T0 + lease - dt.timedelta(microseconds=1)
        _equal([], storage.claim_notifications("w2", almost, lease, 10), "other worker")
        _equal([], storage.claim_notifications("w1", almost, lease, 10), "same worker")

    def test_an_expired_lease_can_be_claimed_again(self, storage: Storage) -> None:
        """At ``lease_until`` the row is free: the new worker holds it, the old one cannot
        settle it any more."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=5)
        storage.claim_notifications("w1", T0, lease, 10)
        later = T0 + lease
        [again] = storage.claim_notifications("w2", later, lease, 10)
        _equal((2, "w2", later + lease), (again.attempts, again.lease_owner, again.lease_until),
               "attempts, owner, lease")
        _lost(storage.mark_delivered("a", "w1"), "the old worker lost it")
        _lost(storage.mark_failed("a", "w1", "late", None), "nor can it fail it")
        _held(storage.mark_delivered("a", "w2"), "the new worker settles it")

    def test_an_expired_lease_not_reclaimed_can_still_be_settled(self, storage: Storage,
                                                                  ) -> None:
        """A slow worker whose lease ran out, with nobody else taking over, still records
        its delivery."""
        _queue(storage, "a")
        storage.claim_notifications("w1", T0, dt.timedelta(seconds=1), 10)
        _held(storage.mark_delivered("a", "w1"), "settled")
        _equal(_stats(delivered=1), storage.outbox_stats(), "stats")

    def test_delivered_rows_are_never_claimed_again(self, storage: Storage) -> None:
        """mark_delivered ends the row's life: not pending, not claimable, counted."""
        _queue(storage, "a", "b")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _held(storage.mark_delivered("a", "w1"), "first mark")
        _lost(storage.mark_delivered("a", "w1"), "a second mark changes nothing")
        _equal(["b"], [n.key for n in storage.pending_notifications()], "pending")
        far = T0 + dt.timedelta(days=365)
        _equal(["b"], [e.key for e in storage.claim_notifications("w2", far,
                                                                   dt.timedelta(minutes=1), 10)],
               "claimable")
        _equal(_stats(pending=1, delivered=1), storage.outbox_stats(), "stats")

    def test_failed_row_waits_until_retry_at(self, storage: Storage) -> None:
        """mark_failed with a retry time frees the lease, keeps the error, and hides the row
        until then; the attempt count goes on."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=5)
        storage.claim_notifications("w1", T0, lease, 10)
        retry_at = T0 + dt.timedelta(minutes=1)
        _held(storage.mark_failed("a", "w1", "smtp down", retry_at), "marked")
        before = retry_at - dt.timedelta(microseconds=1)
        _equal([], storage.claim_notifications("w2", before, lease, 10), "before retry_at")
        [again] = storage.claim_notifications("w2", retry_at, lease, 10)
        _equal((2, "smtp down", retry_at, "w2"),
               (again.attempts, again.last_error, again.next_attempt_at, again.lease_owner),
               "attempts, last error, retry time, owner")
        _equal(["a"], [n.key for n in storage.pending_notifications()], "still pending")

    def test_failed_without_retry_is_parked(self, storage: Storage) -> None:
        """mark_failed with ``retry_at=None`` parks the row: never claimed, not pending."""
        _queue(storage, "a", "b")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 1)
        _held(storage.mark_failed("a", "w1", "bad address", None), "parked")
        _lost(storage.mark_delivered("a", "w1"), "a parked row cannot be delivered")
        far = T0 + dt.timedelta(days=365)
        _equal(["b"], [e.key for e in storage.claim_notifications("w1", far,
                                                                   dt.timedelta(minutes=1), 10)],
               "only b is claimable")
        _equal(["b"], [n.key for n in storage.pending_notifications()], "pending")
        _equal(_stats(pending=1, parked=1), storage.outbox_stats(), "stats")

    def test_settling_needs_the_lease(self, storage: Storage) -> None:
        """A worker that never claimed a row cannot settle it; an unknown key is NotFound."""
        _queue(storage, "a")
        _lost(storage.mark_delivered("a", "w1"), "unclaimed")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _lost(storage.mark_delivered("a", "w2"), "someone else's lease")
        _lost(storage.mark_failed("a", "w2", "x", T0), "someone else's lease")
        _raises(NotFoundError, storage.mark_delivered, "nope", "w1")
        _raises(NotFoundError, storage.mark_failed, "nope", "w1", "x", None)
        _equal(_stats(pending=1), storage.outbox_stats(), "stats")

    def test_lease_instants_compare_across_offsets(self, storage: Storage) -> None:
        """``now`` in UTC+7 and in UTC name the same instants."""
        _queue(storage, "a")
        lease = dt.timedelta(minutes=10)
        storage.claim_notifications("w1", T0, lease, 10)  # T0 is 08:00 UTC+7
        utc_almost = (T0 + lease - dt.timedelta(seconds=1)).astimezone(dt.UTC)
        _equal([], storage.claim_notifications("w2", utc_almost, lease, 10), "still leased")
        _equal(["a"], [e.key for e in storage.claim_notifications(
            "w2", (T0 + lease).astimezone(dt.UTC), lease, 10)], "expired")

    def test_claim_rejects_bad_arguments(self, storage: Storage) -> None:
        """Blank worker, naive now, non-positive lease and limit < 1 are InvalidInputError."""
        lease = dt.timedelta(minutes=1)
        for args in (("", T0, lease, 1), ("w", T0.replace(tzinfo=None), lease, 1),
                     ("w", T0, dt.timedelta(0), 1), ("w", T0, lease, 0),
                     ("w", T0, dt.timedelta.max, 1)):
            _raises(InvalidInputError, storage.claim_notifications, *args)
        _queue(storage, "a")
        storage.claim_notifications("w", T0, lease, 1)
        _raises(InvalidInputError, storage.mark_failed, "a", "w", "x",
                T0.replace(tzinfo=None))
        _raises(InvalidInputError, storage.mark_failed, "a", "w", 42, None)
        _equal(["a"], [n.key for n in storage.pending_notifications()], "nothing changed")

    def test_concurrent_claims_never_overlap(self, storage: Storage) -> None:
        """Eight workers claiming at once share the rows: each row goes to exactly one."""
        keys = [f"n{i:03d}" for i in range(60)]
        _queue(storage, *keys)
        barrier = threading.Barrier(8)
        claimed: dict[str, list[str]] = {}

        def claim(worker: str) -> None:
            barrier.wait(timeout=10)
            got: list[str] = []
            while batch := storage.claim_notifications(worker, T0, dt.timedelta(minutes=5), 3):
                got += [e.key for e in batch]
            claimed[worker] = got

        threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        every = [k for got in claimed.values() for k in got]
        _equal(sorted(keys), sorted(every), "each row claimed exactly once")

    def test_outbox_stats_counts_every_status(self, storage: Storage) -> None:
        """An empty outbox still reports every status."""
        _equal(_stats(), storage.outbox_stats(), "stats")

    def test_settled_rows_say_whether_anyone_was_reached(self, storage: Storage) -> None:
        """A row is settled as delivered (with the recipients each channel reached, by
        reference), logged only, or with no recipient: each counted under its status, none
        claimable again, none requeued."""
        _queue(storage, "d", "l", "n", "p")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        reached = (Delivery("petitioner:phone", "sms"), Delivery("department:Địa chính", "email"),
                   Delivery(None, "legacy"))
        _held(storage.mark_delivered("d", "w1", deliveries=reached), "delivered")
        _held(storage.mark_delivered("l", "w1", status=OutboxStatus.LOGGED), "logged")
        _held(storage.mark_delivered("n", "w1", status=OutboxStatus.NO_RECIPIENT),
              "no recipient")
        _lost(storage.mark_delivered("n", "w1", status=OutboxStatus.DELIVERED),
              "a settled row stays as it was settled")
        _equal(_stats(pending=1, delivered=1, logged=1, no_recipient=1), storage.outbox_stats(),
               "stats")
        far = T0 + dt.timedelta(days=365)
        _equal(["p"], [e.key for e in storage.claim_notifications("w2", far,
                                                                   dt.timedelta(minutes=1), 10)],
               "only the pending row is claimable")
        for key in ("d", "l", "n"):
            _lost(storage.requeue(key), f"{key} is not parked")
        [delivered] = storage.outbox_entries(OutboxStatus.DELIVERED)
        _equal(("d", OutboxStatus.DELIVERED, reached, 1),
               (delivered.key, delivered.status, delivered.deliveries, delivered.attempts),
               "the delivered row, its deliveries read back in order")
        for status, key in ((OutboxStatus.LOGGED, "l"), (OutboxStatus.NO_RECIPIENT, "n")):
            [entry] = storage.outbox_entries(status)
            _equal((key, status, (), sample_notification(key)),
                   (entry.key, entry.status, entry.deliveries, entry.notification), status)

    def test_outbox_entries_lists_one_status_newest_first(self, storage: Storage) -> None:
        """outbox_entries: rows of one status only, newest first, at most ``limit``, of
        ``organisations`` when given; a bad status or limit is InvalidInputError."""
        _queue(storage, "a", "b", "c", "d")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        for key in ("a", "b", "d"):
            _held(storage.mark_delivered(key, "w1", status=OutboxStatus.NO_RECIPIENT), key)
        _equal(["d", "b", "a"], [e.key for e in storage.outbox_entries(
            OutboxStatus.NO_RECIPIENT)], "newest first")
        _equal(["d"], [e.key for e in storage.outbox_entries(OutboxStatus.NO_RECIPIENT, 1)],
               "limit")
        _equal(["c"], [e.key for e in storage.outbox_entries(OutboxStatus.PENDING)],
               "pending")
        _equal([], storage.outbox_entries(OutboxStatus.NO_RECIPIENT, 10, frozenset({"xa-9"})),
               "another organisation's")
        _equal(["d", "b", "a"], [e.key for e in storage.outbox_entries(
            "no_recipient", 10, frozenset({sample_notification("a").organisation_id}))],  # type: ignore[arg-type] # a value is accepted
            "its organisation's, status given as its value")
        _raises(InvalidInputError, storage.outbox_entries, "sent")
        for bad in (0, -1, True):
            _raises(InvalidInputError, storage.outbox_entries, OutboxStatus.PARKED, bad)

    def test_mark_delivered_rejects_what_does_not_settle(self, storage: Storage) -> None:
        """A status that is not a settled one, or deliveries that are not Delivery
        records, are InvalidInputError and leave the row leased and pending."""
        _queue(storage, "a")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        for status in (OutboxStatus.PENDING, OutboxStatus.PARKED, "sent"):
            _raises(InvalidInputError, storage.mark_delivered, "a", "w1", status=status)
        for deliveries in ("petitioner:phone", [("petitioner:phone", "sms")]):
            _raises(InvalidInputError, storage.mark_delivered, "a", "w1",
                    deliveries=deliveries)
        _equal(_stats(pending=1), storage.outbox_stats(), "nothing changed")
        _held(storage.mark_delivered("a", "w1"), "the lease is still held")

    def test_parked_rows_are_listed_with_their_error(self, storage: Storage) -> None:
        """parked_notifications lists parked rows only, oldest first, with the attempts
        and the last error, at most ``limit``."""
        _queue(storage, "a", "b", "c")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _held(storage.mark_failed("c", "w1", "550 no such user", None), "parked c")
        _held(storage.mark_failed("a", "w1", "HTTP 400", None), "parked a")
        parked = storage.parked_notifications()
        _equal([("a", 1, "HTTP 400"), ("c", 1, "550 no such user")],
               [(e.key, e.attempts, e.last_error) for e in parked], "parked rows")
        _equal({OutboxStatus.PARKED}, {e.status for e in parked}, "their status")
        _equal(["a"], [e.key for e in storage.parked_notifications(limit=1)], "limit")
        for bad in (0, -1, True, "2"):
            _raises(InvalidInputError, storage.parked_notifications, bad)

    def test_requeue_makes_a_parked_row_claimable_again(self, storage: Storage) -> None:
        """requeue puts a parked row back, due at once with its attempts reset; a row that
        is not parked is left alone (False); an unknown key is NotFoundError."""
        _queue(storage, "a", "b")
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 1)
        _held(storage.mark_failed("a", "w1", "HTTP 400", None), "parked")
        _held(storage.requeue("a"), "requeued")
        _lost(storage.requeue("a"), "already pending")
        _lost(storage.requeue("b"), "never parked")
        _raises(NotFoundError, storage.requeue, "nope")
        _equal([], storage.parked_notifications(), "nothing parked")
        _equal(["a", "b"], [n.key for n in storage.pending_notifications()], "pending, in order")
        claimed = storage.claim_notifications("w2", T0, dt.timedelta(minutes=1), 10)
        _equal([("a", 1, "w2"), ("b", 1, "w2")],
               [(e.key, e.attempts, e.lease_owner) for e in claimed], "claimed afresh")

    # --- pruning (issue 17) ----------------------------------------------------------------

    def test_prune_deletes_only_settled_rows_written_before_the_day(self, storage: Storage,
                                                                    ) -> None:
        """Delivered, logged and unaddressed rows written before ``before`` go; pending and
        parked rows stay however old, and so do settled rows written that day or later."""
        old, new = T0 - dt.timedelta(days=100), T0
        _written(storage, (old, "d"), (old, "l"), (old, "n"), (old, "p"), (old, "w"),
                 (new, "d2"))
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _held(storage.mark_delivered("d", "w1"), "d")
        _held(storage.mark_delivered("l", "w1", status=OutboxStatus.LOGGED), "l")
        _held(storage.mark_delivered("n", "w1", status=OutboxStatus.NO_RECIPIENT), "n")
        _held(storage.mark_failed("p", "w1", "bad address", None), "p parked")
        _held(storage.mark_delivered("d2", "w1"), "d2")
        _equal(3, storage.prune_outbox(T0.date()), "pruned")
        _equal(_stats(pending=1, parked=1, delivered=1), storage.outbox_stats(), "left")
        _equal(["w"], [n.key for n in storage.pending_notifications()], "pending kept")
        _equal(["p"], [e.key for e in storage.parked_notifications()], "parked kept")
        _equal(["d2"], [e.key for e in storage.outbox_entries(OutboxStatus.DELIVERED)],
               "the newer delivered row kept")
        _equal(0, storage.prune_outbox(T0.date()), "nothing left to prune")

    def test_a_pruned_key_is_never_queued_again(self, storage: Storage) -> None:
        """A commit of a notification whose row was pruned skips it and counts 0, as if
        the row were still there (the sweep repeats an overdue notice's key every day)."""
        _written(storage, (T0, "overdue"))
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        _held(storage.mark_delivered("overdue", "w1"), "delivered")
        _equal(1, storage.prune_outbox(T0.date() + dt.timedelta(days=1)), "pruned")
        later = attrs.evolve(sample_notification("overdue"),
                             created_at=T0 + dt.timedelta(days=200))
        _equal(1, storage.commit(Changeset(records=(), notifications=(
            later, sample_notification("fresh")))), "only the fresh key counted")
        _equal(["fresh"], [n.key for n in storage.pending_notifications()], "pending")
        _equal(_stats(pending=1), storage.outbox_stats(), "stats")

    def test_prune_takes_the_oldest_first_up_to_limit(self, storage: Storage) -> None:
        """At most ``limit`` rows per call, the earliest days first; the count says when
        none are left."""
        days = [T0 - dt.timedelta(days=n) for n in (5, 50, 20)]
        _written(storage, *((day, f"k{n}") for n, day in enumerate(days)))
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        for n in range(3):
            _held(storage.mark_delivered(f"k{n}", "w1"), f"k{n}")
        _equal(2, storage.prune_outbox(T0.date(), 2), "first call")
        _equal(["k0"], [e.key for e in storage.outbox_entries(OutboxStatus.DELIVERED)],
               "the most recent is left")
        _equal(1, storage.prune_outbox(T0.date(), 2), "second call")
        _equal(0, storage.prune_outbox(T0.date(), 2), "third call")

    def test_prune_counts_days_in_vietnam(self, storage: Storage) -> None:
        """A notice written at 00:30 on 2 June in Hà Nội (17:30 UTC on 1 June) was written
        on 2 June: a prune of the days before 2 June keeps it."""
        late = dt.datetime(2021, 6, 1, 17, 30, tzinfo=dt.UTC)
        _written(storage, (late, "a"), (late - dt.timedelta(hours=1), "b"))
        storage.claim_notifications("w1", T0, dt.timedelta(minutes=1), 10)
        for key in ("a", "b"):
            _held(storage.mark_delivered(key, "w1"), key)
        _equal(1, storage.prune_outbox(dt.date(2021, 6, 2)), "only b, of 1 June")
        _equal(["a"], [e.key for e in storage.outbox_entries(OutboxStatus.DELIVERED)], "kept")

    def test_prune_rejects_bad_arguments(self, storage: Storage) -> None:
        """``before`` must be a date (not a datetime), ``limit`` 1-10000."""
        for before in (T0, "2021-06-01", None):
            _raises(InvalidInputError, storage.prune_outbox, before)
        for limit in (0, -1, 10_001, True, 2.0):
            _raises(InvalidInputError, storage.prune_outbox, T0.date(), limit)


def _written(storage: Storage, *notes: tuple[dt.datetime, str]) -> None:
    """Commit one notification per ``(created_at, key)``, in order."""
    storage.commit(Changeset(records=(), notifications=tuple(
        sample_notification(key, created_at=at) for at, key in notes)))


def _stats(**counts: int) -> dict[str, int]:
    """What ``outbox_stats`` returns: every status, 0 unless given."""
    return {**dict.fromkeys((s.value for s in OutboxStatus), 0), **counts}


def _held(settled: bool, what: str) -> None:
    """The worker held the lease: ``mark_*`` returned True."""
    _equal(True, settled, what)  # noqa: FBT003 - the value compared


def _lost(settled: bool, what: str) -> None:
    """The worker did not hold the lease: ``mark_*`` returned False and changed nothing."""
    _equal(False, settled, what)  # noqa: FBT003 - the value compared


def _queue(storage: Storage, *keys: str) -> None:
    """Commit one new submission per key, each with one notification."""
    taken = {n.key for n in storage.pending_notifications()}
    for key in keys:
        if key in taken:
            continue
        storage.commit(_new(sample_submission(f"q-{key}"), notes=[sample_notification(key)]))
