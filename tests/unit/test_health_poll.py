"""The supervisor's health poll answers "not healthy" for anything that is not an HTTP 200.

While a server is still loading, nothing listens on its port, and a connection to a local port
in the ephemeral range can meet itself (TCP simultaneous open): the poll then reads back its own
request, ``GET /health HTTP/1.1``, as the status line. That must count as "not yet", not end the
start-up with an exception.
"""
from __future__ import annotations

import socket
import threading
from typing import Iterator

import pytest

from launch.supervisor import is_healthy


@pytest.fixture
def echoing_port() -> Iterator[int]:
    """A port whose listener sends every request straight back, as a self-connected socket does."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def echo_once() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(connection.recv(4096))

    thread = threading.Thread(target=echo_once, daemon=True)
    thread.start()
    yield port
    listener.close()
    thread.join(timeout=5)


def test_a_poll_that_reads_back_its_own_request_is_not_healthy(echoing_port: int) -> None:
    assert is_healthy(f"http://127.0.0.1:{echoing_port}/health") is False


def test_nothing_listening_is_not_healthy() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert is_healthy(f"http://127.0.0.1:{port}/health") is False
