"""``python -m submissions``: the staff command line (see submissions.cli)."""
import logging
import sys

from submissions.cli import run

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(run())
