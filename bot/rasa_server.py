"""The Rasa server's command line (``python -m bot.rasa_server run …``): Rasa's own ``rasa``
command, after installing the fix in :mod:`bot.action_results`."""
from __future__ import annotations

import sys


def main() -> None:
    from bot.action_results import use_cached_action_response_validator

    use_cached_action_response_validator()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
