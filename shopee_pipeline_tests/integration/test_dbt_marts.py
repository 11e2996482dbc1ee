"""The dbt marts end to end: a few sandbox days synced through the sync location, then every dbt model
built through the analytics location; each mart's figures equal figures computed here, independently,
from the sandbox's own orders, escrow and returns; dbt's tests come back as passing asset checks; the
marts are requested by Declarative Automation after the syncs land and not again after they are built.
The money marts (order_profit with unit costs loaded for most variations, payout_reconciliation with a
paid-late, a short-paid and an overdue order, daily_shop_profit, sku_daily, the wallet balance and per-day
payout checks) equal figures computed here from the sandbox's orders, returns and wallet; the daily
money-at-risk checks fail naming shop, order and amount, and the alert says so.
Also: the location's lineage joins the Shopee assets, a model file added to the project becomes an asset
with no Python change, and the sync's location never imports dbt."""

import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from dagster_dbt import DbtProject
from sqlalchemy import text

from shopee_pipeline.alerts import FailedRun, alert_text
from shopee_pipeline.analytics.connection import PASSWORD_VARIABLE, dbt_connection_env
from shopee_pipeline.analytics.definitions import build_definitions
from shopee_pipeline.analytics.definitions import defs as analytics_defs
from shopee_pipeline.analytics.project import prepared_project, shopee_dbt_project
from shopee_pipeline.analytics.translator import GROUP_NAME
from shopee_pipeline.definitions import defs as sync_defs
from shopee_pipeline.defs.alerts import failed_checks
from shopee_pipeline.run_tags import RANGE_END, RANGE_START
from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline_tests.conftest import connected_pipeline
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

HISTORY_DAYS = 7
MARTS = (
    "daily_shop_sales",
    "order_economics",
    "fulfilment",
    "daily_shop_returns",
    "order_profit",
    "payout_reconciliation",
    "daily_shop_profit",
    "sku_daily",
    "stock_cover",
)
SHOPEE_KEYS = {
    "orders",
    "order_items",
    "logistics",
    "escrow",
    "bookings",
    "returns",
    "wallet_transactions",
    "escrow_releases",
    "items",
    "item_models",
    "stock_history",
    "product_costs",
}
GRACE_DAYS = 2
ESCROW_CREDITS = ("ESCROW_VERIFIED_ADD", "ESCROW_VERIFIED_MINUS")
REPO = Path(__file__).resolve().parents[2]


def _models() -> dg.AssetsDefinition:
    (models,) = analytics_defs.assets
    return models


def _money(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def analytics_pipeline(monkeypatch, pg_url, pg_engine, warehouse):
    """Two sandbox shops synced over every day of their history, the marts' schemas beside the test's."""
    config = SandboxConfig(
        shops=2,
        seed=7,  # a seed whose history holds ACCEPTED returns and a late shipment
        orders_per_shop_per_day=20,
        history_days=HISTORY_DAYS,
        start_time=SANDBOX_START,
        return_rate=0.4,
        # Releases a day after completion; some 2 days later still (paid late, or overdue until then),
        # some paid short: against a grace of GRACE_DAYS, every status of payout_reconciliation shows;
        # withdrawals and adjustments between them for the wallet's balance check.
        escrow_release_days=1,
        late_release_rate=0.3,
        late_release_extra_days=2,
        short_credit_rate=0.5,
        withdrawal_every_days=2,
        adjustment_rate=0.5,
    )
    handle = start_sandbox(config)
    marts, staging = f"{warehouse.schema}_marts", f"{warehouse.schema}_staging"
    monkeypatch.setenv("SHOPEE_MARTS_SCHEMA", marts)
    monkeypatch.setenv("SHOPEE_STAGING_SCHEMA", staging)
    monkeypatch.setenv("SHOPEE_RELEASE_GRACE_DAYS", str(GRACE_DAYS))
    monkeypatch.setenv("SHOPEE_MARTS_AS_OF", datetime.fromtimestamp(handle.now(), UTC).isoformat())
    try:
        with connected_pipeline(monkeypatch, pg_url, warehouse, handle) as pipeline:
            pipeline.marts = marts
            yield pipeline
    finally:
        handle.stop()
        with pg_engine.begin() as conn:
            for schema in (marts, staging):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def _sync_everything(pipeline) -> None:
    today = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    first = today - timedelta(days=HISTORY_DAYS)
    job = sync_defs.resolve_job_def("sync_shopee")
    for shop in pipeline.sandbox.shop_ids:
        tags = {RANGE_START: f"{first}|{shop}", RANGE_END: f"{today}|{shop}"}
        result = job.execute_in_process(instance=pipeline.instance, tags=tags, raise_on_error=False)
        assert result.success, [e.message for e in result.all_events if e.is_failure]


def _mart(pipeline, name: str) -> list[dict]:
    with pipeline.warehouse.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f'SELECT * FROM "{pipeline.marts}".{name}'))]


