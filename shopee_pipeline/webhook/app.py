"""The receiver's Starlette app: `POST /api/webhook` and `GET /healthz`.

Order of checks on a push: size (413), signature (401), envelope (400), then the row is committed and only
then `200` with an empty body goes out. Any database failure answers `503` so Shopee delivers again.
Database work is blocking SQLAlchemy; it runs in worker threads, at most `db_concurrency` at once (keep it
at or below the engine's pool capacity so no thread waits on a pool checkout). Logs carry the method,
path, status, code, shop_id and dedupe outcome, never a header or the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import text
from sqlalchemy.exc import DataError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.webhook.events import InvalidPush, parse_push, store_push
from shopee_pipeline.webhook.signature import verify_push

logger = logging.getLogger("shopee_pipeline.webhook")

MAX_BODY_BYTES = 1024 * 1024
WEBHOOK_PATH = "/api/webhook"
HEALTH_PATH = "/healthz"

T = TypeVar("T")


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing (via `_TooLarge`) anything over `limit` bytes, declared or streamed."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _empty(status: int) -> Response:
    return Response(status_code=status)


def create_app(
    warehouse: Warehouse, callback_url: str, push_key: str, *, db_concurrency: int = 10
) -> Starlette:
    """The receiver for pushes signed with `push_key` over `callback_url`, storing into `warehouse`."""
    if not push_key:
        raise ValueError("a push key is required to verify pushes")
    limiter = anyio.CapacityLimiter(db_concurrency)

    async def in_thread(func: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(func, limiter=limiter)

    async def webhook(request: Request) -> Response:
        try:
            body = await _read_body(request, MAX_BODY_BYTES)
        except _TooLarge:
            logger.warning("POST %s 413 body over %d bytes", WEBHOOK_PATH, MAX_BODY_BYTES)
            return PlainTextResponse("body too large", status_code=413, headers={"Connection": "close"})
        if not verify_push(push_key, callback_url, body, request.headers.get("authorization")):
            logger.warning("POST %s 401 missing or wrong signature", WEBHOOK_PATH)
            return PlainTextResponse("invalid signature", status_code=401)
        try:
            push = parse_push(body)
        except InvalidPush as exc:
            logger.warning("POST %s 400 %s", WEBHOOK_PATH, exc)
            return PlainTextResponse(str(exc), status_code=400)
        try:
            inserted = await in_thread(partial(store_push, warehouse, push))
        except DataError as exc:
            logger.warning(
                "POST %s 400 code=%s rejected by the database (%s)",
                WEBHOOK_PATH,
                push.code,
                type(exc.orig or exc).__name__,
            )
            return PlainTextResponse("payload rejected by the database", status_code=400)
        except Exception as exc:
            logger.error(
                "POST %s 503 code=%s shop_id=%s not stored: %s",
                WEBHOOK_PATH,
                push.code,
                push.shop_id,
                type(exc).__name__,
            )
            return PlainTextResponse("storage unavailable", status_code=503)
        logger.info(
            "POST %s 200 code=%s shop_id=%s %s",
            WEBHOOK_PATH,
            push.code,
            push.shop_id,
            "stored" if inserted else "duplicate",
        )
        return _empty(200)

    def ping() -> None:
        with warehouse.connect() as conn:
            conn.execute(text("SELECT 1"))

    async def healthz(request: Request) -> Response:
        try:
            await in_thread(ping)
        except Exception as exc:
            logger.error("GET %s 503 database unreachable: %s", HEALTH_PATH, type(exc).__name__)
            return PlainTextResponse("database unreachable", status_code=503)
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route(WEBHOOK_PATH, webhook, methods=["POST"]),
            Route(HEALTH_PATH, healthz, methods=["GET"]),
        ]
    )
