"""``python -m web [--standby]``: serve the web service on ``BIND_HOST:WEB_PORT``."""
from __future__ import annotations

import logging
import sys

from aiohttp import web

from core import standby
from core.settings import settings
from web.app import create_app


def main() -> None:
    is_standby = standby.take_flag()
    try:
        cfg = settings()
    except ValueError as problem:  # a setting the service must not start with: say which, no traceback
        sys.exit(f"web 服务未启动，配置有误：{problem}")
    logging.basicConfig(level=cfg.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(cfg)
    if is_standby:
        standby.wait_for_promotion()
    web.run_app(app, host=cfg.bind_host, port=cfg.web_port, print=None)


if __name__ == "__main__":
    main()