def _sandbox_orders(pipeline) -> list[tuple[int, dict]]:
    """`(shop_id, get_order_detail object)` of every order that exists in the sandbox."""
    world = pipeline.sandbox.world
    return [
        (shop["shop_id"], world.order_detail(shop["shop_id"], order["order_sn"]))
        for shop in pipeline.sandbox.truth()["shops"]
        for order in shop["orders"]
    ]


def _local_day(pipeline, unix_seconds: int):
    return datetime.fromtimestamp(unix_seconds, pipeline.settings.timezone).date()


def _expected_sales(pipeline, orders) -> dict:
    sales: dict = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for shop, order in orders:
        day = sales[(shop, _local_day(pipeline, order["create_time"]))]
        day[0] += 1
        if order["order_status"] == "CANCELLED":
            day[1] += 1
        else:
            day[2] += sum(item["model_quantity_purchased"] for item in order["item_list"])
            day[3] += _money(order["total_amount"])
    return {key: tuple(value) for key, value in sales.items()}


def _expected_fulfilment(pipeline, orders) -> dict:
    shipped: dict = defaultdict(list)
    for shop, order in orders:
        if order["pickup_done_time"]:
            late = bool(order["ship_by_date"]) and order["pickup_done_time"] > order["ship_by_date"]
            hours = (order["pickup_done_time"] - order["create_time"]) / 3600
            shipped[(shop, _local_day(pipeline, order["pickup_done_time"]))].append((late, hours))
    return {
        key: (len(rows), sum(late for late, _ in rows), statistics.median(h for _, h in rows))
        for key, rows in shipped.items()
    }


def _expected_returns(pipeline) -> dict:
    days: dict = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0), 0])
    for shop in pipeline.sandbox.shop_ids:
        for entry in pipeline.sandbox.world.returns_now(shop):
            day = days[(shop, _local_day(pipeline, entry["create_time"]))]
            day[0] += 1
            day[2] += _money(entry["refund_amount"])
            if entry["status"] == "ACCEPTED":
                day[1] += 1
                day[3] += _money(entry["refund_amount"])
            day[4] += sum(item["amount"] for item in entry["item"])
    return {key: tuple(value) for key, value in days.items()}


def _assert_order_economics(pipeline, orders) -> None:
    rows = {r["order_sn"]: r for r in _mart(pipeline, "order_economics")}
    statuses = {order["order_sn"]: order["order_status"] for _, order in orders}
    assert {sn for sn, status in statuses.items() if status == "COMPLETED"} <= set(rows)
    for shop, order in orders:
        row = rows.get(order["order_sn"])
        if row is None:
            continue
        income = pipeline.sandbox.world.escrow_detail(shop, order["order_sn"])["order_income"]
        fees = ("commission_fee", "service_fee", "seller_transaction_fee", "campaign_fee")
        total_fees = sum(_money(income[f]) for f in (*fees, "order_ams_commission_fee"))
        assert row["escrow_amount"] == _money(income["escrow_amount"]), order["order_sn"]
        assert row["buyer_total_amount"] == _money(income["buyer_total_amount"])
        assert row["total_fees"] == total_fees
        buyer_paid = _money(income["buyer_total_amount"])
        assert row["fee_share"] == (pytest.approx(total_fees / buyer_paid) if buyer_paid else None)


