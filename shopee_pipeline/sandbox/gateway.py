"""The API gateway rules shared by every endpoint: requests, replies, envelopes (``request_id``,
``error``, ``message``, ``warning``, ``response``) and checks of the common parameters (``partner_id``,
``timestamp``, ``access_token``, ``shop_id``) and of the ``sign``."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import SandboxConfig
from .signing import api_sign, sign_matches
from .tokens import TokenStore


class ApiError(Exception):
    """An error answer: Shopee's ``error`` code and ``message``."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message


@dataclass(slots=True)
class ApiRequest:
    """A parsed request: method, path, first value of each query parameter, raw body, and every value
    of the parameters sent more than once (`item_status=NORMAL&item_status=BANNED`)."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    shop_id: int | None = None
    repeated: dict[str, list[str]] = field(default_factory=dict)

    def values(self, name: str) -> list[str]:
        """Every value of query parameter `name`: repeated keys, a comma-joined list or a JSON-style
        `[a,b]` list (Shopee's docs show all three); empty parts dropped."""
        raw = self.repeated.get(name) or ([self.query[name]] if name in self.query else [])
        parts = [part.strip() for value in raw for part in value.strip().strip("[]").split(",")]
        return [part for part in parts if part]

    def json_body(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(slots=True)
class Reply:
    """A successful answer: ``payload`` goes under ``response`` unless ``top_level``; ``warning`` is
    added when present; ``redirect`` turns the answer into an HTTP 302; ``success_text`` is the
    envelope's ``error`` and ``message`` (Shopee's rule says ``""``; some doc samples show ``"-"``)."""

    payload: dict[str, Any] | list[Any] | None = None
    top_level: bool = False
    warning: list[str] | None = None
    redirect: str | None = None
    success_text: str = ""


def new_request_id() -> str:
    """A unique request id (32 hex characters)."""
    return uuid.uuid4().hex


def success_envelope(reply: Reply) -> dict[str, Any]:
    """Shopee's envelope for a success: ``error`` and ``message`` are the reply's ``success_text``
    (``""`` unless set); ``auth/token/get`` and ``auth/access_token/get`` carry their fields at the
    top level."""
    text = reply.success_text
    body: dict[str, Any] = {"request_id": new_request_id(), "error": text, "message": text}
    if reply.warning:
        body["warning"] = reply.warning
    if reply.top_level and isinstance(reply.payload, dict):
        body.update(reply.payload)
    elif reply.payload is not None:
        body["response"] = reply.payload
    return body


def error_envelope(error: str, message: str) -> dict[str, Any]:
    """Shopee's envelope for an error."""
    return {"request_id": new_request_id(), "error": error, "message": message}


def required(request: ApiRequest, name: str) -> str:
    """A required query parameter (``error_param`` "<name> is required." when missing or empty)."""
    value = request.query.get(name, "")
    if not value:
        raise ApiError("error_param", f"{name} is required.")
    return value


def required_int(request: ApiRequest, name: str) -> int:
    """A required integer query parameter."""
    try:
        return int(required(request, name))
    except ValueError:
        raise ApiError("error_param", f"{name} should be an integer.") from None


def _int(query: dict[str, str], name: str) -> int:
    try:
        return int(query[name])
    except ValueError:
        raise ApiError("error_param", f"Invalid {name}") from None


def check_common(
    request: ApiRequest,
    config: SandboxConfig,
    tokens: TokenStore,
    shop_api: bool,
    sim_now: int,
    known_shop: Callable[[int], bool],
) -> int | None:
    """Check the common parameters and the sign (``error_param``, ``error_sign``); returns the
    shop id for shop APIs. ``timestamp`` may be at most 300 s old and at most
    ``future_timestamp_tolerance`` s ahead of either the real wall clock or the simulated clock
    ``sim_now`` (a client may sign with either). The base string uses the query values exactly as
    received. Token validity uses the simulated clock."""
    q = request.query
    if "partner_id" not in q:
        raise ApiError("error_param", "There is no partner_id in query.")
    if _int(q, "partner_id") != config.partner_id:
        raise ApiError("invalid_partner_id", "partner_id is invalid")
    if not q.get("timestamp"):
        raise ApiError("error_param", "no timestamp")
    try:
        timestamp = int(q["timestamp"])
    except ValueError:
        raise ApiError("error_param", "Invalid timestamp") from None
    if not any(
        -config.future_timestamp_tolerance <= ref - timestamp <= 300 for ref in (time.time(), sim_now)
    ):
        if timestamp > max(time.time(), sim_now) + config.future_timestamp_tolerance:
            raise ApiError("error_param", "Invalid timestamp")
        raise ApiError("error_param", "Timestamp is expired.")
    if not q.get("sign"):
        raise ApiError("error_param", "There is no sign in query.")
    if not shop_api:
        expected = api_sign(config.partner_key, q["partner_id"], request.path, q["timestamp"])
        if not sign_matches(expected, q["sign"]):
            raise ApiError("error_sign", "Wrong sign.")
        return None
    if not q.get("access_token"):
        raise ApiError("error_param", "There is no access_token in query.")
    if not q.get("shop_id"):
        raise ApiError("error_param", "There is no shop_id in query.")
    shop_id = _int(q, "shop_id")
    expected = api_sign(
        config.partner_key, q["partner_id"], request.path, q["timestamp"], q["access_token"], q["shop_id"]
    )
    if not sign_matches(expected, q["sign"]):
        raise ApiError("error_sign", "Wrong sign.")
    if not known_shop(shop_id):
        raise ApiError("error_auth", "Invalid partner_id or shopid.")
    if not tokens.access_valid(q["access_token"], shop_id, sim_now):
        if config.invalid_token_error == "error_auth":
            raise ApiError("error_auth", "Invalid access_token.")
        raise ApiError("invalid_acceess_token", "Invalid access_token, please have a check.")
    return shop_id
