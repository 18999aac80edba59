"""Submission lifecycle throughput and memory: the façade against per-object state machines.

One run pushes ``--n`` submissions (default 100,000) through receive -> assign -> answer ->
close(reason=accepted) on the in-memory backend through the public façade, outside any
dialogue (``flow.receive(None, ...)``), so ``assign`` computes the legal due date at once.
That is 4 events per submission (``receive`` counts as one).

The façade does per event what a host gets: it checks the arguments and the actor, fires
the shared lifecycle, builds the new frozen record with ``attrs.evolve``, one
``TransitionRecord`` (the audit row) and one rendered ``Notification`` (the outbox row), and
commits them together in one ``Changeset`` (compare-and-set on the record's version).
Issue 12 sets its floor: at least 10,000 events/s, and still faster than the per-object
references below.

It reports events/s and the bytes each stored submission costs (tracemalloc: traced memory
after minus before, after a full collection, divided by the number of submissions), side by
side with the same lifecycle (same states, events and close guard, taken from
``dialogue_flow.SUBMISSION``) executed the way naive users do it:

(a) ``transitions``: one ``Machine`` per submission object;
(b) ``python-statemachine``: one ``StateMachine`` instance per submission object.

Both references keep their objects in a dict by id, look them up by id for every command as
the façade does, and append ``(event, source, dest)`` to an audit list.

Every measurement runs in a fresh subprocess (a big heap left by one run would slow the
garbage collector of the next). Timings run one after the other with the collector on, as
in production; then the tracemalloc runs (two at a time, collector off until the final
collection; tracemalloc slows Python several times, so they are never timed). Defaults keep
the whole run within about three minutes on 2 cores: the façade is timed on ``--n``
(100,000) submissions; the references (python-statemachine costs 1.5 ms per submission)
on ``--ref-n`` (10,000): rates are per event, and a smaller heap only flatters them;
memory is traced on ``--mem-n`` (20,000) submissions per backend, which is linear in the
count (pass ``--mem-n 100000`` to check: same bytes per submission within a few %).

``--profile`` adds a sampled profile of the façade path (where the time goes per event)
and cProfile's top functions.

Usage::

    uv run python benchmarks/lifecycle.py                  # about 3 minutes
    uv run python benchmarks/lifecycle.py --n 20000 --profile --no-memory
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import gc
import json
import os
import platform
import pstats
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Issue 12's floor for the façade on MemoryStorage (it was 25,000 before the storage
#: package replaced the stored-form fast path).
TARGET_EVENTS_PER_S = 10_000
EVENTS_PER_SUBMISSION = 4  # receive, assign, answer, close
WARMUP = 300
BACKENDS = ("facade", "transitions", "statemachine")
TITLES = {
    "facade": "dialogue_flow façade",
    "transitions": "transitions: Machine/object",
    "statemachine": "python-statemachine: SM/object",
}
INCLUDES = {
    "facade": (
        "DialogueFlow.receive/assign/answer/close on MemoryStorage: argument checks, "
        "authorisation (plugins + default rules), the shared transitions Machine, a new "
        "frozen attrs record per event built with attrs.evolve (validators), the legal due "
        "date on assign (policy + working-day calendar + explanation of skipped days), one "
        "TransitionRecord (audit row) and one rendered Notification (outbox row) per event, "
        "committed together as one Changeset per event (compare-and-set on version); "
        "records, audit trail and outbox rows all retained."
    ),
    "transitions": (
        "a plain mutable object (id, petitioner, topic, content, department, answer, "
        "close_reason) with its own transitions.Machine(model=obj, auto_transitions=False) "
        "built in receive; the close guard as a condition; objects in a dict by id; one "
        "(event, source, dest) tuple per event in an audit list. No due dates, no "
        "notifications, no versions, no validation, no immutability."
    ),
    "statemachine": (
        "the same plain object and audit list, with one python-statemachine StateMachine "
        "(the SUBMISSION declaration turned into State/transition objects, close guard as "
        "cond=) built per object in receive; events sent with sm.send(name). Same "
        "omissions as the transitions column."
    ),
}

TOPIC = "Đất đai"
DEPARTMENT = "Địa chính"
ANSWER = "Đã cấp giấy chứng nhận quyền sử dụng đất"
START = dt.date(2025, 3, 3)


def _inputs(i: int) -> tuple[str, str]:
    """Per-submission text (a new petitioner name and content for every submission)."""
    return f"Công dân {i}", f"Kiến nghị số {i}: sửa đường liên thôn"


# --- the façade ---------------------------------------------------------------------------


def _facade_setup() -> tuple[Any, Callable[[int, int], Any], Any]:
    from dialogue_flow import (  # noqa: PLC0415 - imported in the worker process only
        Actor,
        Channel,
        CloseReason,
        DialogueFlow,
        FixedClock,
        MemoryStorage,
        Petitioner,
        Role,
        SequentialIds,
    )

    intake = Actor("intake-1", "Tổ tiếp nhận", Role.INTAKE_DESK)
    chair = Actor("chair-1", "Bí thư Đảng ủy", Role.CHAIR)
    clerk = Actor("dc-1", "Cán bộ địa chính", Role.DEPARTMENT, department=DEPARTMENT)
    accepted = CloseReason.ACCEPTED
    written = Channel.WRITTEN

    def new_flow() -> Any:
        return DialogueFlow(MemoryStorage(), clock=FixedClock(START),
                            ids=SequentialIds(width=6))

    flow = new_flow()

    def run(first: int, count: int, f: Any = None) -> Any:
        f = flow if f is None else f
        s = None
        for i in range(first, first + count):
            name, content = _inputs(i)
            s = f.receive(petitioner=Petitioner(name), topic=TOPIC, content=content,
                          actor=intake, channel=written)
            s = f.assign(s.id, department=DEPARTMENT, actor=chair)
            s = f.answer(s.id, text=ANSWER, actor=clerk)
            s = f.close(s.id, outcome=accepted, actor=intake)
        return s

    run(0, WARMUP, new_flow())  # imports, caches, first-call paths; not the measured store
    return flow, run, new_flow


def _facade_check(flow: Any, n: int, last: Any) -> str:
    storage = flow.storage
    closed = flow.submissions(state="closed", limit=1)
    history = flow.history(last)
    notes = storage.pending_notifications()
    pending = len(notes)
    problems = []
    if (notes[-1].event, notes[-1].record_id) != ("closed", last.id) or (
            last.id not in notes[-1].subject):
        problems.append(f"last notification {notes[-1]!r}")
    if str(last.state) != "closed" or last.version != 4:
        problems.append(f"last submission is {last.state} v{last.version}")
    if [h.event for h in history] != ["receive", "assign", "answer", "close"]:
        problems.append(f"history {[h.event for h in history]}")
    if last.due is None:
        problems.append("no due date")
    if pending != EVENTS_PER_SUBMISSION * n:
        problems.append(f"{pending} outbox rows")
    if len(closed) != 1:
        problems.append("no closed submission found")
    return "; ".join(problems) or "ok"


# --- the references -----------------------------------------------------------------------


class _Payload:
    """What the references store per submission (mutable, as naive code does)."""

    def __init__(self, record_id: str, petitioner: Any, topic: str, content: str) -> None:
        self.id = record_id
        self.petitioner = petitioner
        self.topic = topic
        self.content = content
        self.department: str | None = None
        self.answer: str | None = None
        self.close_reason: Any = None


def _transitions_class() -> type:
    from transitions import Machine  # noqa: PLC0415

    from dialogue_flow import SUBMISSION  # noqa: PLC0415

    states = list(SUBMISSION.states)
    table = [
        {"trigger": e.name, "source": list(e.sources), "dest": e.dest,
         **({"conditions": f"guard_{e.name}"} if e.guard else {})}
        for e in SUBMISSION.events
    ]
    close_guard = SUBMISSION.event("close").guard

    class TransitionsSubmission(_Payload):
        def __init__(self, record_id: str, petitioner: Any, topic: str, content: str) -> None:
            super().__init__(record_id, petitioner, topic, content)
            self.state: str
            self.machine = Machine(model=self, states=states, transitions=table,
                                   initial=SUBMISSION.initial, auto_transitions=False)

        def guard_close(self, **arguments: Any) -> bool:
            return close_guard({"source": self.state, **arguments}) is None

        def fire(self, event: str, **arguments: Any) -> bool:
            return getattr(self, event)(**arguments)

    return TransitionsSubmission


def _statemachine_class() -> type:
    from statemachine import Event, State, StateMachine  # noqa: PLC0415

    from dialogue_flow import SUBMISSION  # noqa: PLC0415

    namespace: dict[str, Any] = {
        s: State(s, value=s, initial=s == SUBMISSION.initial) for s in SUBMISSION.states
    }
    for e in SUBMISSION.events:
        options = {"cond": f"guard_{e.name}"} if e.guard else {}
        moves = None
        for src in e.sources:
            move = (namespace[src].to(namespace[e.dest], **options) if e.dest is not None
                    else namespace[src].to.itself(internal=True, **options))
            moves = move if moves is None else moves | move
        # "prepare" is a reserved attribute of StateMachine: rename it in the reference
        # (the benchmark never sends it).
        name = e.name if e.name != "prepare" else "prepare_answer"
        namespace[f"ev_{name}"] = Event(moves, id=name)
        if e.guard is not None:
            def guard(_sm: Any, source: Any, _g: Any = e.guard, **arguments: Any) -> bool:
                return _g({"source": source.id, **arguments}) is None

            namespace[f"guard_{e.name}"] = guard
    machine_class = type(StateMachine)("ReferenceSubmission", (StateMachine,), namespace)

    class StateMachineSubmission(_Payload):
        def __init__(self, record_id: str, petitioner: Any, topic: str, content: str) -> None:
            super().__init__(record_id, petitioner, topic, content)
            self.state: str
            self.machine = machine_class(self)

        def fire(self, event: str, **arguments: Any) -> bool:
            self.machine.send(event, **arguments)
            return True

    return StateMachineSubmission


def _reference_setup(kind: str) -> tuple[Any, Callable[..., Any], Any]:
    from dialogue_flow import CloseReason, Petitioner  # noqa: PLC0415

    cls = _transitions_class() if kind == "transitions" else _statemachine_class()
    accepted = CloseReason.ACCEPTED

    def new_store() -> tuple[dict[str, Any], list[tuple[str, str | None, str]]]:
        return {}, []

    store = new_store()

    def run(first: int, count: int, s: Any = None) -> Any:
        objects, audit = store if s is None else s
        obj = None
        for i in range(first, first + count):
            name, content = _inputs(i)
            obj = cls(f"sub-{i + 1:06d}", Petitioner(name), TOPIC, content)
            objects[obj.id] = obj
            audit.append(("receive", None, obj.state))

            obj = objects[obj.id]
            source = obj.state
            if not obj.fire("assign"):
                raise RuntimeError("assign refused")
            obj.department = DEPARTMENT
            audit.append(("assign", source, obj.state))

            obj = objects[obj.id]
            source = obj.state
            if not obj.fire("answer"):
                raise RuntimeError("answer refused")
            obj.answer = ANSWER
            audit.append(("answer", source, obj.state))

            obj = objects[obj.id]
            source = obj.state
            if not obj.fire("close", reason=accepted):
                raise RuntimeError("close refused")
            obj.close_reason = accepted
            audit.append(("close", source, obj.state))
        return obj

    run(0, WARMUP, new_store())
    return store, run, new_store


def _reference_check(store: Any, n: int, last: Any) -> str:
    objects, audit = store
    problems = []
    if len(objects) != n or len(audit) != EVENTS_PER_SUBMISSION * n:
        problems.append(f"{len(objects)} objects, {len(audit)} audit rows")
    if last.state != "closed":
        problems.append(f"last object is {last.state}")
    return "; ".join(problems) or "ok"


# --- one measurement (in a worker process) ---------------------------------------------------


def _setup(backend: str) -> tuple[Any, Callable[..., Any], Callable[[Any, int, Any], str]]:
    if backend == "facade":
        flow, run, _ = _facade_setup()
        return flow, run, _facade_check
    store, run, _ = _reference_setup(backend)
    return store, run, _reference_check


def _worker(backend: str, mode: str, n: int) -> dict[str, Any]:
    store, run, check = _setup(backend)
    gc.collect()
    if mode == "time":
        started, cpu = time.perf_counter(), time.process_time()
        last = run(WARMUP, n)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        return {"seconds": seconds, "cpu": cpu, "check": check(store, n, last)}
    gc.disable()  # not timed; the final collection frees whatever cyclic garbage remains
    started = time.perf_counter()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    last = run(WARMUP, n)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {"bytes": after - before, "traced_seconds": time.perf_counter() - started,
            "check": check(store, n, last)}


def _spawn(backend: str, mode: str, n: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--worker", backend, mode, str(n)],
        stdout=subprocess.PIPE, text=True,
    )


def _collect(proc: subprocess.Popen[str], what: str) -> dict[str, Any]:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{what}: worker failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


# --- the profile of the façade path ----------------------------------------------------------

#: Where the façade's commands and their shared glue live.
_COMMAND_FILES = ("_flow.py", "_flow_core.py", "_submission_commands.py", "_checks.py")

#: (category, test on (file name, function name)); the innermost matching frame wins.
_CATEGORIES: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("transitions Event.trigger (machine)", lambda f, _n: "/transitions/" in f),
    ("Lifecycle.fire (our wrapper)", lambda f, _n: f.endswith("_lifecycle.py")),
    ("pluggy hooks (authorize, veto, after-commit)",
     lambda f, _n: "/pluggy/" in f or f.endswith("_plugins.py")),
    ("due date: calendar (explain skipped days)", lambda f, _n: f.endswith("_calendar.py")),
    ("due date: policy rule_for/compute", lambda f, _n: f.endswith("_policy.py")),
    ("attrs.evolve / asdict (copying records)",
     lambda f, n: "/attr/" in f and n in {"evolve", "asdict", "fields", "has"}),
    ("notification rendering (_notify, render)",
     lambda f, n: n in {"_notify", "render"} or f.endswith("_messages.py")),
    ("record construction (attrs __init__, validators, converters)",
     lambda f, _n: f.startswith("<attrs generated") or f.endswith(("_records.py", "enum.py"))),
    ("audit row building (_row)", lambda _f, n: n == "_row"),
    ("storage: MemoryStorage.commit, Changeset validators",
     lambda f, _n: "/dialogue_flow/storage/" in f.replace("\\", "/")),
    ("ids (SequentialIds)", lambda f, _n: f.endswith("_ids.py")),
    ("commands: checks, _change/_commit_new glue, _due_on_decision",
     lambda f, _n: f.endswith(_COMMAND_FILES)),
)
_COMMANDS = ("receive", "assign", "answer", "close")


def _classify(frame: Any) -> tuple[str, str]:
    category = command = ""
    while frame is not None:
        code = frame.f_code
        name, filename = code.co_name, code.co_filename
        if not category:
            for label, test in _CATEGORIES:
                if test(filename, name):
                    category = label
                    break
        if filename.endswith(_COMMAND_FILES) and name in _COMMANDS:
            command = name
        frame = frame.f_back
    return category or "benchmark driver / other", command or "driver"


def _sampled(run: Callable[[int, int], Any], n: int, interval: float) -> dict[str, Any]:
    """A statistical profile: a thread samples the main thread's stack every ``interval``."""
    main = threading.main_thread().ident
    samples: collections.Counter[tuple[str, str]] = collections.Counter()
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            frame = sys._current_frames().get(main)  # noqa: SLF001 - the sampling API
            if frame is not None:
                samples[_classify(frame)] += 1
            time.sleep(interval)

    gc_time = [0.0, 0.0]

    def on_gc(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            gc_time[1] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_time[1]

    old = sys.getswitchinterval()
    sys.setswitchinterval(interval / 2)
    thread = threading.Thread(target=sampler, daemon=True)
    gc.callbacks.append(on_gc)
    thread.start()
    started = time.perf_counter()
    run(WARMUP, n)
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    gc.callbacks.remove(on_gc)
    sys.setswitchinterval(old)
    return {"seconds": seconds, "gc": gc_time[0], "samples": samples}


def _profile(n: int) -> None:
    print(f"\n=== profile of the façade path ({n:,} submissions, {n * 4:,} events) ===")
    _, run, new_flow = _facade_setup()
    flow = new_flow()
    result = _sampled(lambda first, count: run(first, count, flow), n, 0.001)
    seconds, samples = result["seconds"], result["samples"]
    events = n * EVENTS_PER_SUBMISSION
    total = sum(samples.values()) or 1
    per_event = seconds / events * 1e6
    print(f"run: {seconds:.2f} s, {events / seconds:,.0f} events/s, {per_event:.1f} µs/event "
          f"(sampler running), of which garbage collection {result['gc']:.2f} s "
          f"({result['gc'] / seconds:.0%}, {result['gc'] / events * 1e6:.1f} µs/event, "
          "counted inside whatever allocated)")
    print(f"\nwhere the time goes ({total:,} stack samples; innermost matching frame wins; "
          "µs per event = share x run time / events):")
    by_category: collections.Counter[str] = collections.Counter()
    by_command: collections.Counter[str] = collections.Counter()
    for (category, command), count in samples.items():
        by_category[category] += count
        by_command[command] += count
    for category, count in by_category.most_common():
        share = count / total
        print(f"  {share:6.1%}  {share * per_event:6.1f} µs/event  {category}")
    print("\nby command (µs per call of that command):")
    for command in (*_COMMANDS, "driver"):
        share = by_command[command] / total
        print(f"  {command:8s} {share:6.1%}  {share * seconds / n * 1e6:7.1f} µs")
    print("\nby command x category (µs per call):")
    for command in _COMMANDS:
        rows = sorted(((c, k) for (k, cmd), c in samples.items() if cmd == command),
                      reverse=True)
        parts = [f"{k.split(' (')[0]} {c / total * seconds / n * 1e6:.1f}"
                 for c, k in rows if c / total * seconds / n * 1e6 >= 1]
        print(f"  {command:8s} " + "; ".join(parts))

    cn = max(n // 4, 1000)
    flow = new_flow()
    profiler = cProfile.Profile()
    profiler.enable()
    run(WARMUP, cn, flow)
    profiler.disable()
    print(f"\ncProfile, {cn:,} submissions, top 25 by own time (cProfile inflates small "
          "calls; use the sampled shares above for proportions):")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)


# --- the report -------------------------------------------------------------------------------


def _versions() -> str:
    from importlib import metadata  # noqa: PLC0415 - imports `calendar`: after _own_folder_off_path

    def v(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "missing"

    return (f"Python {platform.python_version()}, dialogue-flow {v('dialogue-flow')}, "
            f"transitions {v('transitions')}, python-statemachine {v('python-statemachine')}, "
            f"attrs {v('attrs')}, {os.cpu_count()} CPUs")


def _own_folder_off_path() -> None:
    """Run as a script, this folder comes first on sys.path, and its sibling
    ``benchmarks/calendar.py`` would shadow the standard library's ``calendar`` (imported by
    ``holidays`` and ``importlib.metadata``)."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]


def _measure(backends: tuple[str, ...], counts: dict[str, int], mem_counts: dict[str, int],
             *, memory: bool) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {b: {} for b in backends}
    for b in backends:  # one at a time: nothing else of ours runs while a timing runs
        done = results[b]
        done.update(_collect(_spawn(b, "time", counts[b]), f"{b} timing"))
        rate = counts[b] * EVENTS_PER_SUBMISSION / done["seconds"]
        print(f"  timed  {b:12s} {counts[b]:>8,} submissions in {done['seconds']:6.1f} s "
              f"({rate:,.0f} events/s; check: {done['check']})", flush=True)
    if memory:  # nothing is timed any more: two tracemalloc workers at a time
        queue = sorted(backends, key=lambda b: b != "statemachine")  # the longest first
        running: dict[str, subprocess.Popen[str]] = {}
        while queue or running:
            while queue and len(running) < 2:
                b = queue.pop(0)
                running[b] = _spawn(b, "memory", mem_counts[b])
            finished = next((b for b, p in running.items() if p.poll() is not None), None)
            if finished is None:
                time.sleep(0.2)
                continue
            results[finished].update(_collect(running.pop(finished), f"{finished} memory"))
            done = results[finished]
            print(f"  traced {finished:12s} {mem_counts[finished]:>8,} submissions in "
                  f"{done['traced_seconds']:6.1f} s (check: {done['check']})", flush=True)
    return results


def _report(backends: tuple[str, ...], counts: dict[str, int], mem_counts: dict[str, int],
            results: dict[str, dict[str, Any]], *, memory: bool) -> None:
    width = 32

    def row(label: str, cell: Callable[[str], str]) -> None:
        print(f"{label:30s}" + "".join(f"{cell(b):>{width}s}" for b in backends))

    def rate(b: str) -> float:
        return counts[b] * EVENTS_PER_SUBMISSION / results[b]["seconds"]

    def per_submission(b: str) -> float:
        return results[b]["bytes"] / mem_counts[b]

    print()
    row("", lambda b: TITLES[b])
    row("submissions timed", lambda b: f"{counts[b]:,}")
    row("events timed", lambda b: f"{counts[b] * EVENTS_PER_SUBMISSION:,}")
    row("seconds", lambda b: f"{results[b]['seconds']:.2f}")
    row("events/s", lambda b: f"{rate(b):,.0f}")
    row("µs per event", lambda b: f"{1e6 / rate(b):.1f}")
    row("µs per submission (4 events)", lambda b: f"{4e6 / rate(b):.1f}")
    row("events per CPU second",
        lambda b: f"{counts[b] * EVENTS_PER_SUBMISSION / results[b]['cpu']:,.0f}")
    if memory:
        row("submissions traced", lambda b: f"{mem_counts[b]:,}")
        row("bytes per stored submission", lambda b: f"{per_submission(b):,.0f}")
    print("\nwhat each column includes:")
    for b in backends:
        print(f"  {TITLES[b]}: {INCLUDES[b]}")
    print()
    if "facade" not in backends:
        return
    facade = rate("facade")
    verdict = "PASS" if facade >= TARGET_EVENTS_PER_S else "MISS"
    print(f"{verdict}  façade >= {TARGET_EVENTS_PER_S:,} events/s (issue 12's floor): "
          f"{facade:,.0f} events/s")
    for b in backends:
        if b == "facade":
            continue
        verdict = "PASS" if facade > rate(b) else "MISS"
        print(f"{verdict}  façade still faster than {TITLES[b]} (issue 12): {facade:,.0f} vs "
              f"{rate(b):,.0f} events/s (x{facade / rate(b):.2f})")
        if memory:
            print(f"info  bytes per submission, façade vs {TITLES[b]}: "
                  f"{per_submission('facade'):,.0f} vs {per_submission(b):,.0f} "
                  f"(x{per_submission('facade') / per_submission(b):.2f})")


def _main() -> None:
    _own_folder_off_path()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="façade submissions timed")
    parser.add_argument("--ref-n", type=int, default=10_000,
                        help="reference submissions timed (capped at --n)")
    parser.add_argument("--mem-n", type=int, default=20_000,
                        help="submissions per tracemalloc run (capped at each timed count)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--only", choices=BACKENDS, action="append",
                        help="run only this backend (repeatable)")
    parser.add_argument("--profile", action="store_true", help="profile the façade path")
    parser.add_argument("--profile-n", type=int, default=20_000)
    parser.add_argument("--worker", nargs=3, metavar=("BACKEND", "MODE", "N"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        backend, mode, n = args.worker
        print(json.dumps(_worker(backend, mode, int(n))))
        return

    backends = tuple(args.only or BACKENDS)
    counts = {b: args.n if b == "facade" else min(args.ref_n, args.n) for b in backends}
    mem_counts = {b: min(args.mem_n, counts[b]) for b in backends}
    print("dialogue_flow lifecycle benchmark")
    print(_versions())
    print("per submission: receive -> assign -> answer -> close(reason=accepted) = "
          f"{EVENTS_PER_SUBMISSION} events (receive counts as one); in-memory; gc enabled "
          f"while timed; {WARMUP} warm-up submissions into a separate store first; each "
          "measurement in a fresh process")
    print("load average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    wall = time.perf_counter()
    results = _measure(backends, counts, mem_counts, memory=not args.no_memory)
    _report(backends, counts, mem_counts, results, memory=not args.no_memory)
    print(f"total benchmark wall time: {time.perf_counter() - wall:.0f} s; load average at end: "
          "{:.2f} {:.2f} {:.2f} (above {} the timings share the CPUs with other work: compare "
          "'events per CPU second')".format(*os.getloadavg(), os.cpu_count()))
    if args.profile:
        _profile(min(args.profile_n, args.n))


if __name__ == "__main__":
    _main()