def _load_costs(pipeline, orders) -> dict:
    """Unit costs for three variations in four (the fourth has none), half of them with a second,
    newer cost from three days ago: `{(shop, item, model): [(valid_from, cost), ...]}`, also stored."""
    today = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    variations = sorted(
        {
            (shop, line["item_id"], line["model_id"] or 0)
            for shop, order in orders
            for line in order["item_list"]
        }
    )
    costs: dict = {}
    for index, variation in enumerate(variations):
        if index % 4 == 3:
            continue
        costs[variation] = [(date(2026, 1, 1), Decimal(1000 + 37 * index))]
        if index % 2 == 0:
            costs[variation].append((today - timedelta(days=3), Decimal(1500 + 37 * index) / 4))
    rows = [
        {"shop_id": s, "item_id": i, "model_id": m, "valid_from": f, "unit_cost": c, "currency": "IDR"}
        for (s, i, m), history in costs.items()
        for f, c in history
    ]
    with pipeline.warehouse.engine.begin() as conn:
        conn.execute(
            text(
                f'INSERT INTO "{pipeline.warehouse.schema}".product_costs '
                "(shop_id, item_id, model_id, valid_from, unit_cost, currency) "
                "VALUES (:shop_id, :item_id, :model_id, :valid_from, :unit_cost, :currency)"
            ),
            rows,
        )
    return costs


def _order_costs(pipeline, orders, costs) -> dict:
    """Per order: `(cogs, cogs_complete, {(item, model): cogs})`, by the contract's rule."""
    returned: dict = defaultdict(int)
    for shop in pipeline.sandbox.shop_ids:
        for entry in pipeline.sandbox.world.returns_now(shop):
            if entry["status"] == "ACCEPTED":
                for item in entry["item"]:
                    returned[(entry["order_sn"], item["item_id"], item["model_id"] or 0)] += item["amount"]
    result = {}
    for shop, order in orders:
        if order["order_status"] in ("UNPAID", "CANCELLED"):
            result[order["order_sn"]] = (Decimal(0), True, {})
            continue
        units: dict = defaultdict(int)
        for line in order["item_list"]:
            units[(line["item_id"], line["model_id"] or 0)] += line["model_quantity_purchased"]
        day = _local_day(pipeline, order["create_time"])
        total, complete, by_variation = Decimal(0), True, {}
        for (item, model), bought in units.items():
            kept = max(bought - returned[(order["order_sn"], item, model)], 0)
            valid = [c for f, c in costs.get((shop, item, model), []) if f <= day]
            if valid:
                by_variation[(item, model)] = kept * valid[-1]
                total += kept * valid[-1]
            else:
                by_variation[(item, model)] = Decimal(0)
                complete = complete and kept == 0
        result[order["order_sn"]] = (total, complete, by_variation)
    return result


def _escrow_amounts(pipeline, orders) -> dict:
    """The sandbox's escrow of every order the sync fetches escrow for (every order not UNPAID)."""
    return {
        order["order_sn"]: pipeline.sandbox.world.escrow_detail(shop, order["order_sn"])["order_income"]
        for shop, order in orders
        if order["order_status"] != "UNPAID"
    }


def _assert_order_profit(pipeline, orders, escrows, costs) -> None:
    rows = {r["order_sn"]: r for r in _mart(pipeline, "order_profit")}
    assert set(rows) == {order["order_sn"] for _, order in orders}
    for _, order in orders:
        row, sn = rows[order["order_sn"]], order["order_sn"]
        cogs, complete, _ = costs[sn]
        assert (row["gmv"], row["cogs"], row["cogs_complete"]) == (
            _money(order["total_amount"]),
            cogs,
            complete,
        ), sn
        payout = _money(escrows[sn]["escrow_amount"]) if sn in escrows else None
        assert row["net_payout"] == payout, sn
        assert row["profit"] == (payout - cogs if payout is not None else None), sn
    assert any(not r["cogs_complete"] for r in rows.values()) and any(r["cogs"] > 0 for r in rows.values())


