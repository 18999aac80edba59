"""The storage contract for requests about personal data (issue 17): access log entries
appended all or nothing, numbered in order, read back equal and filtered as
:meth:`AccessQuery.matches` says; the outbox rows about one record; submissions found by
their petitioner's bucket (``SubmissionQuery.petitioner_key``)."""

from __future__ import annotations

import datetime as dt
import random

import attrs

from dialogue_flow import (
    VIETNAM_TZ,
    AccessEntry,
    Delivery,
    InvalidInputError,
    Petitioner,
    Redaction,
)
from dialogue_flow._petitioner_match import petitioner_keys
from dialogue_flow.storage import (
    AccessQuery,
    Changeset,
    OutboxStatus,
    Storage,
    SubmissionQuery,
)

from ._fakes import sample_notification, sample_submission, sample_transition
from ._support import _equal, _raises, _rng, _true

_T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=VIETNAM_TZ)
_ORGANISATIONS = ("xa-mot", "xa-hai", "tinh")
_ACTORS = ("chair-1", "office-1", "office-2")
_RECORDS = tuple(f"sub-{n:03d}" for n in range(12))


def _entry(at: dt.datetime = _T0, *, actor_id: str = "office-1",
           organisation_id: str = "xa-mot", purpose: str = "report",
           record_ids: tuple[str, ...] = ("sub-001",)) -> AccessEntry:
    return AccessEntry(at=at, actor_id=actor_id, organisation_id=organisation_id,
                       purpose=purpose, record_ids=record_ids)


def _random_entry(rng: random.Random) -> AccessEntry:
    # Instants in two offsets: a backend compares instants, not their text.
    offset = rng.choice([VIETNAM_TZ, dt.UTC])
    at = (_T0 + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 20))).astimezone(offset)
    return _entry(at, actor_id=rng.choice(_ACTORS),
                  organisation_id=rng.choice(_ORGANISATIONS),
                  purpose=rng.choice(["report", "find", "export", "erase"]),
                  record_ids=tuple(rng.sample(_RECORDS, rng.randint(1, 4))))


def _random_query(rng: random.Random, count: int) -> AccessQuery:
    def instant() -> dt.datetime | None:
        if rng.random() < 0.6:
            return None
        return _T0 + dt.timedelta(minutes=rng.randint(-60, 60 * 24 * 21))

    return AccessQuery(
        organisations=None if rng.random() < 0.5 else frozenset(
            rng.sample([*_ORGANISATIONS, "khac"], rng.randint(0, 2))),
        actor_id=None if rng.random() < 0.6 else rng.choice([*_ACTORS, "nobody"]),
        record_ids=None if rng.random() < 0.6 else frozenset(
            rng.sample([*_RECORDS, "sub-none"], rng.randint(0, 3))),
        since=instant(), before=instant(),
        after=None if rng.random() < 0.6 else rng.randint(1, count + 1),
        limit=rng.choice([0, 1, 5, 100]))


