"""`python -m sli_rules.cli` runs the command line."""

from sli_rules.cli.main import main

main()
