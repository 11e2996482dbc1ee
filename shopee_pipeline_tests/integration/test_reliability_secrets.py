"""Secrets: with logging at DEBUG, the scenarios that handle keys and tokens (a sync under faults with
expiring tokens, a shop whose refresh token was revoked, the webhook receiver under valid and forged
pushes, the CLI refusing a spent refresh token) leave the partner key, the push key, every token, every
authorization code and every request sign out of every log line, exception, Dagster event and metadata
value: zero hits.

The sandbox records every secret it issued or received (`record_secrets`), so the search covers the
tokens of every rotation and the sign of every request, not only the ones stored at the end.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator

import dagster as dg
import pytest
import requests
from dagster._serdes import serialize_value

from shopee_pipeline.cli import main
from shopee_pipeline.definitions import defs
from shopee_pipeline.sandbox import SandboxConfig, start_sandbox
from shopee_pipeline.settings import get_settings
from shopee_pipeline.shopee import ShopeeClient, ShopeeConfig
from shopee_pipeline.shopee.tokens import InMemoryTokenStore
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.token_store import PostgresTokenStore
from shopee_pipeline.webhook import create_app, push_signature
from shopee_pipeline.webhook.server import background_server
from shopee_pipeline_tests.conftest import dagster_test_instance
from shopee_pipeline_tests.pinned_clock import SANDBOX_START, sandbox_day

PUSH_KEY = "sandbox-live-push-partner-key-0123"
CALLBACK = "http://127.0.0.1:8000/api/webhook"
QUICK_RETRY = dg.RetryPolicy(max_retries=1, delay=0.1)
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}")

# `orders` and `escrow` are one multi-asset (`shopee_orders`).
shopee_orders, bookings = (defs.get_assets_def(key) for key in ("orders", "bookings"))


def leaks(texts: Iterable[str], secrets: set[str]) -> set[str]:
    """The secrets that occur in any of `texts` (hex secrets found through their hex runs)."""
    hex_secrets = {s for s in secrets if re.fullmatch(r"[0-9a-f]+", s)}
    other = secrets - hex_secrets
    lengths = sorted({len(s) for s in hex_secrets})
    found = set()
    for text in texts:
        for run in _HEX_RUN.findall(text):
            run = run.lower()
            for size in lengths:
                found.update(
                    run[i : i + size] for i in range(len(run) - size + 1) if run[i : i + size] in hex_secrets
                )
        found.update(s for s in other if s in text)
    return found


@pytest.mark.clock
def test_no_secret_in_any_log_event_or_error(
    monkeypatch, pg_url: str, warehouse: Warehouse, caplog, capsys
) -> None:
    from shopee_pipeline.onboarding import connect_shop

    caplog.set_level(logging.DEBUG)
    for asset in (shopee_orders, bookings):
        monkeypatch.setattr(asset.op, "_retry_policy", QUICK_RETRY)
    config = SandboxConfig(
        shops=2,
        seed=31,
        orders_per_shop_per_day=60,
        history_days=2,
        push_key=PUSH_KEY,
        access_token_ttl=120,
        record_secrets=True,
        start_time=SANDBOX_START,
    )
    texts: list[str] = []
    with start_sandbox(config) as sandbox:
        for name, value in {
            "DATABASE_URL": pg_url,
            "SHOPEE_DB_SCHEMA": warehouse.schema,
            "SHOPEE_PARTNER_ID": str(sandbox.partner_id),
            "SHOPEE_PARTNER_KEY": sandbox.partner_key,
            "SHOPEE_PUSH_PARTNER_KEY": PUSH_KEY,
            "SHOPEE_API_BASE_URL": sandbox.url,
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
        get_settings.cache_clear()
        settings = get_settings()
        healthy, revoked = sandbox.shop_ids
        for shop in sandbox.shop_ids:
            connect_shop(settings, warehouse, shop, sandbox.authorize(shop))
        store = PostgresTokenStore(warehouse.engine, warehouse.schema)
        spent_refresh = store.load(healthy).refresh_token

        # 1. A sync under 20% faults; the tokens are already expired, so every shop refreshes first.
        #    The second shop was re-authorized elsewhere: its stored refresh token is dead.
        sandbox.advance(121)
        sandbox.authorize(revoked)
        with ShopeeClient(
            ShopeeConfig(
                partner_id=sandbox.partner_id, partner_key=sandbox.partner_key, base_url=sandbox.url
            ),
            InMemoryTokenStore(),
        ) as elsewhere:
            elsewhere.connect_shop(revoked, sandbox.authorize(revoked))
        sandbox.set_faults(fault_rate=0.2, kinds=["rate_limit", "error_server", "http_500", "drop"])
        day = str(sandbox_day(sandbox, settings.timezone))
        with dagster_test_instance() as instance:
            instance.add_dynamic_partitions("shops", [str(s) for s in sandbox.shop_ids])
            runs = [
                defs.resolve_job_def("sync_shopee").execute_in_process(
                    partition_key=f"{day}|{shop}", instance=instance, raise_on_error=False
                )
                for shop in (healthy, revoked)
            ]
            sandbox.set_faults(fault_rate=0.0)
            assert runs[0].success and not runs[1].success
            for run in runs:
                for entry in instance.all_logs(run.run_id):
                    texts.append(serialize_value(entry))
                    texts.append(entry.user_message or "")
                for event in run.all_events:
                    texts.append(str(event))

        # 2. The receiver: a valid push, a forged one, one signed with the partner key instead.
        with background_server(create_app(warehouse, CALLBACK, PUSH_KEY)) as url:
            body = json.dumps({"msg_id": "s-1", "shop_id": healthy, "code": 3, "data": {}}).encode()
            for signature in (
                push_signature(PUSH_KEY, CALLBACK, body),
                "f" * 64,
                push_signature(sandbox.partner_key, CALLBACK, body),
            ):
                texts.append(
                    requests.post(
                        f"{url}/api/webhook", data=body, headers={"Authorization": signature}, timeout=10
                    ).text
                )

        # 3. The CLI refusing a refresh token that was already spent.
        assert main(["shops", "add", "--shop-id", str(healthy), "--refresh-token", spent_refresh]) != 0
        secrets = sandbox.seen_secrets()

    captured = capsys.readouterr()
    texts += [caplog.text, captured.out, captured.err]
    texts += [logging.Formatter().format(record) for record in caplog.records]
    for shop in sandbox.shop_ids:
        pair = store.load(shop)
        secrets |= {pair.access_token, pair.refresh_token}
    # keys, codes, every rotated token and every request sign: the search must cover a real crowd of them
    # (the 120 s tokens no longer rotate before every call, so fewer tokens than signs)
    assert len(secrets) > 20
    assert {sandbox.partner_key, PUSH_KEY} <= secrets
    assert any("refresh" in t.lower() for t in texts)  # the scenarios did log about tokens
    assert leaks(texts, secrets) == set()


def test_the_search_finds_a_planted_secret() -> None:
    secrets = {"ab" * 16, "sandbox-partner-key", "cd" * 32}
    assert leaks(["nothing here", "sign=" + "cd" * 32 + "&x", "key: sandbox-partner-key"], secrets) == {
        "cd" * 32,
        "sandbox-partner-key",
    }
    assert leaks(["0" + "ab" * 16 + "0"], secrets) == {"ab" * 16}
    assert leaks(["AB" * 15], secrets) == set()


@pytest.fixture(autouse=True)
def _reset_settings() -> Iterator[None]:
    yield
    get_settings.cache_clear()
