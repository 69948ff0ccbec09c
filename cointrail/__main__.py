"""``python -m cointrail`` runs the command line."""

from cointrail.cli import run

run()
