"""Value coercion: each converter returns its column's type or None, and never raises."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shopee_pipeline.normalize import convert


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, Decimal("0")),
        (0.0, Decimal("0.0")),
        (32119, Decimal("32119")),
        (0.1, Decimal("0.1")),
        (-1500.5, Decimal("-1500.5")),
        ("12.50", Decimal("12.50")),
        ("abc", None),
        ("", None),
        (None, None),
        (True, None),
        (float("nan"), None),
        (float("inf"), None),
        ("NaN", None),
        ({"amount": 1}, None),
        ([1], None),
        ("1e999999", None),
    ],
)
def test_to_decimal(value: object, expected: Decimal | None) -> None:
    result = convert.to_decimal(value)
    assert result == expected
    if expected is not None:
        assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (123, 123),
        (2**63 - 1, 2**63 - 1),
        (2**63, None),
        (12.0, 12),
        (12.5, None),
        ("987654321", 987654321),
        ("12.0", 12),
        ("x1", None),
        (True, None),
        (None, None),
        ({}, None),
    ],
)
def test_to_int64(value: object, expected: int | None) -> None:
    assert convert.to_int64(value) == expected


def test_uint64_and_int32_ranges() -> None:
    assert convert.to_uint64(2**64 - 1) == 2**64 - 1
    assert type(convert.to_uint64(18446744073709551615)) is int
    assert convert.to_uint64(2**64) is None
    assert convert.to_uint64(-1) is None
    assert convert.to_int32(2**31) is None
    assert convert.integer_within_digits(20)(2**64 - 1) == 2**64 - 1
    assert convert.integer_within_digits(20)(10**20) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1704067200, datetime(2024, 1, 1, tzinfo=UTC)),
        (1704067200.0, datetime(2024, 1, 1, tzinfo=UTC)),
        ("1704067200", datetime(2024, 1, 1, tzinfo=UTC)),
        (0, None),
        (None, None),
        (-5, None),
        ("soon", None),
        (10**20, None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_to_utc(value: object, expected: datetime | None) -> None:
    result = convert.to_utc(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("False", False),
        (2, None),
        ("x", None),
    ],
)
def test_to_bool(value: object, expected: bool | None) -> None:
    assert convert.to_bool(value) is expected


def test_to_text() -> None:
    assert convert.to_text("Jakarta Selatan") == "Jakarta Selatan"
    assert convert.to_text("") == ""
    assert convert.to_text(12) == "12"
    assert convert.to_text({"a": 1}) is None
    assert convert.to_text(["a"]) is None
    assert convert.to_text(False) is None
    assert convert.to_text("a\x00b") == "ab"


def test_clean_json_copies_only_what_it_changes() -> None:
    clean = {"a": [1, "x", {"b": 2.5}], "name": "Budi 😀 日本"}
    assert convert.clean_json(clean) is clean
    dirty = {"a": [1, "x\x00y", {"b": float("nan")}], "k\x00": "\ud83d", "same": {"c": 1}}
    out = convert.clean_json(dirty)
    assert out == {"a": [1, "xy", {"b": None}], "k": "\ufffd", "same": {"c": 1}}
    assert out["same"] is dirty["same"]
    assert dirty["a"][1] == "x\x00y"  # the input is not mutated
    out["k"].encode("utf-8")


def test_clean_api_object_returns_clean_objects_as_they_are_and_cleans_the_others() -> None:
    clean = {"a": [1, "x", {"b": 2.5}], "name": "Budi 😀 日本", "path": "C:\\u0000 is text, not NUL"}
    assert convert.clean_api_object(clean) is clean
    for dirty, cleaned in [
        ({"a": ["x\x00y"]}, {"a": ["xy"]}),
        ({"k\x00": 1}, {"k": 1}),
        ({"s": "\ud83d"}, {"s": "\ufffd"}),
        ({1: "non-text key"}, {1: "non-text key"}),
    ]:
        assert convert.clean_api_object(dirty) == cleaned


def test_describe_truncates() -> None:
    assert len(convert.describe("x" * 100_000)) == 60
