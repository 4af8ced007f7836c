"""Reading the conversation's history from a tracker."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Text

from rasa_sdk import Tracker


def consecutive_runs_of(action_name: Text | Iterable[Text], events: Iterable[Dict[Text, Any]]) -> int:
    """How many of the latest user turns in a row were answered first by ``action_name`` (or by
    any of several action names).

    The current turn (the latest user message, not yet answered) counts as one.
    """
    names = {action_name} if isinstance(action_name, str) else set(action_name)
    runs = 0
    first_action_after: Text | None = None
    seen_current_turn = False
    for event in reversed(list(events)):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            first_action_after = event.get("name")
        elif event.get("event") == "user":
            if not seen_current_turn:
                seen_current_turn = True
                runs = 1
            elif first_action_after in names:
                runs += 1
            else:
                break
            first_action_after = None
    return runs


def intent_ranking(tracker: Tracker) -> List[Dict[Text, Any]]:
    return list(tracker.latest_message.get("intent_ranking") or [])
