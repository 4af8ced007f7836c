"""Several instances on one machine: ``CLUSTER_RASA`` Rasa servers and ``CLUSTER_ACTIONS`` action
servers behind nginx (``make cluster``, ``python -m launch.launcher cluster``).

nginx takes the single-instance addresses: ``BIND_HOST:RASA_PORT`` for citizens (REST, socket.io,
webhooks) and ``ACTION_BIND_HOST:ACTION_PORT`` for the Rasa servers' action endpoint. Rasa server
*k* listens on ``127.0.0.1:RASA_PORT+k``, action server *k* on ``127.0.0.1:ACTION_PORT+k``; one
web service (staff console, re-indexing) runs as in ``make run``. Every instance shares:

* the conversations: the tracker store (``TRACKER_STORE_URL``, PostgreSQL) and Rasa's lock
  store in Redis (``REDIS_URL``), so any Rasa server can take a conversation's next turn;
* the submissions database (``DATABASE_URL``, PostgreSQL), where filing is idempotent per form run;
* the knowledge index directory (``INDEX_DIR``) and the trained model.

Routing: REST and webhook turns go to the Rasa server with the fewest open requests; a server that
refuses connections (dead, restarting) is skipped. A request already sent to a server that dies
is not re-sent by nginx (a POST may have been processed): the client gets 502 and sends again,
with the same ``message_id`` the retry is answered without being processed twice
(:mod:`bot.retried_messages`). socket.io: a WebSocket opened directly (the widget) goes to any
server and stays there, since it is one connection; long-polling clients are kept on one server by
their address. Action calls go to any action server; one dropped by an action server that died is
repeated on another (filing is idempotent; a repeated status lookup may count a wrong try twice,
a repeated not-sure answer may be queued twice for staff).
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, TextIO

from sqlalchemy.engine import make_url

from core.settings import PROJECT_ROOT, Settings
from launch import launcher
from launch.rasa_files import write_runtime_files
from launch.supervisor import Service, Supervisor

NGINX_HEALTH_PATH = "/nginx-health"
INSTANCE_HEADER = "X-Assistant-Instance"  # which Rasa server answered (rasa-1 …), never its address
MAX_INSTANCES = 16
PROXY_TIMEOUT_SECONDS = 300  # a turn that waits for a conversation's lock, then runs its actions
ENSURE_NGINX = "bash scripts/ensure_system_packages.sh nginx"


@dataclass(frozen=True)
class Layout:
    """Ports of the instances behind nginx."""

    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]

    @classmethod
    def of(cls, settings: Settings) -> "Layout":
        return cls(tuple(settings.rasa_port + k for k in range(1, settings.cluster_rasa + 1)),
                   tuple(settings.action_port + k for k in range(1, settings.cluster_actions + 1)))

    def rasa_names(self) -> dict[int, str]:
        return {port: f"rasa-{k}" for k, port in enumerate(self.rasa_ports, start=1)}


def find_nginx() -> str | None:
    """nginx on PATH, or where Debian installs it (/usr/sbin is not on every user's PATH)."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def _is_postgresql(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except Exception:  # noqa: BLE001 - a malformed URL is reported as not PostgreSQL
        return False


def missing_requirements(settings: Settings, nginx: str | None) -> list[str]:
    """What this machine or configuration lacks for the cluster, one sentence each (Chinese / English)."""
    problems: list[str] = []
    for name, count in (("CLUSTER_RASA", settings.cluster_rasa), ("CLUSTER_ACTIONS", settings.cluster_actions)):
        if not 1 <= count <= MAX_INSTANCES:
            problems.append(f"{name} 应为 1 到 {MAX_INSTANCES} 之间的整数（现为 {count}） / "
                            f"{name} must be 1–{MAX_INSTANCES}")
    if not settings.redis_url:
        problems.append("未设置 REDIS_URL：多个 Rasa 服务器要用 Redis 共享会话锁，例如 REDIS_URL=redis://127.0.0.1:6379/0 / "
                        "REDIS_URL is not set: the Rasa servers share conversation locks in Redis")
    else:
        problem = _redis_problem(settings.redis_url)
        if problem:
            problems.append(f"无法连接 REDIS_URL（{problem}） / cannot reach REDIS_URL ({problem})")
    if not _is_postgresql(settings.tracker_store_url):
        problems.append("TRACKER_STORE_URL 应为 PostgreSQL 地址（postgresql://…）：各 Rasa 服务器共用对话记录 / "
                        "TRACKER_STORE_URL must be a PostgreSQL URL shared by every Rasa server")
    if not _is_postgresql(settings.database_url):
        problems.append("DATABASE_URL 应为 PostgreSQL 地址（postgresql://…）：各动作服务器共用提交记录 / "
                        "DATABASE_URL must be a PostgreSQL URL shared by every action server")
    if nginx is None:
        problems.append(f"未找到 nginx：请运行 {ENSURE_NGINX}（make cluster 会自动安装） / nginx not found: run {ENSURE_NGINX}")
    return problems


def _redis_problem(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - any failure is reported by its type and text
        return f"{type(exc).__name__}: {exc}"
    return ""


def _listen_address(host: str, port: int) -> str:
    if host in ("0.0.0.0", ""):
        return str(port)
    if host == "::":
        return f"[::]:{port}"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def nginx_config(settings: Settings, layout: Layout, prefix: Path) -> str:
    """The nginx configuration of the cluster (runs in the foreground, logs errors to stderr)."""
    rasa_servers = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in layout.rasa_ports)
    action_servers = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in layout.action_ports)
    # $upstream_addr lists every server tried ("127.0.0.1:5006, 127.0.0.1:5007"): the last one answered.
    instance_names = "".join(f'        "~(^|\\s)127\\.0\\.0\\.1:{port}$" {name};\n' for port, name in layout.rasa_names().items())
    # Bodies up to twice the Rasa server's own limit stay in memory; the Rasa server answers larger
    # ones with its 413 in Chinese (MAX_REQUEST_BYTES), nginx only far beyond that.
    body_limit = 2 * settings.max_request_bytes
    temp = prefix / "temp"
    proxied = (
        "            proxy_http_version 1.1;\n"
        "            proxy_set_header Host $host;\n"
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "            proxy_set_header X-Forwarded-Proto $scheme;\n"
        f"            proxy_send_timeout {PROXY_TIMEOUT_SECONDS}s;\n"
    )
    turn_timeout = f"            proxy_read_timeout {PROXY_TIMEOUT_SECONDS}s;\n"
    return f"""# Generated by launch/cluster.py from the settings at start; edits are overwritten.
daemon off;
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log stderr warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    server_tokens off;
    client_body_temp_path {temp / 'body'};
    proxy_temp_path {temp / 'proxy'};
    fastcgi_temp_path {temp / 'fastcgi'};
    uwsgi_temp_path {temp / 'uwsgi'};
    scgi_temp_path {temp / 'scgi'};
    client_max_body_size {body_limit};
    client_body_buffer_size {body_limit};
    proxy_max_temp_file_size 0;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}
    # A WebSocket opened without a session (the widget) may go anywhere; long-polling requests
    # and their upgrade carry an engine.io sid that only one server knows: keep them by address.
    map "$arg_transport:$arg_sid" $socketio_key {{
        "websocket:" $request_id;
        default      $remote_addr;
    }}
    map $upstream_addr $assistant_instance {{
{instance_names}        default "";
    }}

    upstream rasa {{
        least_conn;
{rasa_servers}        keepalive 32;
    }}
    upstream rasa_socketio {{
        hash $socketio_key consistent;
{rasa_servers}    }}
    upstream actions {{
        least_conn;
{action_servers}        keepalive 16;
    }}

    server {{
        listen {_listen_address(settings.bind_host, settings.rasa_port)};
        location = {NGINX_HEALTH_PATH} {{
            return 200 "ok\\n";
        }}
        location /socket.io/ {{
            proxy_pass http://rasa_socketio;
{proxied}            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://rasa;
{proxied}{turn_timeout}            proxy_set_header Connection "";
            add_header {INSTANCE_HEADER} $assistant_instance always;
        }}
    }}
    server {{
        listen {_listen_address(settings.action_bind_host, settings.action_port)};
        location / {{
            proxy_pass http://actions;
{proxied}{turn_timeout}            proxy_set_header Connection "";
            # A call dropped by an action server that died is repeated on another one.
            proxy_next_upstream error non_idempotent;
        }}
    }}
}}
"""


