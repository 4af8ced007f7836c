"""``python -m web``: serve the web service on ``BIND_HOST:WEB_PORT``."""
from __future__ import annotations

import logging

from aiohttp import web

from core.settings import settings
from web.app import create_app


def main() -> None:
    cfg = settings()
    logging.basicConfig(level=cfg.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(cfg), host=cfg.bind_host, port=cfg.web_port, print=None)


if __name__ == "__main__":
    main()
