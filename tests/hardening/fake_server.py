"""A stand-in server for the supervisor tests: ``python fake_server.py PORT [--standby]`` answers
``GET /`` with 200; with ``--standby`` it waits for promotion before it binds, as the real ones do."""
from __future__ import annotations

import http.server
import sys

from core import standby


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


if __name__ == "__main__":
    if standby.take_flag():
        standby.wait_for_promotion()
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