def _expected_reconciliation(pipeline, orders, escrows) -> dict:
    credits: dict = {}
    for shop in pipeline.sandbox.truth()["shops"]:
        for t in shop["wallet_transactions"]:
            if t["transaction_type"] in ESCROW_CREDITS:
                amount, at = credits.get(t["order_sn"], (Decimal(0), 0))
                credits[t["order_sn"]] = (amount + Decimal(t["amount"]), max(at, t["create_time"]))
    now, grace = pipeline.sandbox.now(), GRACE_DAYS * 86400
    expected = {}
    for _, order in orders:
        sn = order["order_sn"]
        completed = order["update_time"] if order["order_status"] == "COMPLETED" else None
        if completed is None and sn not in credits:
            continue
        if sn in credits:
            credited, at = credits[sn]
            paid = abs(credited - _money(escrows[sn]["escrow_amount"])) <= Decimal("0.01")
            late = completed is not None and at > completed + grace
            expected[sn] = ("paid" if paid else "amount_mismatch", credited, late)
        else:
            expected[sn] = ("awaiting_release" if now <= completed + grace else "overdue", None, None)
    return expected


def _assert_daily_profit(pipeline, orders, escrows, costs) -> None:
    days: dict = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
    for shop, order in orders:
        if order["order_status"] == "CANCELLED":
            continue
        day = days[(shop, _local_day(pipeline, order["create_time"]))]
        income = escrows.get(order["order_sn"])
        day[0] += 1
        day[1] += _money(order["total_amount"])
        day[4] += costs[order["order_sn"]][0]
        if income is not None:
            day[2] += _money(income["commission_fee"])
            day[3] += _money(income["escrow_amount"])
            day[5] += _money(income["escrow_amount"]) - costs[order["order_sn"]][0]
    got = {
        (r["shop_id"], r["order_date"]): [
            r["orders"],
            r["gmv"],
            r["commission_fee"],
            r["net_payout"],
            r["cogs"],
            r["profit"],
        ]
        for r in _mart(pipeline, "daily_shop_profit")
    }
    assert got == {key: value for key, value in days.items()}


def _assert_sku_daily(pipeline, orders, costs) -> None:
    expected: dict = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for shop, order in orders:
        if order["order_status"] in ("UNPAID", "CANCELLED"):
            continue
        day = _local_day(pipeline, order["create_time"])
        for line in order["item_list"]:
            key = (shop, line["item_id"], line["model_id"] or 0, day)
            expected[key][0] += line["model_quantity_purchased"]
            expected[key][1] += line["model_quantity_purchased"] * _money(line["model_discounted_price"])
        for (item, model), cogs in costs[order["order_sn"]][2].items():
            expected[(shop, item, model, day)][2] += cogs
    got = {
        (r["shop_id"], r["item_id"], r["model_id"], r["day"]): [r["units"], r["revenue"], r["cogs"]]
        for r in _mart(pipeline, "sku_daily")
        if r["units"]
    }
    assert got == dict(expected)


