"""The Rasa server's command line (``python -m bot.rasa_server run … [--standby]``): Rasa's own
``rasa`` command, after installing the fix in :mod:`bot.action_results`, the remembered event
classes of :func:`bot.tracker_store.remember_event_classes`, RulePolicy without its needless text
pass (:mod:`bot.rule_prediction`) and the changes in
:mod:`bot.rasa_hardening`, and with retried REST messages answered once (:mod:`bot.retried_messages`)."""
from __future__ import annotations

import sys


def main() -> None:
    from bot import rasa_hardening, retried_messages
    from bot.action_results import use_cached_action_response_validator
    from bot.rule_prediction import skip_impossible_text_pass
    from bot.tracker_store import remember_event_classes
    from core import standby
    from core.settings import settings

    use_cached_action_response_validator()
    remember_event_classes()
    skip_impossible_text_pass()
    retried_messages.install()
    rasa_hardening.install(settings(), is_standby=standby.take_flag())
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
