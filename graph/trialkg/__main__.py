"""`python -m trialkg` is the `trialkg` command."""

from .cli import main

main()
