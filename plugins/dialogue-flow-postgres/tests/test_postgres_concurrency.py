"""Many OS processes on one database: no lost update through the façade, and an outbox
drained by several dispatchers delivers every row exactly once under leases."""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import random
import time
from collections import Counter, defaultdict
from typing import Any

from dialogue_flow_postgres import PostgresStorage

from dialogue_flow import (
    Actor,
    DialogueFlow,
    FixedClock,
    Petitioner,
    Role,
    SequentialIds,
    SubmissionState,
    VersionConflictError,
    WorkCalendar,
)
from dialogue_flow.storage import Changeset, SubmissionQuery
from dialogue_flow.testing import sample_notification, sample_submission

START = dt.date(2021, 6, 1)
CHAIR = Actor("bt", "Bí thư Đảng ủy", Role.CHAIR)
SUBMISSIONS = 1_000
WORKERS = 4
COMMANDS_PER_WORKER = 150
#: Half of the commands go to this many submissions, so workers really collide.
HOT = 8


def _command(flow: DialogueFlow, rng: random.Random, sub: Any) -> Any:
    """A command allowed from ``sub``'s state, given the record read (optimistic lock)."""
    state = sub.state
    choices: list[str] = {
        SubmissionState.RECEIVED: ["assign", "answer", "escalate", "withdraw"],
        SubmissionState.ASSIGNED: ["assign", "answer", "escalate", "withdraw"],
        SubmissionState.ESCALATED: ["assign", "answer", "withdraw"],
        SubmissionState.ANSWERED: ["accept", "reopen"],
        SubmissionState.CLOSED: ["reopen"],
    }[state]
    match rng.choice(choices):
        case "assign":
            return flow.assign(sub, department=rng.choice(["Địa chính", "Tư pháp"]),
                               actor=CHAIR)
        case "answer":
            return flow.answer(sub, text="Đã trả lời.", actor=CHAIR)
        case "escalate":
            return flow.escalate(sub, competent_level="UBND huyện", actor=CHAIR)
        case "withdraw":
            return flow.close(sub, outcome="withdrawn", actor=CHAIR)
        case "accept":
            return flow.close(sub, outcome="accepted", actor=CHAIR)
        case _:
            return flow.reopen(sub, reason="Chưa thỏa đáng.", actor=CHAIR)


def _facade_worker(url: str, seed: int, ids: list[str], results: Any) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    storage = PostgresStorage.from_url(url, pool_max_size=2)
    flow = DialogueFlow(storage, calendar=WorkCalendar.vietnam(), clock=FixedClock(START))
    won: list[tuple[str, int]] = []
    conflicts = 0
    failures: list[str] = []
    try:
        for _ in range(COMMANDS_PER_WORKER):
            sub_id = rng.choice(ids[:HOT]) if rng.random() < 0.5 else rng.choice(ids)
            sub = flow.submission(sub_id)
            try:
                new = _command(flow, rng, sub)
            except VersionConflictError:
                conflicts += 1
                continue
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            won.append((new.id, new.version))
    finally:
        flow.shutdown()
        results.put((won, conflicts, failures))


