"""Command-line commands that run the workflow: ``demo`` and ``diagram``."""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import DialogueFlowError
from ._lifecycle import DIALOGUE, SUBMISSION

__all__ = ["demo_command", "diagram_command"]


@click.command("demo")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file to write (default: a fresh dialogue-flow-demo.db here).")
@click.option("--lang", "language", type=click.Choice(["vi", "en"]), default="vi",
              show_default=True, help="Language of the timeline.")
def demo_command(db: Path | None, language: str) -> None:
    """Play the seed's 2021 plan of two dialogues on the embedded SQLite storage."""
    from ._demo import run_demo  # noqa: PLC0415 - keeps `dialogue-flow --help` fast

    path = db if db is not None else Path("dialogue-flow-demo.db")
    for suffix in ("", "-wal", "-shm"):  # a rerun starts from a fresh file
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    try:
        run_demo(f"sqlite:///{path}", language=language, echo=click.echo)
    except DialogueFlowError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"\n{'Dữ liệu' if language == 'vi' else 'Data'}: {path}")


@click.command("diagram")
@click.option("--lifecycle", type=click.Choice(["submission", "dialogue", "both"]),
              default="both", show_default=True)
def diagram_command(lifecycle: str) -> None:
    """Print the lifecycles as Mermaid state diagrams (generated from their declaration)."""
    chosen = [lc for lc in (SUBMISSION, DIALOGUE) if lifecycle in (lc.kind, "both")]
    click.echo("\n".join(lc.mermaid() for lc in chosen), nl=False)
