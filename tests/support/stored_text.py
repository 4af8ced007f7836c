"""Reading back what a store wrote, for the tests that check personal data stays out of it."""
from __future__ import annotations

from pathlib import Path

# A secret this short is searched for in the stored strings only, not in a file's raw bytes: four
# digits such as a phone's middle 8765 turn up by chance in timestamps and ids (tests failed so).
MIN_RAW_SEARCH_CHARS = 5


def texts_in(value: object) -> list[str]:
    """Every string a decoded event holds, but not its numbers and message ids."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() if key != "message_id" for text in texts_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts_in(item)]
    return []


def stored_bytes(directory: Path, prefix: str) -> bytes:
    """The bytes of every file in ``directory`` whose name starts with ``prefix`` (a SQLite
    database with its write-ahead log and shared memory)."""
    return b"".join(path.read_bytes() for path in directory.iterdir() if path.name.startswith(prefix))
