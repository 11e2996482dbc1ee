"""Money at risk as asset checks of `payout_reconciliation`: `no_overdue_payouts` and
`no_payout_mismatches`, blocking with ERROR severity, run daily by `money_at_risk_daily`. A failure fails
its run, which `alert_on_run_failure` (also in this location) posts to the operators' webhook like any
failed run, naming the shops, orders and amounts."""

from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline.alerts import SHOPS_METADATA
from shopee_pipeline.analytics.payouts import payouts_with_status, summary
from shopee_pipeline.analytics.project import marts_schema
from shopee_pipeline.settings import get_settings
from shopee_pipeline.warehouse.database import create_warehouse_engine, resolve_database_url

RECONCILIATION = "payout_reconciliation"


def _money_check(status: str, what: str) -> dg.AssetCheckResult:
    """Pass when no order of the mart has `status`; else fail naming them (`what` says their trouble)."""
    engine = create_warehouse_engine(resolve_database_url(get_settings()), pool_size=1)
    try:
        with engine.connect() as conn:
            payouts = payouts_with_status(conn, marts_schema(), status)
    finally:
        engine.dispose()
    metadata = {
        "rows_failing": dg.MetadataValue.int(len(payouts)),
        SHOPS_METADATA: dg.MetadataValue.text(",".join(dict.fromkeys(str(p.shop_id) for p in payouts))),
    }
    if not payouts:
        return dg.AssetCheckResult(passed=True, description=f"no order {what}", metadata=metadata)
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=summary(payouts, what),
        metadata=metadata,
    )


@dg.asset_check(
    asset=RECONCILIATION,
    name="no_overdue_payouts",
    blocking=True,
    description="Fails, naming shop, order and expected amount, for every order still not credited by the "
    "wallet release_grace_days after it completed (status overdue). Run daily by `money_at_risk_daily`; a "
    "failure fails its run, which `alert_on_run_failure` posts.",
)
def no_overdue_payouts() -> dg.AssetCheckResult:
    """The mart's `overdue` orders."""
    return _money_check("overdue", "not paid after the grace period")


@dg.asset_check(
    asset=RECONCILIATION,
    name="no_payout_mismatches",
    blocking=True,
    description="Fails, naming shop, order, expected and credited amounts, for every order the wallet "
    "credited another amount than its escrow (status amount_mismatch). Run daily by `money_at_risk_daily`; "
    "a failure fails its run, which `alert_on_run_failure` posts.",
)
def no_payout_mismatches() -> dg.AssetCheckResult:
    """The mart's `amount_mismatch` orders."""
    return _money_check("amount_mismatch", "paid another amount than their escrow")


MONEY_CHECKS = (no_overdue_payouts, no_payout_mismatches)

money_at_risk_job = dg.define_asset_job(
    name="money_at_risk_job",
    selection=dg.AssetSelection.checks(*MONEY_CHECKS),
    description="Runs the money-at-risk checks of `payout_reconciliation`.",
)


def build_money_at_risk_daily(tz: ZoneInfo) -> dg.ScheduleDefinition:
    """`money_at_risk_daily`: `money_at_risk_job` every day at 08:00 in `tz`."""
    return dg.ScheduleDefinition(
        name="money_at_risk_daily",
        cron_schedule="0 8 * * *",
        job=money_at_risk_job,
        execution_timezone=tz.key,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            "Every day at 08:00, the overdue and mismatched payouts; a failure is posted as a failed run"
        ),
    )