def _assert_money_marts(pipeline, orders) -> dict:
    """Every money mart against the sandbox; returns payout_reconciliation's expected rows."""
    escrows = _escrow_amounts(pipeline, orders)
    costs = pipeline.order_costs
    _assert_order_profit(pipeline, orders, escrows, costs)
    _assert_daily_profit(pipeline, orders, escrows, costs)
    _assert_sku_daily(pipeline, orders, costs)
    expected = _expected_reconciliation(pipeline, orders, escrows)
    got = {
        r["order_sn"]: (r["status"], r["credited_amount"], r["credited_late"])
        for r in _mart(pipeline, "payout_reconciliation")
    }
    assert got == expected
    statuses = [status for status, _, _ in expected.values()]
    assert {"paid", "amount_mismatch", "overdue"} <= set(statuses)
    assert any(late for _, _, late in expected.values())  # a paid-late order
    truth = pipeline.sandbox.truth()["shops"]
    ledger = _mart(pipeline, "wallet_ledger")
    assert len(ledger) == sum(len(shop["wallet_transactions"]) for shop in truth)
    assert all(r["balance_follows"] for r in ledger)
    payouts = _mart(pipeline, "daily_payouts")
    assert all(r["credits_match_releases"] for r in payouts)
    released = sum(Decimal(r["payout_amount"]) for shop in truth for r in shop["escrow_releases"])
    assert sum(r["released_amount"] for r in payouts) == released
    return expected


def _assert_stock(pipeline, orders) -> None:
    """stock_cover and sku_daily's latest closing stock against the sandbox's catalogue and orders."""
    today = sandbox_day(pipeline.sandbox, pipeline.settings.timezone)
    sold: dict = defaultdict(int)
    for _, order in orders:
        day = _local_day(pipeline, order["create_time"])
        if order["order_status"] not in ("UNPAID", "CANCELLED") and today - timedelta(days=14) < day <= today:
            for line in order["item_list"]:
                sold[(line["item_id"], line["model_id"] or 0)] += line["model_quantity_purchased"]
    stock = {
        (item["item_id"], model["model_id"]): model["stock"]
        for shop in pipeline.sandbox.truth()["shops"]
        for item in shop["items"]
        if item["item_status"] not in ("SELLER_DELETE", "SHOPEE_DELETE")
        for model in item["models"]
    }
    cover = {(r["item_id"], r["model_id"]): r for r in _mart(pipeline, "stock_cover")}
    assert set(cover) == set(stock) and stock
    for key, units in stock.items():
        row = cover[key]
        assert (row["stock"], row["units_last_14_days"]) == (units, sold[key]), key
        expected = units / (sold[key] / 14) if sold[key] else None
        assert (float(row["days_of_stock"]) if row["days_of_stock"] is not None else None) == (
            pytest.approx(expected) if expected is not None else None
        ), key
    # The catalogue's last read is dated by the pipeline's clock: each variation's latest closing stock.
    closing = {}
    for r in sorted(_mart(pipeline, "sku_daily"), key=lambda r: r["day"]):
        if r["closing_stock"] is not None:
            closing[(r["item_id"], r["model_id"])] = r["closing_stock"]
    assert closing == stock


def _assert_money_at_risk_alerts(pipeline, expected) -> None:
    """The daily checks fail, naming shop, order and amount; the alert of their run says it."""
    result = analytics_defs.resolve_job_def("money_at_risk_job").execute_in_process(
        instance=pipeline.instance, raise_on_error=False
    )
    assert not result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert {name for name, c in checks.items() if not c.passed} == {
        "no_overdue_payouts",
        "no_payout_mismatches",
    }
    failed = failed_checks(pipeline.instance, result.run_id)
    said = {check.check: check.description for check in failed}
    rows = _mart(pipeline, "payout_reconciliation")
    at_risk = {
        status: sorted(
            (r for r in rows if r["status"] == status),
            key=lambda r: (r["shop_id"], r["due_at"], r["order_sn"]),
        )
        for status in ("overdue", "amount_mismatch")
    }
    overdue, short = at_risk["overdue"][0], at_risk["amount_mismatch"][0]
    assert {overdue["order_sn"], short["order_sn"]} <= {
        sn for sn, (s, _, _) in expected.items() if s != "paid"
    }
    assert (
        f"shop {overdue['shop_id']} order {overdue['order_sn']}: expected {overdue['expected_payout']} IDR, "
        f"nothing credited, due {overdue['due_at']}"
    ) in said["no_overdue_payouts"]
    assert (
        f"shop {short['shop_id']} order {short['order_sn']}: expected {short['expected_payout']} IDR, "
        f"credited {short['credited_amount']} IDR"
    ) in said["no_payout_mismatches"]
    message = alert_text(FailedRun(result.run_id, "money_at_risk_job", {}, [], failed))
    assert "check `payout_reconciliation:no_overdue_payouts` failed" in message
    assert any(f"shop {r['shop_id']} order {r['order_sn']}: expected" in message for r in rows)
    shops = message.split("shops: ")[1].split("\n")[0]
    assert {str(overdue["shop_id"]), str(short["shop_id"])} <= set(shops.split(", "))