def write_nginx_config(settings: Settings, layout: Layout) -> tuple[Path, Path]:
    """(prefix directory, configuration file) under ``<data_dir>/nginx``."""
    prefix = settings.data_dir / "nginx"
    (prefix / "temp").mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(nginx_config(settings, layout, prefix), encoding="utf-8")
    return prefix, config


def services(settings: Settings, model: Path, nginx: str) -> list[Service]:
    layout = Layout.of(settings)
    runtime_files = write_runtime_files(settings)  # action_endpoint: nginx on ACTION_PORT
    prefix, config = write_nginx_config(settings, layout)
    found = [
        Service("nginx", [nginx, "-p", str(prefix), "-c", str(config), "-e", "stderr"],
                f"http://127.0.0.1:{settings.rasa_port}{NGINX_HEALTH_PATH}", has_standby=False),
    ]
    for k, port in enumerate(layout.action_ports, start=1):
        found.append(Service(f"actions-{k}", launcher.ACTION_SERVER_COMMAND, f"http://127.0.0.1:{port}/health",
                             env={"ACTION_PORT": str(port), "ACTION_BIND_HOST": "127.0.0.1"}))
    for k, port in enumerate(layout.rasa_ports, start=1):
        found.append(Service(f"rasa-{k}", launcher.rasa_command(settings, model, runtime_files, "127.0.0.1", port),
                             f"http://127.0.0.1:{port}/"))
    return [*found, *launcher.web_services(settings)]


def startup_timeout_seconds(settings: Settings) -> float:
    """The servers load at the same time and share the CPUs with nginx, the web service and the
    databases: twice the single instance's start-up time, and more for more than two pairs of
    servers (on 2 busy cores a 1 + 1 cluster once took over 5 minutes, a 2 + 2 one 3–5)."""
    return settings.startup_timeout_seconds * max(2.0, (settings.cluster_rasa + settings.cluster_actions) / 2)


def check(settings: Settings) -> str:
    """nginx's path; StartupError listing everything the configuration or the machine lacks."""
    nginx = find_nginx()
    problems = missing_requirements(settings, nginx)
    if problems:
        raise launcher.StartupError("多实例模式无法启动 / cannot start several instances:\n  - " + "\n  - ".join(problems))
    assert nginx is not None
    return nginx


def supervisor_for(settings: Settings, model: Path, env: Mapping[str, str], sink: TextIO, colour: bool = False) -> Supervisor:
    """The supervisor of every server of the cluster (not started yet); StartupError as :func:`check`."""
    nginx = check(settings)
    return Supervisor(services(settings, model, nginx), launcher.server_environment(settings, env), PROJECT_ROOT,
                      sink, colour, warm_standby=settings.warm_standby)
