"""Value coercion: one API value -> one column value, or None. Never raises on bad input.

Every converter takes whatever JSON gave us (or anything else) and returns either a value of the
column's Python type or None: a wrong type, a non-numeric string, NaN, an out-of-range integer and an
empty time (0) all become None for that column, so one odd field never costs a whole row. `bool` is
never taken for a number (in Python `True == 1`).

`clean_json` makes a decoded JSON value safe for Postgres `text`/`jsonb`: NUL characters (which
Postgres refuses in both) are dropped, lone surrogates become U+FFFD and non-finite floats become null.
It copies only what it changes, so clean payloads cost a walk and no allocation. `clean_api_object`
does the same for an object decoded from JSON text, and skips the walk when orjson finds nothing to
clean.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

Converter = Callable[[Any], Any]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1

# Postgres `numeric` without precision holds up to 131072 digits before the point; stay far below.
_MAX_DECIMAL_EXPONENT = 1000
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def clean_text(value: str) -> str:
    """Return `value` without NUL characters and with lone surrogates replaced, so Postgres takes it."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (from a JSON "\ud83d" escape) cannot be UTF-8: round-trip to get U+FFFD.
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def _is_clean_key(key: Any) -> bool:
    return type(key) is not str or clean_text(key) is key


def clean_api_object(value: dict) -> dict:
    """`clean_json` of an object decoded from JSON text (which cannot carry NaN or Infinity), done in C
    when it is clean: orjson refuses lone surrogates and escapes NUL as `\\u0000`, so an object it
    serialises without either is returned as it is; only the others take the walk."""
    try:
        if b"\\u0000" not in orjson.dumps(value):
            return value
    except orjson.JSONEncodeError:
        pass
    return clean_json(value)


def clean_json(value: Any) -> Any:
    """Return `value` (a decoded JSON tree) made storable in `jsonb`; unchanged parts are not copied."""
    kind = type(value)
    if kind is str:
        return clean_text(value)
    if kind is dict:
        for key, item in value.items():
            if clean_json(item) is not item or not _is_clean_key(key):
                return {(clean_text(k) if type(k) is str else k): clean_json(v) for k, v in value.items()}
        return value
    if kind is list:
        for item in value:
            if clean_json(item) is not item:
                return [clean_json(v) for v in value]
        return value
    if kind is float and not math.isfinite(value):
        return None
    return value


def to_text(value: Any) -> str | None:
    """A string column: strings kept (cleaned), numbers spelt out, anything else (dict, list, bool) None."""
    kind = type(value)
    if kind is str:
        return clean_text(value)
    if kind is int:
        return str(value)
    if kind is float:
        return repr(value) if math.isfinite(value) else None
    if kind is Decimal:
        return str(value) if value.is_finite() else None
    return None


def to_decimal(value: Any) -> Decimal | None:
    """A money/numeric column: `Decimal(str(x))` for numbers and numeric strings; 0 stays `Decimal('0')`."""
    kind = type(value)
    if kind is int:
        return Decimal(value)
    if kind is float:
        return Decimal(repr(value)) if math.isfinite(value) else None
    if kind is str:
        text = value.strip()
        if not text or len(text) > 200:
            return None
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            return None
    elif kind is Decimal:
        number = value
    else:
        return None
    if not number.is_finite() or number.adjusted() > _MAX_DECIMAL_EXPONENT:
        return None
    return number


def to_integer(value: Any, low: int, high: int) -> int | None:
    """An integer in `[low, high]`, from an int, an integral float or a numeric string; else None."""
    kind = type(value)
    if kind is int:
        number = value
    elif kind is float:
        if not value.is_integer():
            return None
        number = int(value)
    elif kind is str or kind is Decimal:
        exact = to_decimal(value)
        if exact is None or exact != exact.to_integral_value():
            return None
        number = int(exact)
    else:
        return None
    return number if low <= number <= high else None


def to_int32(value: Any) -> int | None:
    """An `integer` column (quantities, days, grams)."""
    return to_integer(value, -INT32_MAX - 1, INT32_MAX)


def to_int64(value: Any) -> int | None:
    """A `bigint` column (shop, item, model, buyer ids)."""
    return to_integer(value, -INT64_MAX - 1, INT64_MAX)


def to_uint64(value: Any) -> int | None:
    """A uint64 id stored in `numeric(20)` (promotion_id, activity_id): a Python int, never a float."""
    return to_integer(value, 0, UINT64_MAX)


def integer_within_digits(digits: int) -> Converter:
    """A converter for `numeric(digits, 0)`: any int with at most `digits` digits."""
    bound = 10**digits - 1

    def convert(value: Any) -> int | None:
        return to_integer(value, -bound, bound)

    convert.__doc__ = f"An integer of at most {digits} digits (numeric({digits}, 0))."
    return convert


def to_bool(value: Any) -> bool | None:
    """A boolean column: true/false, also 0/1 and "true"/"false"; anything else None."""
    if value is True or value is False:
        return value
    kind = type(value)
    if kind is int and value in (0, 1):
        return value == 1
    if kind is str:
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def to_utc(value: Any) -> datetime | None:
    """Unix seconds -> aware UTC datetime; 0, negatives, None, junk and out-of-range values -> None.

    An aware datetime passes through (converted to UTC); a naive one is taken as UTC.
    """
    kind = type(value)
    if kind is int or kind is float:
        seconds = value
    elif kind is str:
        seconds = to_decimal(value)
        if seconds is None:
            return None
        seconds = float(seconds)
    elif isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    else:
        return None
    if not seconds or not seconds > 0:  # 0, negative, NaN
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def text_without_prefix(prefix: str) -> Converter:
    """A converter to text that drops `prefix` where the text starts with it (Shopee spells some values
    both with and without a prefix)."""

    def convert(value: Any) -> str | None:
        text = to_text(value)
        return text[len(prefix) :] if text and text.startswith(prefix) else text

    return convert


def int32_sum_of(field: str) -> Converter:
    """A list of objects -> the sum of their `field` as int32 (entries without a number count nothing);
    None when the value is not a list or no entry has a number."""

    def convert(value: Any) -> int | None:
        if type(value) is not list:
            return None
        numbers = [to_int32(entry.get(field)) for entry in value if type(entry) is dict]
        known = [n for n in numbers if n is not None]
        return to_int32(sum(known)) if known else None

    return convert


def to_json_object(value: Any) -> dict | None:
    """A `jsonb` column that holds an object (recipient_address, invoice_data...): dicts only."""
    return clean_json(value) if type(value) is dict else None


def to_json_array(value: Any) -> list | None:
    """A `jsonb` column that holds an array (a package's item_list, return_order_sn_list): lists only."""
    return clean_json(value) if type(value) is list else None


def to_json(value: Any) -> Any:
    """A `jsonb` column of either shape: dicts and lists kept, scalars None."""
    return clean_json(value) if type(value) in (dict, list) else None


def describe(value: Any, limit: int = 60) -> str:
    """A short repr of `value` for skip reasons (a 100 KB string must not end up in a log line)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