@pytest.mark.slow
def test_marts_equal_figures_computed_from_the_sandbox(analytics_pipeline) -> None:
    pipeline = analytics_pipeline
    merged = dg.Definitions.merge(sync_defs, analytics_defs)  # the daemon sees both locations' graph
    model_keys = set(_models().keys)
    baseline = dg.evaluate_automation_conditions(defs=merged, instance=pipeline.instance)
    assert baseline.total_requested == 0  # a first evaluation only sets the baseline

    _sync_everything(pipeline)
    pipeline.order_costs = _order_costs(
        pipeline, _sandbox_orders(pipeline), _load_costs(pipeline, _sandbox_orders(pipeline))
    )
    requested = dg.evaluate_automation_conditions(
        defs=merged, instance=pipeline.instance, cursor=baseline.cursor
    )
    # Every model is missing on this fresh database: each is requested, those over product_costs alone too.
    assert {key for key in model_keys if requested.get_num_requested(key)} == model_keys

    started = time.monotonic()
    models = _models()
    job = analytics_defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=set(models.keys), asset_check_selection=set(models.check_keys)
    )
    result = job.execute_in_process(instance=pipeline.instance, raise_on_error=False)
    print(f"dbt build of {len(model_keys)} models: {time.monotonic() - started:.1f} s")
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    built = {e.asset_key for e in result.get_asset_materialization_events()}
    assert built == model_keys
    checks = result.get_asset_check_evaluations()
    assert {c.asset_check_key for c in checks} == set(_models().check_keys)
    assert all(c.passed for c in checks), [c.asset_check_key for c in checks if not c.passed]
    assert not (shopee_dbt_project().target_path / f"run-{result.run_id}").exists()  # artifacts removed

    again = dg.evaluate_automation_conditions(
        defs=merged, instance=pipeline.instance, cursor=requested.cursor
    )
    assert again.total_requested == 0

    orders = _sandbox_orders(pipeline)
    sales = {
        (r["shop_id"], r["order_date"]): (r["orders"], r["cancellations"], r["units"], r["gmv"])
        for r in _mart(pipeline, "daily_shop_sales")
    }
    assert sales == _expected_sales(pipeline, orders)
    assert sum(day[1] for day in sales.values()) > 0  # cancellations were counted, not just zero
    assert {r["currency"] for r in _mart(pipeline, "daily_shop_sales")} == {o["currency"] for _, o in orders}

    fulfilment = {
        (r["shop_id"], r["ship_date"]): (r["orders_shipped"], r["shipped_late"], r["median_hours_to_pickup"])
        for r in _mart(pipeline, "fulfilment")
    }
    expected_fulfilment = _expected_fulfilment(pipeline, orders)
    assert fulfilment.keys() == expected_fulfilment.keys() and fulfilment
    for key, (shipped, late, median) in expected_fulfilment.items():
        assert fulfilment[key][:2] == (shipped, late), key
        assert fulfilment[key][2] == pytest.approx(median), key
    assert sum(late for _, late, _ in fulfilment.values()) > 0

    returns = {
        (r["shop_id"], r["return_date"]): (
            r["returns"],
            r["accepted_returns"],
            r["refund_requested"],
            r["refund_accepted"],
            r["units_returned"],
        )
        for r in _mart(pipeline, "daily_shop_returns")
    }
    assert returns == _expected_returns(pipeline) and any(day[1] for day in returns.values())

    _assert_order_economics(pipeline, orders)
    _assert_stock(pipeline, orders)
    _assert_money_at_risk_alerts(pipeline, _assert_money_marts(pipeline, orders))


