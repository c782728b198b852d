"""The `trialkg` command: the only code that knows click."""

from trialkg.cli.main import main

__all__ = ["main"]
