"""A REST message sent again after a lost reply is answered, not processed a second time.

A client whose connection broke while it waited for a reply (the Rasa server that had the turn
died, a proxy gave up) cannot know whether the turn was processed. It sends the message again
with the same ``message_id`` (a field of the REST body). Rasa runs every turn under the
conversation's lock (in Redis with several instances), and saves the conversation only once the
turn is complete; inside that lock, before processing, the stored conversation is read: when it
already holds a user message with this id, the turn is not run again and the assistant's messages
that followed it are sent back, as stored (personal data masked, see :mod:`bot.tracker_store`).
A turn that never completed left nothing stored, so its retry is processed as a new turn.

Installed by :mod:`bot.rasa_server` (``install``) before Rasa starts.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Event, UserUttered

from core.personal_data.masking import pseudonym

log = logging.getLogger(__name__)

HandleMessage = Callable[[MessageProcessor, UserMessage], Awaitable[Optional[List[Dict[Text, Any]]]]]


class ClientIdentifiedMessage(UserMessage):
    """A message whose ``message_id`` the client chose: it may arrive more than once."""


def earlier_replies(events: Iterable[Event], message_id: Text) -> Optional[List[Dict[Text, Any]]]:
    """The assistant's messages that answered the user message ``message_id``; None when the
    conversation holds no user message with that id."""
    replies: Optional[List[Dict[Text, Any]]] = None
    for event in events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break  # the next user message: the answer to ours is complete
            if event.message_id == message_id:
                replies = []
        elif isinstance(event, BotUttered) and replies is not None:
            replies.append(event.message())
    return replies


def answering_retries(handle_message: HandleMessage) -> HandleMessage:
    @functools.wraps(handle_message)
    async def handle(self: MessageProcessor, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
        if isinstance(message, ClientIdentifiedMessage):
            tracker = await self.tracker_store.retrieve(message.sender_id)
            replies = earlier_replies(tracker.events, message.message_id) if tracker else None
            if replies is not None:
                log.info("a message of %s arrived again; its earlier replies are sent back", pseudonym(message.sender_id))
                for reply in replies:
                    await message.output_channel.send_response(message.sender_id, reply)
                if isinstance(message.output_channel, CollectingOutputChannel):
                    return message.output_channel.messages
                return None
        return await handle_message(self, message)

    return handle


def install() -> None:
    """Answer retried messages from the stored conversation (once per process)."""
    if not getattr(MessageProcessor.handle_message, "answers_retries", False):
        handle = answering_retries(MessageProcessor.handle_message)
        handle.answers_retries = True  # type: ignore[attr-defined]
        MessageProcessor.handle_message = handle  # type: ignore[method-assign]