def test_the_location_joins_the_shopee_assets_and_automates_every_model() -> None:
    graph = analytics_defs.resolve_asset_graph()
    models = _models()
    upstream = {parent for key in models.keys for parent in graph.get(key).parent_keys} - set(models.keys)
    assert {key.to_user_string() for key in upstream} == SHOPEE_KEYS
    assert upstream <= set(sync_defs.resolve_asset_graph().get_all_asset_keys())
    assert {dg.AssetKey(name) for name in MARTS} <= set(models.keys)
    for key in models.keys:
        assert graph.get(key).automation_condition is not None, key
        assert graph.get(key).group_name == GROUP_NAME
    assert len(models.check_keys) >= 20  # dbt's tests, as asset checks
    automation, alerts = analytics_defs.sensors
    assert isinstance(automation, dg.AutomationConditionSensorDefinition)
    assert automation.default_status == dg.DefaultSensorStatus.RUNNING
    assert alerts.name == "alert_on_run_failure"  # money at risk is posted like a failed sync run
    (schedule,) = analytics_defs.schedules
    assert (
        schedule.name == "money_at_risk_daily" and schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    )


def test_a_model_file_added_to_the_project_becomes_an_asset(tmp_path) -> None:
    """The analyst's way: a .sql file in models/, no Python change; the manifest (older than the new file)
    is parsed again when the location loads."""
    source = shopee_dbt_project()
    copy = tmp_path / "dbt_project"
    shutil.copytree(source.project_dir, copy, ignore=shutil.ignore_patterns("logs", "parse-*", "run-*"))
    (copy / "models" / "marts" / "weekly_shop_sales.sql").write_text(
        "select shop_id, date_trunc('week', order_date) as week, sum(gmv) as gmv\n"
        "from {{ ref('daily_shop_sales') }} group by 1, 2\n"
    )
    project = prepared_project(DbtProject(project_dir=copy, profiles_dir=copy))
    graph = build_definitions(project).resolve_asset_graph()
    assert graph.get(dg.AssetKey("weekly_shop_sales")).parent_keys == {dg.AssetKey("daily_shop_sales")}
    assert graph.get(dg.AssetKey("weekly_shop_sales")).automation_condition is not None


def test_importing_the_sync_location_does_not_import_dbt() -> None:
    code = "import sys, shopee_pipeline.definitions; print(sorted(m for m in sys.modules if 'dbt' in m))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "[]"


def test_loading_the_analytics_location() -> None:
    """The location loads in a process of its own (the manifest already built); its time is printed."""
    started = time.monotonic()
    code = "import shopee_pipeline.analytics.definitions as d; print(len(d.defs.assets[0].keys))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    print(f"loading shopee_analytics: {time.monotonic() - started:.1f} s")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert int(completed.stdout) == len(_models().keys)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (  # the embedded server: a Unix socket directory in the query
            "postgresql://postgres:@/postgres?host=/tmp/spt-x/pgdata",
            ("/tmp/spt-x/pgdata", "5432", "postgres", "", "postgres", "prefer"),
        ),
        (  # Supabase's pooler: a dotted user, a password needing escapes, sslmode
            "postgresql://postgres.abcd:p%40ss%2Fw@aws-0-x.pooler.supabase.com:5432/postgres?sslmode=require",
            ("aws-0-x.pooler.supabase.com", "5432", "postgres.abcd", "p@ss/w", "postgres", "require"),
        ),
    ],
)
def test_database_urls_become_dbts_connection(url: str, expected: tuple) -> None:
    env = dbt_connection_env(url)
    names = ("SHOPEE_DBT_HOST", "SHOPEE_DBT_PORT", "SHOPEE_DBT_USER", PASSWORD_VARIABLE)
    assert tuple(env[n] for n in (*names, "SHOPEE_DBT_DBNAME", "SHOPEE_DBT_SSLMODE")) == expected
