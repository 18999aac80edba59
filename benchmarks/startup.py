"""Start-up time of ``dialogue-flow --help`` with every plugin of plugins/ installed.

Run: ``uv run python benchmarks/startup.py [--runs 15] [--no-bytecode]``.

Each command runs ``--runs`` times, each time in a fresh process (after one warm-up run that
is not counted), interleaved round-robin so that a change of the machine's speed during the
run hits every command alike. Printed per command: the median and the minimum wall time,
and the median above ``python -c pass`` (the interpreter's own start). The references show
the floor under ``--help``: the interpreter, click (which ``--help`` needs to print
anything) and ``import dialogue_flow`` (the façade, which every ``dialogue_flow.*`` module,
the command line included, imports first). Then where one ``--help`` run spends its import
time, by top-level package (``-X importtime``), and the target: ``--help`` median <= 0.25 s.

Bytecode decides these figures more than anything else: compiling dialogue_flow, click,
attrs and cattrs from source takes longer than running them. By default the commands read
and write bytecode under a temporary ``PYTHONPYCACHEPREFIX`` (the warm-up run writes it),
as an installed package does (pip compiles at install; Python caches at the first import
otherwise). ``--no-bytecode`` keeps ``PYTHONDONTWRITEBYTECODE`` as it is here (``uv run``
without compiled bytecode and ``PYTHONDONTWRITEBYTECODE=1``: every run compiles every
module that has no ``.pyc``), the cost a contributor sees in such an environment.

``--help`` lists the commands of the plugins the settings file names (issue 16: installed
plugins run only when named), so it is timed twice: without settings (no plugin loaded)
and with a settings file naming every installed plugin (``--config``), the case the target
is for; a plugin must import its heavy dependencies (psycopg, smtplib, http.client) only
when its hook runs (issue 12). ``tests/test_startup.py`` checks which modules stay
unloaded; this measures.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py, which would shadow the standard library's calendar.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.25
BARE_HELP = "dialogue-flow --help"
HELP = "dialogue-flow --config all --help"


def commands(settings: Path) -> dict[str, list[str]]:
    """What is timed, by label: the references, then the command line (``settings`` names
    every installed plugin)."""
    python = sys.executable
    script = str(Path(python).with_name("dialogue-flow"))
    return {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import click"': [python, "-c", "import click"],
        'python -c "import dialogue_flow"': [python, "-c", "import dialogue_flow"],
        BARE_HELP: [script, "--help"],
        HELP: [script, "--config", str(settings), "--help"],
    }


def every_plugin(folder: Path) -> Path:
    """A settings file naming every installed ``dialogue_flow`` plugin."""
    names = sorted(ep.name for ep in importlib.metadata.entry_points(group="dialogue_flow"))
    path = folder / "dialogue-flow.toml"
    path.write_text("".join(f'[[plugin]]\nname = "{name}"\n' for name in names),
                    encoding="utf-8")
    return path


def installed_plugins() -> tuple[list[str], list[str]]:
    """The distributions of plugins/ installed here (name and version), and those missing."""
    found, missing = [], []
    for project in sorted(ROOT.glob("plugins/*/pyproject.toml")):
        name = tomllib.loads(project.read_text(encoding="utf-8"))["project"]["name"]
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    return found, missing


def wall_time(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``argv`` to its exit; it must succeed."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_time_by_package(argv: list[str], env: dict[str, str],
                           top: int) -> list[tuple[float, str]]:
    """The ``top`` top-level packages by the import time (ms) spent in their own modules
    during one run of the script ``argv`` (``-X importtime`` self times, summed)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], env=env, check=True,
                          capture_output=True, text=True)
    spent: dict[str, float] = {}
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():  # the header, other lines
            continue
        package = fields[2].strip().split(".")[0]
        spent[package] = spent.get(package, 0.0) + int(fields[0]) / 1000
    return sorted(((ms, name) for name, ms in spent.items()), reverse=True)[:top]


def measure(runs: int, env: dict[str, str], settings: Path) -> dict[str, list[float]]:
    """``runs`` wall times per command, after one warm-up run each."""
    timed = commands(settings)
    for argv in timed.values():  # warms the disk cache and, with a prefix, the bytecode
        wall_time(argv, env)
    times: dict[str, list[float]] = {label: [] for label in timed}
    for _ in range(runs):
        for label, argv in timed.items():
            times[label].append(wall_time(argv, env))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="no bytecode cache of our own (see the module docstring)")
    args = parser.parse_args()

    found, missing = installed_plugins()
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"click {importlib.metadata.version('click')}")
    print(f"Plugins installed: {', '.join(found) or 'none'}")
    if missing:
        print(f"NOT installed (the figures below do not count): {', '.join(missing)}")
    print("load average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    with tempfile.TemporaryDirectory(prefix="dialogue-flow-pycache-") as prefix:
        env = dict(os.environ)
        if args.no_bytecode:
            bytecode = ("as this environment has it: PYTHONDONTWRITEBYTECODE="
                        f"{env.get('PYTHONDONTWRITEBYTECODE', '(unset)')}")
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = prefix
            bytecode = "cached (written by the warm-up run under a temporary prefix)"
        env.pop("DIALOGUE_FLOW_CONFIG", None)
        settings = every_plugin(Path(prefix))
        times = measure(args.runs, env, settings)
        by_package = import_time_by_package(commands(settings)[HELP], env, top=12)

    bare = statistics.median(times["python -c pass"])
    print(f"\n{args.runs} runs each, fresh processes, interleaved; bytecode {bytecode}\n")
    print(f"{'command':<34} {'median':>8} {'min':>8} {'median - python':>16}")
    for label, seconds in times.items():
        median = statistics.median(seconds)
        print(f"{label:<34} {median:>7.3f}s {min(seconds):>7.3f}s "
              f"{(median - bare) * 1e3:>13.0f} ms")
    print("\nload average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    print(f"\nWhere one `{HELP}` run spends its import time, by top-level package:")
    for ms, name in by_package:
        print(f"  {ms:>7.1f} ms  {name}")

    help_median = statistics.median(times[HELP])
    met = help_median <= TARGET_SECONDS and not missing
    print(f"\nTarget: `{HELP}` median <= {TARGET_SECONDS:.2f} s with every plugin named"
          f"{'' if not args.no_bytecode else ' (set for cached bytecode)'}")
    print(f"  {'PASS' if met else 'MISS'}  {help_median:.3f} s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
