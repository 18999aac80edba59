"""``python -m dialogue_flow_web hash-password``."""

from ._cli import main

main(prog_name="python -m dialogue_flow_web")
