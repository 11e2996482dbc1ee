"""Alerts to a Slack-compatible incoming webhook: the message of a failed run (with the checks that failed
in it), and posting it. No Dagster: one path for every failure an operator must hear of."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import requests

from shopee_pipeline.run_tags import PARTITION, RANGE_END, RANGE_START, SHOP_TAG, SHOPS_TAG, TRIGGER_TAG
from shopee_pipeline.shopee import redact

SHOPS_METADATA = "shops"
"""The metadata key of a failed asset check listing the shop ids it concerns (comma-separated), read by the
alert (the `shops` authorization check's own key is `expiring_shops`)."""

# Slack shows about 3,000 characters of a message's text before folding it.
MAX_ERROR_CHARACTERS = 1500


@dataclass(frozen=True)
class FailedCheck:
    """An asset check that did not pass: `check` on `asset`, what it said, and the shops it names."""

    asset: str
    check: str
    description: str
    shops: tuple[str, ...] = ()


@dataclass(frozen=True)
class FailedRun:
    """What an operator needs to know about a failed run: which run, which shops and days, and why (its
    step errors and the checks that failed in it)."""

    run_id: str
    job_name: str
    tags: Mapping[str, str]
    errors: list[str]
    failed_checks: tuple[FailedCheck, ...] = ()

    def shops(self) -> str:
        """The run's shops as its tags name them (a push run's, a tick's slice, a partition's), else the
        shops its failed checks name."""
        shops = self.tags.get(SHOPS_TAG) or self.tags.get(SHOP_TAG)
        if not shops and "|" in self.tags.get(PARTITION, ""):
            shops = self.tags[PARTITION].split("|")[-1]
        if not shops:
            shops = ",".join(dict.fromkeys(shop for check in self.failed_checks for shop in check.shops))
        return shops.replace(",", ", ") if shops else "no shop tag"

    def partition(self) -> str:
        """Its partition, or its partition range."""
        if partition := self.tags.get(PARTITION):
            return partition
        if RANGE_START in self.tags:
            return f"{self.tags[RANGE_START]} .. {self.tags.get(RANGE_END, '?')}"
        return "not partitioned"


def alert_text(run: FailedRun, secrets: Iterable[str | None] = ()) -> str:
    """One Slack message: run, job, trigger, shops, partition, each failed check (asset, check, what it
    said) and the errors, secrets masked."""
    trigger = run.tags.get(TRIGGER_TAG, "manual")
    checks = [f"check `{c.asset}:{c.check}` failed: {c.description}" for c in run.failed_checks]
    errors = "\n".join(checks + run.errors) or "no step error recorded (the run process may have crashed)"
    if len(errors) > MAX_ERROR_CHARACTERS:
        errors = errors[:MAX_ERROR_CHARACTERS] + " ..."
    text = (
        f":rotating_light: shopee-pipeline: run {run.run_id[:8]} of `{run.job_name}` ({trigger}) failed\n"
        f"shops: {run.shops()}\npartition: {run.partition()}\n{errors}"
    )
    return redact(text, secrets)


def post_alert(url: str, text: str, timeout: float = 10.0) -> None:
    """POST `{"text": text}` to an incoming webhook; raise on any answer but 2xx (without the URL, which
    holds the webhook's secret)."""
    try:
        response = requests.post(url, json={"text": text}, timeout=timeout)
    except requests.RequestException as exc:
        raise RuntimeError(f"alert webhook unreachable: {type(exc).__name__}") from None
    if not response.ok:
        raise RuntimeError(f"alert webhook answered HTTP {response.status_code}")
