"""The Shopee endpoints the pipeline uses (auth, shop, order, logistics, payment, returns, product, push), as
handlers over the world.

Each handler takes the services and a checked request and returns a ``Reply`` or raises ``ApiError``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .anomalies import UNKNOWN_STATUS, Anomalies, bend_detail
from .config import SandboxConfig
from .gateway import ApiError, ApiRequest, Reply, required, required_int
from .pushes import LostPushStore
from .return_query import parse_return_list
from .timeline import decode_cursor, encode_cursor, page_by_offset
from .tokens import TokenError, TokenStore
from .world import World

MAX_WINDOW = 15 * 86400
INVALID_WINDOW = "Start time must be earlier than end time and diff in 15days."
ORDER_STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "RETRY_SHIP",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "TO_RETURN",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "INVOICE_PENDING",
)
BOOKING_STATUSES = ("READY_TO_SHIP", "PROCESSED", "SHIPPED", "CANCELLED", "MATCHED")
ORDER_DEFAULT_FIELDS = (
    "order_sn",
    "region",
    "currency",
    "cod",
    "order_status",
    "message_to_seller",
    "create_time",
    "update_time",
    "days_to_ship",
    "ship_by_date",
    "booking_sn",
    "advance_package",
)
"""``get_order_detail``'s default fields, plus ``advance_package`` which no field list names."""
ORDER_OPTIONAL_FIELDS = frozenset(
    (
        "buyer_user_id",
        "buyer_username",
        "estimated_shipping_fee",
        "recipient_address",
        "actual_shipping_fee",
        "goods_to_declare",
        "note",
        "note_update_time",
        "item_list",
        "pay_time",
        "dropshipper",
        "dropshipper_phone",
        "split_up",
        "buyer_cancel_reason",
        "cancel_by",
        "cancel_reason",
        "actual_shipping_fee_confirmed",
        "buyer_cpf_id",
        "fulfillment_flag",
        "pickup_done_time",
        "package_list",
        "shipping_carrier",
        "payment_method",
        "total_amount",
        "invoice_data",
        "order_chargeable_weight_gram",
        "return_request_due_date",
        "edt",
        "payment_info",
        "international_label",
    )
)
ORDER_BENDABLE_OPTIONAL = ORDER_OPTIONAL_FIELDS | {"edt_from", "edt_to"}
"""What the ``missing_optional`` anomaly may leave out (``edt`` answers as ``edt_from``/``edt_to``)."""
BOOKING_DEFAULT_FIELDS = (
    "booking_sn",
    "region",
    "booking_status",
    "create_time",
    "update_time",
    "ship_by_date",
    "order_sn",
    "match_status",
)
BOOKING_OPTIONAL_FIELDS = frozenset(
    (
        "item_list",
        "cancel_by",
        "cancel_reason",
        "fulfillment_flag",
        "pickup_done_time",
        "shipping_carrier",
        "recipient_address",
        "dropshipper",
        "dropshipper_phone",
    )
)
TRACKING_OPTIONAL_FIELDS = ("plp_number", "first_mile_tracking_number", "last_mile_tracking_number")
BATCH_FORMAT = "order_sn_list is required, format should be string[]"


@dataclass(slots=True)
class Services:
    """What the handlers work with."""

    config: SandboxConfig
    world: World
    tokens: TokenStore
    lost: LostPushStore
    anomalies: Anomalies = field(default_factory=Anomalies)


