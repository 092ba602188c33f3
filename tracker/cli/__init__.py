"""The `tracker` command: parses arguments, calls the pipeline, prints. One module per group of commands.

Exit codes: 0 success; 1 the work ran but something failed (a check, a delivery); 2 bad usage or config;
3 the database cannot be used.
"""

# Importing a command module registers its commands on the group.
from tracker.cli import (  # noqa: F401
    checking,
    database,
    demo,
    imports,
    mail,
    notifying,
    records,
    service,
    trying,
    variants,
    web,
)
from tracker.cli.app import EXIT_DATABASE, EXIT_FAILED, EXIT_USAGE, cli

__all__ = ["EXIT_DATABASE", "EXIT_FAILED", "EXIT_USAGE", "cli", "main"]


def main() -> None:
    # The name in usage lines and --version, however it was started (`python -m tracker.cli` too).
    cli(prog_name="tracker")