def test_four_processes_lose_no_update(schema_url: str) -> None:
    """Four processes run random commands on the same 1,000 submissions through the
    façade: every successful command is exactly one new version, every lost race is a
    VersionConflictError, and each history is versions 1..n."""
    calendar = WorkCalendar.vietnam()
    with DialogueFlow(PostgresStorage.from_url(schema_url), calendar=calendar,
                      clock=FixedClock(START), ids=SequentialIds(4)) as flow:
        intake = Actor("tn", "Bộ phận tiếp nhận", Role.INTAKE_DESK)
        ids = [flow.receive(petitioner=Petitioner(name=f"Người {i}"), topic="đất đai",
                            content="Kiến nghị.", actor=intake).id
               for i in range(SUBMISSIONS)]
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_facade_worker, args=(schema_url, n, ids, results))
             for n in range(WORKERS)]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=180) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                p.join()
        results.close()
        results.join_thread()
    assert [p.exitcode for p in procs] == [0] * WORKERS
    assert [f for _, _, failures in outcomes for f in failures] == []
    won = [w for wins, _, _ in outcomes for w in wins]
    conflicts = sum(c for _, c, _ in outcomes)
    assert len(won) + conflicts == WORKERS * COMMANDS_PER_WORKER
    assert conflicts > 0, "the workers never collided: the test proves nothing"
    assert len(won) == len(set(won)), "two commands committed the same version"
    per_record = Counter(record_id for record_id, _ in won)
    with PostgresStorage.from_url(schema_url) as storage:
        stored = {s.id: s for s in storage.find_submissions(SubmissionQuery(limit=10_000))}
        assert sorted(ids) == sorted(stored)
        for record_id, sub in stored.items():
            assert 1 + per_record[record_id] == sub.version, record_id
        by_record: dict[str, set[int]] = defaultdict(set)
        for record_id, version in won:
            by_record[record_id].add(version)
        for record_id in {*ids[:HOT], *per_record}:
            versions = [row.version for row in storage.history("submission", record_id)]
            assert [*range(1, stored[record_id].version + 1)] == versions, record_id
            assert {*range(2, stored[record_id].version + 1)} == by_record[record_id]


# --- the outbox: three dispatchers -----------------------------------------------------------

ROWS = 600
LEASE = dt.timedelta(milliseconds=250)


def _dispatcher(url: str, name: str, seed: int, results: Any) -> None:
    """Claim, "deliver" (sometimes too slowly: the lease runs out), mark delivered."""
    rng = random.Random(seed)  # noqa: S311 - test data
    claims: list[tuple[str, dt.datetime, dt.datetime]] = []
    settled: list[tuple[str, bool]] = []
    with PostgresStorage.from_url(url, pool_max_size=1) as storage:
        while True:
            now = dt.datetime.now(dt.UTC)
            batch = storage.claim_notifications(name, now, LEASE, 5)
            if not batch:
                if storage.outbox_stats()["pending"] == 0:
                    break
                time.sleep(0.01)
                continue
            claims += [(entry.key, now, entry.lease_until) for entry in batch]  # type: ignore[misc]
            for entry in batch:
                if rng.random() < 0.02:
                    time.sleep(LEASE.total_seconds() * 1.5)  # a slow channel
                settled.append((entry.key, storage.mark_delivered(entry.key, name)))
    results.put((name, claims, settled))


def test_three_dispatchers_deliver_each_row_exactly_once(schema_url: str) -> None:
    """Three processes drain one outbox with short leases, some deliveries outliving their
    lease: each row is marked delivered by exactly one winner, and no row is ever leased
    to two dispatchers at once (each claim starts at or after the previous lease ends)."""
    keys = [f"n-{i:04d}" for i in range(ROWS)]
    with PostgresStorage.from_url(schema_url) as storage:
        for first in range(0, ROWS, 50):
            storage.commit(Changeset(
                records=((sample_submission(f"s-{first:04d}"), 0),),
                notifications=tuple(map(sample_notification, keys[first:first + 50]))))
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_dispatcher, args=(schema_url, f"d{n}", n, results))
             for n in range(3)]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                p.join()
        results.close()
        results.join_thread()
    assert [p.exitcode for p in procs] == [0, 0, 0]
    winners = Counter(key for _, _, settled in outcomes for key, ok in settled if ok)
    assert dict.fromkeys(keys, 1) == dict(winners)
    claims: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for name, got, _ in outcomes:
        for key, at, until in got:
            claims[key].append((at, until, name))
    for key, leases in claims.items():
        leases.sort()
        for (_at, until, who), (later, _, other) in itertools.pairwise(leases):
            assert later >= until, f"{key}: {other} claimed it while {who} held it"
    reclaimed = sum(len(leases) > 1 for leases in claims.values())
    assert all(len(got) > 0 for _, got, _ in outcomes), "every dispatcher took part"
    with PostgresStorage.from_url(schema_url) as storage:
        assert storage.outbox_stats() == {"pending": 0, "delivered": ROWS, "parked": 0,
                                          "logged": 0, "no_recipient": 0}
    # Not asserted (timing decides), but shown with -rA: leases that ran out were taken over.
    print(f"{reclaimed} rows claimed more than once after a lease ran out")  # noqa: T201