Handler = Callable[[Services, ApiRequest], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    """An endpoint: HTTP method, whether it is a shop API (shop-level sign + token), its handler and the
    ``error_param`` message for a wrong method."""

    method: str
    shop_api: bool
    handler: Handler
    wrong_method_message: str = ""


# -- parameter helpers ---------------------------------------------------------------------------------


def _csv(value: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in value.split(","):
        if part.strip():
            seen[part.strip()] = None
    return list(seen)


def _sn_list(request: ApiRequest, name: str) -> list[str]:
    sns = _csv(required(request, name))
    if not sns:
        raise ApiError("error_param", f"{name} is required.")
    if len(sns) > 50:
        raise ApiError("error_param", f"The number of {name} should be between 1 and 50.")
    return sns


def _object_body(request: ApiRequest) -> dict[str, Any]:
    body = request.json_body()
    if not isinstance(body, dict):
        raise ApiError("error_param", "Request body should be a JSON object.")
    return body


def _list_page(
    svc: Services, request: ApiRequest, bookings: bool
) -> tuple[list[tuple[int, str, str]], bool, str]:
    """Shared rules of ``get_order_list`` and ``get_booking_list``: time window of at most
    15 days with ``time_to`` inclusive, page_size 1-100, opaque keyset cursor, sort by (time, sn)."""
    field = required(request, "time_range_field")
    if field not in ("create_time", "update_time"):
        raise ApiError("error_param", "time_range_field should be create_time or update_time.")
    time_from, time_to = required_int(request, "time_from"), required_int(request, "time_to")
    if time_from > time_to or time_to - time_from > MAX_WINDOW:
        raise ApiError(
            "booking.booking_list_invalid_time" if bookings else "order.order_list_invalid_time",
            INVALID_WINDOW,
        )
    page_size = required_int(request, "page_size")
    if page_size > 100:
        raise ApiError("error_param", "page_size must be 100 or less.")
    if page_size < 1:
        raise ApiError("error_param", "page_size must be 1 or more.")
    status_name = "booking_status" if bookings else "order_status"
    status = request.query.get(status_name) or None
    if status is not None and status not in (BOOKING_STATUSES if bookings else ORDER_STATUSES):
        raise ApiError("error_param", f"Invalid {status_name}.")
    cursor = request.query.get("cursor", "")
    after = decode_cursor(cursor) if cursor else None
    assert request.shop_id is not None
    page, more = svc.world.list_keys(
        request.shop_id,
        field,
        time_from,
        time_to,
        bookings=bookings,
        status=status,
        after=after,
        limit=page_size,
    )
    next_cursor = encode_cursor((page[-1][0], page[-1][1])) if more and page else ""
    return page, more, next_cursor


def _pick(full: dict[str, Any], defaults: tuple[str, ...], optional: set[str]) -> dict[str, Any]:
    """Default fields plus the requested optional ones ("naming an object includes all children")."""
    wanted = set(defaults) | optional
    if "edt" in optional:
        wanted |= {"edt_from", "edt_to"}
    return {k: v for k, v in full.items() if k in wanted}


# -- auth: /api/v2/shop/auth_partner, /api/v2/auth/* ----------------------------------------------------


def token_get(svc: Services, request: ApiRequest) -> Reply:
    """``POST /api/v2/auth/token/get``: code -> token pair, fields at top level."""
    body = _object_body(request)
    code, shop_id = body.get("code"), body.get("shop_id")
    if not isinstance(code, str) or not code:
        raise ApiError("error_param", "code is required.")
    if body.get("partner_id") != svc.config.partner_id:
        raise ApiError("error_param", "partner_id in body is required and must match the query.")
    if "main_account_id" in body and shop_id is None:
        raise ApiError("invalid_main_acount_id", "main account authorization is not emulated.")
    if not isinstance(shop_id, int) or not svc.world.has_shop(shop_id):
        raise ApiError("invalid_shop_id", "shop_id is invalid.")
    try:
        pair = svc.tokens.exchange_code(code, shop_id, svc.world.now())
    except TokenError as exc:
        raise ApiError(exc.error, exc.message) from None
    return Reply(
        {"access_token": pair.access_token, "refresh_token": pair.refresh_token, "expire_in": pair.expire_in},
        top_level=True,
    )


def access_token_get(svc: Services, request: ApiRequest) -> Reply:
    """``POST /api/v2/auth/access_token/get``: single-use refresh token with rotation."""
    body = _object_body(request)
    refresh_token, shop_id = body.get("refresh_token"), body.get("shop_id")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise ApiError("error_param", "refresh_token is required.")
    if body.get("partner_id") != svc.config.partner_id:
        raise ApiError("error_param", "partner_id in body is required and must match the query.")
    if not isinstance(shop_id, int):
        raise ApiError("error_param", "shop_id is required.")
    try:
        pair = svc.tokens.refresh(refresh_token, shop_id, svc.world.now())
    except TokenError as exc:
        raise ApiError(exc.error, exc.message) from None
    return Reply(
        {
            "partner_id": svc.config.partner_id,
            "shop_id": shop_id,
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expire_in": pair.expire_in,
        },
        top_level=True,
    )


def auth_partner(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/shop/auth_partner``: the seller consents at once; redirects to ``redirect``
    with ``code`` and ``shop_id`` (the ``shop_id`` query parameter if given, else the first shop)."""
    redirect = required(request, "redirect")
    shop_id = (
        int(request.query["shop_id"]) if request.query.get("shop_id", "").isdigit() else svc.world.shop_ids[0]
    )
    if not svc.world.has_shop(shop_id):
        raise ApiError("invalid_shop_id", "shop_id is invalid.")
    code = svc.tokens.issue_code(shop_id, svc.world.now())
    separator = "&" if "?" in redirect else "?"
    return Reply(redirect=f"{redirect}{separator}{urlencode({'code': code, 'shop_id': shop_id})}")


def shop_info(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/shop/get_shop_info`` (fields at the top level, no ``response`` wrapper)."""
    assert request.shop_id is not None
    shop = svc.world.shop(request.shop_id)
    return Reply(
        {
            "shop_name": shop.shop_name,
            "region": "ID",
            "status": "NORMAL",
            "is_cb": False,
            "is_sip": False,
            "auth_time": svc.world.origin,
            "expire_time": svc.world.origin + 365 * 86400,
        },
        top_level=True,
    )


# -- orders: /api/v2/order/*, /api/v2/logistics/* -----------------------------------------------------


def order_list(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/order/get_order_list``. ``booking_sn`` only on matched orders;
    ``order_status`` only with ``response_optional_fields=order_status``."""
    page, more, next_cursor = _list_page(svc, request, bookings=False)
    with_status = "order_status" in _csv(request.query.get("response_optional_fields", ""))
    assert request.shop_id is not None
    entries = []
    for _, sn, status in page:
        anomalies = svc.anomalies.of(request.shop_id, sn)
        entry: dict[str, Any] = {"order_sn": sn}
        if with_status:
            entry["order_status"] = UNKNOWN_STATUS if "unknown_status" in anomalies else status
        booking_sn = svc.world.order_booking_sn(request.shop_id, sn)
        if booking_sn:
            entry["booking_sn"] = booking_sn
        entries.append(entry)
        if "duplicate_in_list" in anomalies:
            entries.append(dict(entry))
    return Reply({"more": more, "next_cursor": next_cursor, "order_list": entries})


def order_detail(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/order/get_order_detail``: 1-50 SNs; default fields plus requested optional
    ones. Unknown SNs: partial data + ``warning`` (default) or a whole-call ``error_not_found``.
    Injected anomalies (``sandbox.anomalies``) bend the answer."""
    sns = _sn_list(request, "order_sn_list")
    optional = set(_csv(request.query.get("response_optional_fields", ""))) & ORDER_OPTIONAL_FIELDS
    assert request.shop_id is not None
    found, missing, warnings = [], [], []
    for sn in sns:
        anomalies = svc.anomalies.of(request.shop_id, sn)
        if "warning" in anomalies:
            warnings.append(f"order_sn {sn}: some fields are temporarily unavailable.")
        try:
            if "vanish" in anomalies:
                raise KeyError(sn)
            detail = _pick(svc.world.order_detail(request.shop_id, sn), ORDER_DEFAULT_FIELDS, optional)
        except KeyError:
            missing.append(sn)
            continue
        found.append(bend_detail(detail, anomalies, ORDER_BENDABLE_OPTIONAL) if anomalies else detail)
    if missing and svc.config.unknown_order_sn == "error":
        raise ApiError("error_not_found", "Wrong parameters, detail: the order is not found.")
    warnings.extend(f"order_sn {sn} is not found." for sn in missing)
    return Reply({"order_list": found}, warning=warnings or None)


def package_detail(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/order/get_package_detail``: 1-50 package numbers; unknown ones in ``warning``."""
    numbers = _sn_list(request, "package_number_list")
    assert request.shop_id is not None
    found, missing = [], []
    for number in numbers:
        detail = svc.world.package_detail(request.shop_id, number)
        if detail is None:
            missing.append(number)
        else:
            found.append(detail)
    return Reply(
        {"package_list": found}, warning=[f"package_number {n} is not found." for n in missing] or None
    )


def tracking_number(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/logistics/get_tracking_number``: ``""`` until PROCESSED; split orders need
    ``package_number``; an empty ``package_number`` is refused."""
    sn = required(request, "order_sn")
    package_number = request.query.get("package_number")
    if package_number is not None and not package_number:
        raise ApiError("logistics.error_param", "package_number should not be empty.")
    assert request.shop_id is not None
    try:
        number = svc.world.tracking_number(request.shop_id, sn, package_number)
    except KeyError as exc:
        if package_number is not None and exc.args[0] == package_number:
            raise ApiError("logistics.package_number_not_exist", "The package_number is not exist.") from None
        raise ApiError("logistics.invalid_error", "The order is not exist.") from None
    except LookupError:
        raise ApiError(
            "logistics.package_number_not_exist", "Please request with package_number for this split order."
        ) from None
    payload: dict[str, Any] = {
        "tracking_number": number,
        "hint": "" if number else "Tracking number is not ready yet.",
        "pickup_code": "",
    }
    optional = set(_csv(request.query.get("response_optional_fields", "")))
    for name in TRACKING_OPTIONAL_FIELDS:
        if name in optional:
            payload[name] = number if name == "last_mile_tracking_number" else ""
    return Reply(payload)


def mass_tracking_number(svc: Services, request: ApiRequest) -> Reply:
    """``POST /api/v2/logistics/get_mass_tracking_number``: 1-50 packages -> ``success_list`` /
    ``fail_list``; a package without a tracking number yet lands in ``fail_list``."""
    packages = _object_body(request).get("package_list")
    if not isinstance(packages, list) or not 1 <= len(packages) <= 50:
        raise ApiError("error_param", "package_list should contain 1 to 50 packages.")
    assert request.shop_id is not None
    success, fail = [], []
    for entry in packages:
        number = entry.get("package_number") if isinstance(entry, dict) else None
        if not isinstance(number, str) or not number:
            raise ApiError("error_param", "package_number is required for every package.")
        tracking = svc.world.package_tracking(request.shop_id, number)
        if tracking is None:
            fail.append({"package_number": number, "fail_reason": "The package_number is not exist."})
        elif not tracking:
            fail.append({"package_number": number, "fail_reason": "The tracking number is not ready yet."})
        else:
            success.append(
                {
                    "package_number": number,
                    "tracking_number": tracking,
                    "plp_number": "",
                    "first_mile_tracking_number": "",
                    "last_mile_tracking_number": tracking,
                    "hint": "",
                    "pickup_code": "",
                }
            )
    return Reply({"success_list": success, "fail_list": fail})


# -- escrow: /api/v2/payment/* ------------------------------------------------------------------------


def escrow_detail(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/payment/get_escrow_detail``."""
    sn = request.query.get("order_sn", "")
    if not sn:
        raise ApiError("error_param", "Missing order_sn.")
    assert request.shop_id is not None
    detail = svc.world.escrow_detail(request.shop_id, sn)
    if detail is None:
        raise ApiError("order_not_found", "Order SN provided is invalid or does not belong to you.")
    return Reply(detail)


def escrow_detail_batch(svc: Services, request: ApiRequest) -> Reply:
    """``POST /api/v2/payment/get_escrow_detail_batch``: JSON body ``{"order_sn_list": [...]}``,
    1-50; ``response`` is an array of ``{escrow_detail}``; an unknown SN gives
    ``{escrow_detail: {order_sn}, fail_error, fail_message}`` (placement UNCONFIRMED)."""
    body = request.json_body()
    sns = body.get("order_sn_list") if isinstance(body, dict) else None
    if not isinstance(sns, list) or not sns or not all(isinstance(s, str) and s for s in sns):
        raise ApiError("error_param", BATCH_FORMAT)
    if len(sns) > 50:
        raise ApiError("exceed_max_limit", "exceeds the max limit of 50 orders")
    assert request.shop_id is not None
    entries: list[dict[str, Any]] = []
    for sn in sns:
        detail = svc.world.escrow_detail(request.shop_id, sn)
        if detail is None:
            entries.append(
                {
                    "escrow_detail": {"order_sn": sn},
                    "fail_error": "order_not_found",
                    "fail_message": "Order SN provided is invalid or does not belong to you.",
                }
            )
        else:
            entries.append({"escrow_detail": detail})
    return Reply(entries)


# Names of the TransactionType codes the sandbox writes (``wallet_type_as_code`` sends the codes).
TRANSACTION_TYPE_CODES = {
    "ESCROW_VERIFIED_ADD": 101,
    "ESCROW_VERIFIED_MINUS": 102,
    "WITHDRAWAL_CREATED": 201,
    "WITHDRAWAL_COMPLETED": 202,
    "ADJUSTMENT_ADD": 401,
    "ADJUSTMENT_MINUS": 402,
}
MAX_WALLET_WINDOW = 15 * 86400


def _page_params(request: ApiRequest, default_size: int, required_: bool) -> tuple[int, int]:
    """``page_no`` and ``page_size`` (1-100)."""
    if required_:
        page_no, page_size = required_int(request, "page_no"), required_int(request, "page_size")
    else:
        page_no = required_int(request, "page_no") if request.query.get("page_no") else 1
        page_size = required_int(request, "page_size") if request.query.get("page_size") else default_size
    if not 1 <= page_size <= 100:
        raise ApiError("error_param", "page_size should be between 1 and 100.")
    return page_no, page_size


def wallet_transaction_list(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/payment/get_wallet_transaction_list``: the shop's wallet (``sandbox.wallet``),
    ``create_time`` window of at most 15 days, filters ``transaction_type`` (name or code) and
    ``money_flow``; paging, sort, type spelling, sign and ``transaction_id`` per ``SandboxConfig``."""
    config = svc.config
    page_no, page_size = _page_params(request, 40, required_=True)
    first = config.wallet_page_no_base
    if page_no < first:
        raise ApiError("error_param", "page_no is invalid.")
    time_from, time_to = request.query.get("create_time_from"), request.query.get("create_time_to")
    if (time_from is None) != (time_to is None) or (time_from is None and config.wallet_window_required):
        raise ApiError("wallet.time_invalid", "The param error: time is invalid")
    assert request.shop_id is not None
    transactions, _ = svc.world.wallet(request.shop_id)
    chosen = list(transactions)
    if time_from is not None and time_to is not None:
        start, end = required_int(request, "create_time_from"), required_int(request, "create_time_to")
        if start > end:
            raise ApiError("time_invalid", "The param error: create_time_from bigger than create_time_to.")
        if end - start > MAX_WALLET_WINDOW:
            raise ApiError("time_period_too_large", "The param error: time period too large.")
        chosen = [t for t in chosen if start <= t.create_time <= end]
    wanted_type = request.query.get("transaction_type")
    if wanted_type:
        chosen = [
            t
            for t in chosen
            if wanted_type in (t.transaction_type, str(TRANSACTION_TYPE_CODES.get(t.transaction_type)))
        ]
    flow = request.query.get("money_flow")
    if flow in ("MONEY_IN", "MONEY_OUT"):
        chosen = [t for t in chosen if (t.amount >= 0) == (flow == "MONEY_IN")]
    if config.wallet_newest_first:
        chosen.reverse()
    offset = page_no - first if config.wallet_page_no_is_offset else (page_no - first) * page_size
    page = chosen[offset : offset + page_size]
    entries = []
    for t in page:
        amount = t.amount if config.wallet_deductions_negative else abs(t.amount)
        entry: dict[str, Any] = {
            "status": "COMPLETED",
            "transaction_type": TRANSACTION_TYPE_CODES[t.transaction_type]
            if config.wallet_type_as_code
            else t.transaction_type,
            "amount": float(amount),
            "current_balance": float(t.current_balance),
            "create_time": t.create_time,
            "order_sn": t.order_sn,
            "refund_sn": "",
            "withdrawal_id": t.withdrawal_id,
            "withdrawal_type": "BANK" if t.withdrawal_id else "",
            "root_withdrawal_id": t.withdrawal_id,
            "transaction_fee": 0.0,
            "description": "",
            "buyer_name": "",
            "reason": t.reason,
            "wallet_type": "shopee_pay",
            "money_flow": "MONEY_IN" if t.amount >= 0 else "MONEY_OUT",
        }
        if config.wallet_transaction_id:
            entry["transaction_id"] = t.transaction_id
        entries.append(entry)
    return Reply({"more": offset + page_size < len(chosen), "transaction_list": entries})


def escrow_list(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/payment/get_escrow_list``: the escrows released in ``[release_time_from,
    release_time_to]`` (both required, both ends included), oldest first, ``page_no`` from 1."""
    start, end = required_int(request, "release_time_from"), required_int(request, "release_time_to")
    if start > end:
        raise ApiError("error_param", "release_time_from must not be later than release_time_to.")
    page_no, page_size = _page_params(request, 40, required_=False)
    if page_no < 1:
        raise ApiError("error_param", "page_no should be 1 or more.")
    assert request.shop_id is not None
    _, releases = svc.world.wallet(request.shop_id)
    chosen = [r for r in releases if start <= r.time <= end]
    offset = (page_no - 1) * page_size
    entries = [
        {"order_sn": r.order_sn, "payout_amount": float(r.amount), "escrow_release_time": r.time}
        for r in chosen[offset : offset + page_size]
    ]
    return Reply({"more": offset + page_size < len(chosen), "escrow_list": entries})


# -- bookings: get_booking_list, get_booking_detail, get_booking_tracking_number -----------------------


def booking_list(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/order/get_booking_list``, ``next_cursor`` beside ``more``."""
    page, more, next_cursor = _list_page(svc, request, bookings=True)
    assert request.shop_id is not None
    entries = []
    for _, sn, status in page:
        detail = svc.world.booking_detail(request.shop_id, sn)
        entries.append({"booking_sn": sn, "order_sn": detail["order_sn"], "booking_status": status})
    return Reply({"more": more, "next_cursor": next_cursor, "booking_list": entries})


def booking_detail(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/order/get_booking_detail``: 1-50 SNs; unknown ones in ``warning`` (string[])."""
    sns = _sn_list(request, "booking_sn_list")
    optional = set(_csv(request.query.get("response_optional_fields", ""))) & BOOKING_OPTIONAL_FIELDS
    assert request.shop_id is not None
    found, missing = [], []
    for sn in sns:
        try:
            found.append(
                _pick(svc.world.booking_detail(request.shop_id, sn), BOOKING_DEFAULT_FIELDS, optional)
            )
        except KeyError:
            missing.append(sn)
    return Reply(
        {"booking_list": found}, warning=[f"booking_sn {sn} is not found." for sn in missing] or None
    )


def booking_tracking_number(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/logistics/get_booking_tracking_number``: ``tracking_number`` at top level."""
    sn = required(request, "booking_sn")
    assert request.shop_id is not None
    try:
        number = svc.world.booking_tracking_number(request.shop_id, sn)
    except KeyError:
        raise ApiError("logistics.invalid_error", "The booking is not exist.") from None
    return Reply({"tracking_number": number}, top_level=True)


# -- returns: /api/v2/returns/* ------------------------------------------------------------------------


def return_list(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/returns/get_return_list``: page-number pagination (``page_no``, ``page_size``),
    ``create_time``/``update_time`` windows and exact-match status filters (``return_query``);
    ``response`` is ``{"more", "return": [full objects]}``."""
    query = parse_return_list(request, svc.config)
    assert request.shop_id is not None
    page, more = query.select(svc.world.returns_now(request.shop_id))
    return Reply({"more": more, "return": page}, success_text=svc.config.return_success_error_text)


def return_detail(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/returns/get_return_detail?return_sn=``: one object; a ``return_sn`` the shop does
    not have answers ``SandboxConfig.unknown_return_sn_error``."""
    return_sn = request.query.get("return_sn", "")
    if not return_sn:
        raise ApiError("error_param", "Return SN or ID is invalid.")
    assert request.shop_id is not None
    try:
        detail = svc.world.return_detail(request.shop_id, return_sn)
    except KeyError:
        raise ApiError(*svc.config.unknown_return_sn_error) from None
    return Reply(detail, success_text=svc.config.return_success_error_text)


# -- catalogue: /api/v2/product/* -----------------------------------------------------------------------

ITEM_STATUSES = ("NORMAL", "UNLIST", "BANNED", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")
ITEM_NOT_FOUND = ("error_item_not_found", "Item_id is not found.")


def _item_window(request: ApiRequest) -> tuple[int, int] | None:
    """The optional ``update_time_from``/``update_time_to`` window (no maximum span is documented)."""
    start, end = request.query.get("update_time_from", ""), request.query.get("update_time_to", "")
    if not start and not end:
        return None
    try:
        window = int(start), int(end)
    except ValueError:
        raise ApiError("error_param", "update_time_from and update_time_to should be integers.") from None
    if window[1] <= window[0]:
        raise ApiError("error_update_time_range", "Update_time_to should be later than update_time_from.")
    return window


def item_list(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/product/get_item_list``: ``offset`` from 0 and ``page_size`` 1-100 (both required),
    ``item_status`` required (repeated key), optional ``update_time`` window; ``total_count``,
    ``has_next_page`` and ``next_offset``. Offsets past ``catalog_offset_cap`` are refused."""
    offset, page_size = required_int(request, "offset"), required_int(request, "page_size")
    if offset < 0 or not 1 <= page_size <= 100:
        raise ApiError("error_param", "offset should be 0 or more, page_size between 1 and 100.")
    cap = svc.config.catalog_offset_cap
    if cap is not None and offset > cap:
        raise ApiError("error_param", "get items offset over limit, please use the next field")
    statuses = request.values("item_status")
    if not statuses or any(status not in ITEM_STATUSES for status in statuses):
        raise ApiError("error_param_item_status", "Item status error.")
    window = _item_window(request)
    assert request.shop_id is not None
    matching = svc.world.item_list(request.shop_id, set(statuses), window)
    page = page_by_offset(matching, offset, page_size)
    return Reply(
        {
            "item": page.entries,
            "total_count": len(matching),
            "has_next_page": page.more,
            "next_offset": page.next_position if page.more else 0,
        }
    )


def _item_ids(request: ApiRequest) -> list[str]:
    ids = list(dict.fromkeys(request.values("item_id_list")))
    if not ids or not all(i.isdigit() for i in ids):
        raise ApiError("error_param", "item_id_list is required.")
    if len(ids) > 50:
        raise ApiError("error_query_over_itemid_size", "The number of item_id_list should be 1 to 50.")
    return ids


def item_base_info(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/product/get_item_base_info``: 1-50 ``item_id_list`` in any of the three encodings;
    an unknown id per ``catalog_unknown_item_id``."""
    assert request.shop_id is not None
    found, missing = [], []
    for item_id in _item_ids(request):
        detail = svc.world.item_base_info(request.shop_id, item_id)
        if detail is None:
            missing.append(item_id)
        else:
            found.append(detail)
    rule = svc.config.catalog_unknown_item_id
    if missing and rule == "error":
        raise ApiError(*ITEM_NOT_FOUND)
    warning = [f"item_id {i} is not found." for i in missing] if rule == "warning" and missing else None
    return Reply({"item_list": found}, warning=warning)


def model_list(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/product/get_model_list?item_id=``: one product per call."""
    item_id = required(request, "item_id")
    assert request.shop_id is not None
    answer = svc.world.model_list(request.shop_id, item_id) if item_id.isdigit() else None
    if answer is None:
        raise ApiError(*ITEM_NOT_FOUND)
    return Reply(answer)


# -- lost pushes: /api/v2/push/* -----------------------------------------------------------------------


def lost_push_messages(svc: Services, request: ApiRequest) -> Reply:
    """``GET /api/v2/push/get_lost_push_message``: earliest 100 unconfirmed lost pushes."""
    return Reply(svc.lost.page(svc.world.now()))


def confirm_lost_push(svc: Services, request: ApiRequest) -> Reply:
    """``POST /api/v2/push/confirm_consumed_lost_push_message`` with ``{"last_message_id": N}``."""
    last = _object_body(request).get("last_message_id")
    if not isinstance(last, int) or isinstance(last, bool):
        raise ApiError("error_param", "last_message_id is required.")
    svc.lost.confirm(last)
    return Reply()


ROUTES: dict[str, Route] = {
    "/api/v2/auth/token/get": Route("POST", False, token_get),
    "/api/v2/auth/access_token/get": Route("POST", False, access_token_get),
    "/api/v2/shop/auth_partner": Route("GET", False, auth_partner),
    "/api/v2/shop/get_shop_info": Route("GET", True, shop_info),
    "/api/v2/order/get_order_list": Route("GET", True, order_list),
    "/api/v2/order/get_order_detail": Route("GET", True, order_detail),
    "/api/v2/order/get_booking_list": Route("GET", True, booking_list),
    "/api/v2/order/get_booking_detail": Route("GET", True, booking_detail),
    "/api/v2/order/get_package_detail": Route("GET", True, package_detail),
    "/api/v2/payment/get_escrow_detail": Route("GET", True, escrow_detail),
    "/api/v2/payment/get_escrow_detail_batch": Route("POST", True, escrow_detail_batch, BATCH_FORMAT),
    "/api/v2/payment/get_wallet_transaction_list": Route("GET", True, wallet_transaction_list),
    "/api/v2/payment/get_escrow_list": Route("GET", True, escrow_list),
    "/api/v2/logistics/get_tracking_number": Route("GET", True, tracking_number),
    "/api/v2/logistics/get_mass_tracking_number": Route("POST", True, mass_tracking_number),
    "/api/v2/logistics/get_booking_tracking_number": Route("GET", True, booking_tracking_number),
    "/api/v2/returns/get_return_list": Route("GET", True, return_list),
    "/api/v2/returns/get_return_detail": Route("GET", True, return_detail),
    "/api/v2/product/get_item_list": Route("GET", True, item_list),
    "/api/v2/product/get_item_base_info": Route("GET", True, item_base_info),
    "/api/v2/product/get_model_list": Route("GET", True, model_list),
    "/api/v2/push/get_lost_push_message": Route("GET", False, lost_push_messages),
    "/api/v2/push/confirm_consumed_lost_push_message": Route("POST", False, confirm_lost_push),
}
"""Paths the sandbox answers, with Shopee's method for each."""
