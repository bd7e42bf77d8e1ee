"""`python -m sli_rules` runs the command line (as `sli-rules` does)."""

from sli_rules.cli.main import main

main()
