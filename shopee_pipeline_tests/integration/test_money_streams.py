"""The money streams end to end against the sandbox: `wallet_transactions` and `escrow_releases` synced
through Dagster equal the sandbox's wallet (every type, signed amounts, each in the day it was created or
released), whatever the sandbox does where Shopee leaves the wallet list unconfirmed (page base, page or
offset, type as code, unsigned deductions, no transaction_id); and an order whose release paid another
amount than its escrow has its escrow read again by the next sync."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import select

from shopee_pipeline.definitions import defs
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.warehouse import tables
from shopee_pipeline_tests.conftest import connected_pipeline
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

HISTORY_DAYS = 12
ESCROW_PATH = "/api/v2/payment/get_escrow_detail_batch"
WALLET_PATH = "/api/v2/payment/get_wallet_transaction_list"
MONEY_KEYS = ("wallet_transactions", "escrow_releases")


def _sandbox(**overrides):
    config = SandboxConfig(
        shops=1,
        seed=5,
        orders_per_shop_per_day=12,
        history_days=HISTORY_DAYS,
        start_time=SANDBOX_START,
        escrow_release_days=1,
        late_release_rate=0.2,
        late_release_extra_days=4,
        short_credit_rate=0.15,
        adjustment_rate=0.5,
        withdrawal_every_days=3,
        **overrides,
    )
    return start_sandbox(config)


def _run(pipeline, config: dict | None = None, select_keys=None):
    shop = pipeline.sandbox.shop_ids[0]
    today = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    job = defs.resolve_job_def("sync_shopee")
    if select_keys:
        job = job.get_subset(asset_selection={dg.AssetKey(k) for k in select_keys})
    tags = {RANGE_START: f"{today - timedelta(days=HISTORY_DAYS)}|{shop}", RANGE_END: f"{today}|{shop}"}
    result = job.execute_in_process(
        instance=pipeline.instance, tags=tags, run_config=config or {}, raise_on_error=False
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def _stored(pipeline, table) -> list[dict]:
    with pipeline.warehouse.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _assert_money_equals_truth(pipeline, with_ids: bool) -> dict:
    truth = pipeline.sandbox.truth()["shops"][0]
    stored = sorted(_stored(pipeline, tables.wallet_transactions), key=lambda r: r["current_balance"])
    expected = truth["wallet_transactions"]
    assert len(stored) == len(expected) > 0
    got = {
        (r["create_time"], r["transaction_type"], r["amount"], r["current_balance"], r["order_sn"] or "")
        for r in stored
    }
    want = {
        (
            _at(t["create_time"]),
            t["transaction_type"],
            Decimal(t["amount"]),
            Decimal(t["current_balance"]),
            t["order_sn"],
        )
        for t in expected
    }
    assert got == want
    kinds = {t["transaction_type"] for t in expected}
    assert {"ESCROW_VERIFIED_ADD", "WITHDRAWAL_CREATED", "WITHDRAWAL_COMPLETED"} <= kinds
    assert kinds & {"ADJUSTMENT_ADD", "ADJUSTMENT_MINUS"}
    ids = {r["transaction_id"] for r in stored}
    if with_ids:
        assert ids == {str(t["transaction_id"]) for t in expected}
    else:
        assert all(i.startswith("derived:") for i in ids)
    releases = {
        r["order_sn"]: (r["payout_amount"], r["escrow_release_time"])
        for r in _stored(pipeline, tables.escrow_releases)
    }
    assert releases == {
        r["order_sn"]: (Decimal(r["payout_amount"]), _at(r["escrow_release_time"]))
        for r in truth["escrow_releases"]
    }
    return truth


@pytest.mark.parametrize(
    "unconfirmed",
    [
        {},
        {
            "wallet_page_no_base": 1,
            "wallet_page_no_is_offset": True,
            "wallet_type_as_code": True,
            "wallet_deductions_negative": False,
            "wallet_newest_first": False,
            "wallet_transaction_id": False,
        },
    ],
    ids=["as_documented", "every_unconfirmed_switch"],
)
def test_wallet_and_releases_equal_the_sandbox(monkeypatch, pg_url, warehouse, unconfirmed) -> None:
    handle = _sandbox(**unconfirmed)
    client_paging = {
        "wallet_first_page_no": unconfirmed.get("wallet_page_no_base", 0),
        "wallet_page_no_is_offset": unconfirmed.get("wallet_page_no_is_offset", False),
    }
    try:
        with connected_pipeline(monkeypatch, pg_url, warehouse, handle) as pipeline:
            config = {"resources": {"shopee": {"config": client_paging}}}
            _run(pipeline, config, select_keys=MONEY_KEYS)
            _assert_money_equals_truth(pipeline, with_ids="wallet_transaction_id" not in unconfirmed)
            calls = handle.call_counts()[WALLET_PATH]
            _run(pipeline, config, select_keys=MONEY_KEYS)  # a re-run changes nothing
            _assert_money_equals_truth(pipeline, with_ids="wallet_transaction_id" not in unconfirmed)
            assert handle.call_counts()[WALLET_PATH] == 2 * calls
    finally:
        handle.stop()


def test_a_release_paying_another_amount_has_its_escrow_read_again(monkeypatch, pg_url, warehouse) -> None:
    handle = _sandbox()
    try:
        with connected_pipeline(monkeypatch, pg_url, warehouse, handle) as pipeline:
            _run(pipeline, select_keys=("orders", "order_items", "logistics", "escrow"))
            escrow_calls = handle.call_counts()[ESCROW_PATH]
            _run(pipeline, select_keys=("escrow_releases",))
            escrow = {r["order_sn"]: r for r in _stored(pipeline, tables.escrow)}
            short = [
                r["order_sn"]
                for r in _stored(pipeline, tables.escrow_releases)
                if r["payout_amount"] != escrow[r["order_sn"]]["escrow_amount"]
            ]
            assert short  # the sandbox paid some releases short
            before = {sn: escrow[sn]["synced_at"] for sn in short}

            result = _run(pipeline, select_keys=("escrow",))
            assert handle.call_counts()[ESCROW_PATH] > escrow_calls
            (materialization,) = [
                e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("escrow")
            ][:1]
            needing = materialization.materialization.metadata["run"].value["orders_needing_escrow"]
            assert needing >= len(short)
            # The escrow answered the same amount: nothing was rewritten, the mismatch stays for the marts.
            after = {r["order_sn"]: r["synced_at"] for r in _stored(pipeline, tables.escrow)}
            assert all(after[sn] == before[sn] for sn in short)
    finally:
        handle.stop()
