"""Running the receiver under uvicorn: `serve` for the CLI, `background_server` for tests and benchmarks."""

from __future__ import annotations

import copy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette

from shopee_pipeline.settings import Settings, SettingsError
from shopee_pipeline.warehouse.database import create_warehouse_engine, resolve_database_url
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.webhook.app import create_app

# Worker threads doing database work at once; the engine's pool holds as many connections (plus overflow).
DB_CONCURRENCY = 10


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging setup plus our `shopee_pipeline` logger at INFO (no access log: it is off)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["shopee_pipeline"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _uvicorn_config(app: Starlette, host: str, port: int, **kwargs: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,  # the app logs each push itself, without headers
        server_header=False,
        proxy_headers=False,
        lifespan="off",
        **kwargs,
    )


def warehouse_for_receiver(settings: Settings) -> Warehouse:
    """The warehouse of `settings` with a pool sized for `DB_CONCURRENCY` concurrent pushes."""
    engine = create_warehouse_engine(resolve_database_url(settings), pool_size=DB_CONCURRENCY)
    return Warehouse(engine, settings.db_schema)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the receiver on `host:port` until interrupted; returns normally after Ctrl-C (SIGINT).

    Raises `SettingsError` when no push key is configured, before touching the database.
    """
    push_key = settings.push_key
    if not push_key:
        raise SettingsError("SHOPEE_PUSH_PARTNER_KEY or SHOPEE_PARTNER_KEY must be set to verify pushes")
    warehouse = warehouse_for_receiver(settings)
    try:
        app = create_app(warehouse, settings.webhook_url, push_key, db_concurrency=DB_CONCURRENCY)
        uvicorn.Server(_uvicorn_config(app, host, port, log_config=_log_config())).run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its graceful shutdown; that is a normal stop here
    finally:
        warehouse.engine.dispose()


@contextmanager
def background_server(app: Starlette, host: str = "127.0.0.1") -> Iterator[str]:
    """Run `app` under uvicorn in a daemon thread on a free loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(_uvicorn_config(app, host, port, log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the webhook receiver did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
