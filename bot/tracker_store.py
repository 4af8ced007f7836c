"""Rasa's SQL tracker store, with mobile and ID numbers masked before a transcript is stored.

Citizens type their mobile and ID numbers into the chat; transcripts are kept and may be read by
staff, so every user and bot text (and the NLU copies of it) is stored with those numbers masked.
The conversation in progress is unaffected: Rasa keeps the current message in memory.
"""
from __future__ import annotations

import json
from typing import Any, Dict

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from submissions.masking import redact_personal_numbers

_TEXT_KEYS = ("text", "original_text")


def redact_event_data(data: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of one serialised event with personal numbers masked in its texts."""
    redacted = dict(data)
    for key in _TEXT_KEYS:
        if isinstance(redacted.get(key), str):
            redacted[key] = redact_personal_numbers(redacted[key])
    parse_data = redacted.get("parse_data")
    if isinstance(parse_data, dict):
        redacted["parse_data"] = redact_event_data(parse_data)
        entities = parse_data.get("entities")
        if isinstance(entities, list):
            redacted["parse_data"]["entities"] = [
                {**e, "value": redact_personal_numbers(e["value"])} if isinstance(e.get("value"), str) else e
                for e in entities
            ]
    return redacted


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose stored events never hold a full mobile or ID number."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event_data(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
