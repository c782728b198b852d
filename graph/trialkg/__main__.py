"""`python -m trialkg` is the `trialkg` command."""

from trialkg.cli.main import main

main()
