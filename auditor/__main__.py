"""Run the command line with `python -m auditor`."""

from auditor.cli import run

run()