class AccessLogContract:
    """The access log: an append-only list of who read which records' personal data."""

    def test_access_log_is_empty_at_first(self, storage: Storage) -> None:
        """A new store has read nothing."""
        _equal([], storage.access_log(AccessQuery()), "a new store's access log")

    def test_entries_read_back_equal_and_numbered_in_order(self, storage: Storage) -> None:
        """Each entry comes back as written, with a seq that increases in the order the
        entries were given, across appends."""
        first = storage.log_access([_entry(), _entry(purpose="find", record_ids=("a", "b"))])
        second = storage.log_access([_entry(actor_id="chair-1")])
        seqs = [e.seq for e in (*first, *second)]
        _true(all(isinstance(s, int) for s in seqs) and seqs == sorted(set(seqs)),  # type: ignore[type-var]
              f"seqs increase: {seqs}")
        _equal([attrs.evolve(e, seq=None) for e in (*first, *second)],
               [_entry(), _entry(purpose="find", record_ids=("a", "b")),
                _entry(actor_id="chair-1")], "the entries as given")
        _equal([*first, *second], storage.access_log(AccessQuery()), "read back")

    def test_instants_compare_across_offsets(self, storage: Storage) -> None:
        """An entry written in UTC is found by a period given in Vietnamese time, and the
        instant reads back equal (whatever offset the backend answers in)."""
        at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hà Nội
        storage.log_access([_entry(at)])
        found = storage.access_log(AccessQuery(since=_T0, before=_T0 + dt.timedelta(hours=1)))
        _equal([at], [e.at for e in found], "entries of 08:00-09:00 (UTC+7)")
        _equal([], storage.access_log(AccessQuery(since=_T0 + dt.timedelta(hours=1))),
               "entries from 09:00")

    def test_an_append_is_all_or_nothing(self, storage: Storage) -> None:
        """An item that is not an AccessEntry refuses the whole append."""
        _raises(InvalidInputError, storage.log_access, [_entry(), "sub-001"])
        _equal([], storage.access_log(AccessQuery()), "after a refused append")
        _equal([], storage.log_access([]), "an empty append")

    def test_queries_match_the_reference(self, storage: Storage) -> None:
        """Random filters over random entries answer what AccessQuery.matches says, by
        seq, at most limit."""
        rng = _rng(17)
        stored = storage.log_access([_random_entry(rng) for _ in range(60)])
        for _ in range(120):
            query = _random_query(rng, len(stored))
            expected = [e for e in stored if query.matches(e)][:query.limit]
            _equal(expected, storage.access_log(query), f"access_log({query!r})")

    def test_record_notifications_are_that_records_only(self, storage: Storage) -> None:
        """The outbox rows about one record, oldest first, with their status and
        deliveries; not those of a record whose id begins the same, nor of another kind."""
        notes = [sample_notification("submission:sub-1:v1:received", record_id="sub-1"),
                 sample_notification("submission:sub-10:v1:received", record_id="sub-10"),
                 sample_notification("submission:sub-1:overdue:2026-03-02",
                                     record_id="sub-1"),
                 attrs.evolve(sample_notification("dialogue:sub-1:conclusion"),
                              kind="dialogue", record_id="sub-1")]
        storage.commit(Changeset((), notifications=tuple(notes)))
        claimed = storage.claim_notifications("w", _T0, dt.timedelta(minutes=5), limit=1)
        _equal([notes[0].key], [e.key for e in claimed], "the oldest row claimed")
        reached = (Delivery("petitioner:phone", "sms"),)
        storage.mark_delivered(notes[0].key, "w", deliveries=reached)
        found = storage.record_notifications("submission", "sub-1")
        _equal([(notes[0], OutboxStatus.DELIVERED, reached),
                (notes[2], OutboxStatus.PENDING, ())],
               [(e.notification, e.status, e.deliveries) for e in found],
               "the rows about submission sub-1")
        _equal([], storage.record_notifications("submission", "sub-2"), "a record without")

    def test_submissions_by_petitioner_bucket(self, storage: Storage) -> None:
        """A bucket finds the submissions whose petitioner has it (phone, contacts, e-mail,
        name), never a redacted one, with the other filters, as SubmissionQuery.matches
        says; a bucket nobody has finds nothing."""
        petitioners = [
            Petitioner("Nguyễn Văn A", phone="0912 345 678"),
            Petitioner("nguyễn văn a", contacts={"zalo": "+84912345678"}),
            Petitioner("Trần B", email="B@Example.VN"),
            Petitioner(group="Tổ 3", name="Lê C", members=3),
            Petitioner.anonymous(),
            Petitioner("Nguyễn Văn A", phone="0912345678").redacted(Redaction.ERASED),
        ]
        records = [attrs.evolve(sample_submission(f"sub-{n}"), petitioner=p,
                                organisation_id=_ORGANISATIONS[n % 2])
                   for n, p in enumerate(petitioners)]
        storage.commit(Changeset(tuple((r, 0) for r in records),
                                 tuple(sample_transition(r, event="create") for r in records)))
        keys = {k for p in petitioners for k in (petitioner_keys(p) or "").split()}
        _true(len(keys) >= 6, f"buckets of the petitioners: {sorted(keys)}")
        for key in [*sorted(keys), "p0000" if "p0000" not in keys else "pffff"]:
            for organisations in (None, frozenset({_ORGANISATIONS[0]})):
                query = SubmissionQuery(petitioner_key=key, organisations=organisations,
                                        limit=100)
                _equal([r.id for r in records if query.matches(r)],
                       [s.id for s in storage.find_submissions(query)], f"bucket {key}")
                _equal(sum(1 for r in records if query.within(r)),
                       storage.count_submissions(query), f"count of bucket {key}")
