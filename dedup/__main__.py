"""``python -m dedup`` runs the command-line interface."""

from .cli import main

main()
