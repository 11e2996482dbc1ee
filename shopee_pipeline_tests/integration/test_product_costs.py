"""`costs import` and `costs export` against real Postgres rows: ids and SKUs, the SKU matching order, every
kind of bad file leaving the table as it was, loading twice, the export -> fill -> import round trip, and
the load recorded in the Dagster instance."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import insert, select

from shopee_pipeline.cli import main
from shopee_pipeline.settings import get_settings
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.shops import upsert_shop
from shopee_pipeline.warehouse.store import Warehouse

SHOP, OTHER_SHOP, UNKNOWN_SHOP = 101, 102, 999
HEADER = "shop_id,item_id,model_id,sku,unit_cost,currency,valid_from"
# (shop, item, item_sku, item_name, [(model_id, model_sku, model_name)])
CATALOGUE = [
    (SHOP, 1, "KAOS", "Kaos polos", [(11, "KAOS-M", "M"), (12, "KAOS-L", "L")]),
    (SHOP, 2, "TOPI", "Topi", [(0, "TOPI", None)]),
    (SHOP, 3, "TAS", "Tas", [(31, "TAS-MERAH", "Merah"), (32, "", "Biru")]),
    # "KAOS-L" is also item 4's item_sku: a model_sku is matched first
    (SHOP, 4, "KAOS-L", "Kaos lama", [(41, "LAMA-1", "1")]),
    (OTHER_SHOP, 5, "KAOS", "Kaos toko lain", [(0, "KAOS-M", None)]),
]


def _seed_catalogue(warehouse: Warehouse) -> None:
    """Shops and their items and variations, as the catalogue sync would have written them."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with warehouse.begin() as conn:
        for shop in (SHOP, OTHER_SHOP):
            upsert_shop(conn, shop, f"Toko {shop}")
        for shop, item_id, item_sku, name, models in CATALOGUE:
            conn.execute(
                insert(tables.items).values(
                    item_id=item_id,
                    shop_id=shop,
                    item_sku=item_sku,
                    item_name=name,
                    item_status="NORMAL",
                    has_model=models[0][0] != 0,
                    update_time=now,
                    raw={},
                )
            )
            for model_id, model_sku, model_name in models:
                conn.execute(
                    insert(tables.item_models).values(
                        item_id=item_id,
                        model_id=model_id,
                        shop_id=shop,
                        model_sku=model_sku,
                        currency="IDR",
                        update_time=now,
                        raw={"model_name": model_name} if model_name else {},
                    )
                )


@pytest.fixture
def costs_env(monkeypatch, pg_url, warehouse, tmp_path):
    """The command line on the test's schema, its catalogue seeded, no Dagster instance."""
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("SHOPEE_DB_SCHEMA", warehouse.schema)
    monkeypatch.setenv("SHOPEE_SYNC_START_DATE", "2026-11-01")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    get_settings.cache_clear()
    _seed_catalogue(warehouse)
    yield tmp_path
    get_settings.cache_clear()


def _costs(warehouse: Warehouse) -> list[tuple]:
    """Every stored cost, `updated_at` included, in key order."""
    c = tables.product_costs.c
    with warehouse.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(
                    c.shop_id, c.item_id, c.model_id, c.valid_from, c.unit_cost, c.currency, c.updated_at
                ).order_by(c.shop_id, c.item_id, c.model_id, c.valid_from)
            )
        ]


def _file(folder: Path, name: str, *rows: str, header: str = HEADER) -> str:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


GOOD_ROWS = (
    f"{SHOP},1,11,,15000,IDR,2026-11-01",
    f"{SHOP},1,11,,16000.50,IDR,2026-12-01",  # the same variation's next cost
    f"{SHOP},,,KAOS-L,17000,IDR,2026-11-01",  # model_sku: item 1 model 12 (not item 4's item_sku)
    f"{SHOP},,,TAS,40000,idr,2026-11-01",  # item_sku: every variation of item 3
    f"{SHOP},2,,,8000,IDR,2026-11-01",  # no model_id: 0
    f"{OTHER_SHOP},,,KAOS-M,9000,IDR,2026-11-01",  # the other shop's model 0, not shop 101's KAOS-M
    ",,,,,,",  # an empty row is ignored
    f"{SHOP},4,41,,,IDR,2026-11-01",  # no unit_cost: not filled in, left out
)


def test_import_by_ids_and_skus(costs_env, warehouse, capsys) -> None:
    assert main(["costs", "import", _file(costs_env, "costs.csv", *GOOD_ROWS)]) == 0
    assert [row[:6] for row in _costs(warehouse)] == [
        (SHOP, 1, 11, date(2026, 11, 1), Decimal("15000"), "IDR"),
        (SHOP, 1, 11, date(2026, 12, 1), Decimal("16000.50"), "IDR"),
        (SHOP, 1, 12, date(2026, 11, 1), Decimal("17000"), "IDR"),
        (SHOP, 2, 0, date(2026, 11, 1), Decimal("8000"), "IDR"),
        (SHOP, 3, 31, date(2026, 11, 1), Decimal("40000"), "IDR"),
        (SHOP, 3, 32, date(2026, 11, 1), Decimal("40000"), "IDR"),
        (OTHER_SHOP, 5, 0, date(2026, 11, 1), Decimal("9000"), "IDR"),
    ]
    out = capsys.readouterr().out
    assert (
        "7 costs read" in out and "7 new, 0 changed, 0 unchanged" in out and "1 rows without unit_cost" in out
    )


def test_importing_the_same_file_again_changes_nothing(costs_env, warehouse, capsys) -> None:
    path = _file(costs_env, "costs.csv", *GOOD_ROWS)
    assert main(["costs", "import", path]) == 0
    before = _costs(warehouse)
    capsys.readouterr()
    assert main(["costs", "import", path]) == 0
    assert _costs(warehouse) == before  # updated_at included
    assert "0 new, 0 changed, 7 unchanged" in capsys.readouterr().out
    changed = _file(costs_env, "changed.csv", f"{SHOP},1,11,,15500,IDR,2026-11-01")
    assert main(["costs", "import", changed]) == 0
    after = {row[:4]: row[4:] for row in _costs(warehouse)}
    assert after[(SHOP, 1, 11, date(2026, 11, 1))][0] == Decimal("15500")
    assert len(after) == len(before)  # a file adds and changes costs, it never removes any


BAD_FILES = {
    "unknown shop": ([f"{UNKNOWN_SHOP},1,11,,1000,IDR,2026-11-01"], ["row 3: shop 999 is not known"]),
    "unknown sku": ([f"{SHOP},,,NOPE,1000,IDR,2026-11-01"], ["row 3: sku 'NOPE' is not a model_sku"]),
    "unknown item": ([f"{SHOP},77,0,,1000,IDR,2026-11-01"], ["row 3: item 77 is not in shop 101's"]),
    "model of an item with variations missing": (
        [f"{SHOP},1,,,1000,IDR,2026-11-01"],
        ["row 3: item 1 has variations: give its model_id (11, 12)"],
    ),
    "negative cost": ([f"{SHOP},1,11,,-5,IDR,2026-11-01"], ["row 3: unit_cost '-5' is negative"]),
    "non-numeric cost": ([f"{SHOP},1,11,,Rp 5.000,IDR,2026-11-01"], ["row 3: unit_cost 'Rp 5.000' is not a"]),
    "decimal comma": ([f'{SHOP},1,11,,"12,50",IDR,2026-11-01'], ["row 3: unit_cost '12,50' is not a number"]),
    "bad date": ([f"{SHOP},1,11,,1000,IDR,01/11/2026"], ["row 3: valid_from '01/11/2026' is not a"]),
    "impossible date": ([f"{SHOP},1,11,,1000,IDR,2026-02-30"], ["row 3: valid_from '2026-02-30'"]),
    "bad currency": ([f"{SHOP},1,11,,1000,Rupiah,2026-11-01"], ["row 3: currency 'Rupiah' is not"]),
    "other currency": ([f"{SHOP},1,11,,1000,USD,2026-11-01"], ["row 3: currency USD is not the catalogue's"]),
    "id in scientific notation": (
        [f"{SHOP},1.2E+10,11,,1000,IDR,2026-11-01"],
        ["row 3: item_id '1.2E+10' is not a whole number (a spreadsheet"],
    ),
    "neither ids nor sku": ([f"{SHOP},,,,1000,IDR,2026-11-01"], ["row 3: neither item_id nor sku"]),
    "twice the same variation and day": (
        [f"{SHOP},,,KAOS-M,1000,IDR,2026-11-01"],
        ["row 3: item 1 model 11 from 2026-11-01 is already given in row 2"],
    ),
    "too many cells": ([f"{SHOP},1,11,,1000,IDR,2026-11-01,x"], ["row 3: 8 cells under a header of 7"]),
    "two bad rows": (
        [f"{SHOP},1,12,,-1,IDR,2026-11-01", f"{UNKNOWN_SHOP},,,X,abc,IDR,2026-11-01"],
        ["row 3: unit_cost '-1' is negative", "row 4: unit_cost 'abc' is not a number"],
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_row_loads_nothing_and_names_its_row(costs_env, warehouse, capsys, kind) -> None:
    assert main(["costs", "import", _file(costs_env, "first.csv", f"{SHOP},2,0,,8000,IDR,2026-11-01")]) == 0
    before = _costs(warehouse)
    rows, expected = BAD_FILES[kind]
    good = f"{SHOP},1,11,,1000,IDR,2026-11-01"  # row 2, valid on its own: not loaded either
    path = _file(costs_env, "bad.csv", good, *rows)
    capsys.readouterr()
    assert main(["costs", "import", path]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(expected) + 1, lines  # one line per bad row, then what happened
    for line, start in zip(lines, expected, strict=False):
        assert line.startswith(f"shopee-pipeline: {path}: {start}"), line
    assert lines[-1] == f"shopee-pipeline: {path}: nothing loaded"
    assert _costs(warehouse) == before


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("shop_id,item_id,unit_cost,valid_from", "the header lacks currency"),
        ("shop_id,model_id,unit_cost,currency,valid_from", "the header lacks item_id or sku"),
        ("shop_id,sku,sku,unit_cost,currency,valid_from", "the header names sku more than once"),
    ],
)
def test_a_bad_header_is_one_line(costs_env, warehouse, capsys, header, expected) -> None:
    path = _file(costs_env, "bad.csv", f"{SHOP},1,1000,IDR,2026-11-01", header=header)
    assert main(["costs", "import", path]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"shopee-pipeline: {path}: {expected}") and len(err) == 2
    assert _costs(warehouse) == []


def test_unreadable_files_are_one_line(costs_env, capsys) -> None:
    missing = costs_env / "missing.csv"
    latin = costs_env / "latin.csv"
    latin.write_bytes(f"{HEADER}\n{SHOP},,,Kaos \xe9,1000,IDR,2026-11-01\n".encode("latin-1"))
    for path, expected in [
        (missing, "no such file"),
        (latin, "is not UTF-8 text"),
        (costs_env, "is a folder"),
    ]:
        assert main(["costs", "import", str(path)]) == 1
        assert expected in capsys.readouterr().err.splitlines()[0]


def test_a_semicolon_file_with_a_bom_loads(costs_env, warehouse) -> None:
    path = costs_env / "excel.csv"
    text = "\ufeffshop_id;sku;unit_cost;currency;valid_from\n" + f"{SHOP};TOPI;8000;IDR;2026-11-01\n"
    path.write_text(text, encoding="utf-8")
    assert main(["costs", "import", str(path)]) == 0
    assert [row[:5] for row in _costs(warehouse)] == [(SHOP, 2, 0, date(2026, 11, 1), Decimal("8000"))]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_fill_import_round_trip(costs_env, warehouse, capsys) -> None:
    template = costs_env / "template.csv"
    assert main(["costs", "export", str(template), "--shop-id", str(SHOP)]) == 0
    rows = _read_csv(template)
    assert [(r["item_id"], r["model_id"], r["sku"]) for r in rows] == [
        ("1", "11", "KAOS-M"),
        ("1", "12", "KAOS-L"),
        ("2", "0", "TOPI"),
        ("3", "31", "TAS-MERAH"),
        ("3", "32", "TAS"),  # no model_sku: the item's
        ("4", "41", "LAMA-1"),
    ]
    assert {r["currency"] for r in rows} == {"IDR"} and {r["valid_from"] for r in rows} == {"2026-11-01"}
    assert {r["unit_cost"] for r in rows} == {""}
    assert rows[0]["item_name"] == "Kaos polos" and rows[0]["model_name"] == "M"
    assert main(["costs", "export", str(template)]) == 1  # never overwrites a file unasked
    assert "exists" in capsys.readouterr().err

    filled = {"1:11": "15000", "2:0": "8000.5"}  # the seller fills two rows in, leaves the rest
    for row in rows:
        row["unit_cost"] = filled.get(f"{row['item_id']}:{row['model_id']}", "")
    with template.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["costs", "import", str(template)]) == 0
    assert [row[:5] for row in _costs(warehouse)] == [
        (SHOP, 1, 11, date(2026, 11, 1), Decimal("15000")),
        (SHOP, 2, 0, date(2026, 11, 1), Decimal("8000.5")),
    ]

    again = costs_env / "again.csv"  # a new export carries the costs loaded, and loads back unchanged
    assert main(["costs", "export", str(again)]) == 0
    exported = {(r["shop_id"], r["item_id"], r["model_id"]): r["unit_cost"] for r in _read_csv(again)}
    assert exported[(str(SHOP), "1", "11")] == "15000" and exported[(str(SHOP), "2", "0")] == "8000.5"
    assert exported[(str(OTHER_SHOP), "5", "0")] == ""  # every shop by default
    before = _costs(warehouse)
    capsys.readouterr()
    assert main(["costs", "import", str(again)]) == 0
    assert _costs(warehouse) == before and "0 new, 0 changed, 2 unchanged" in capsys.readouterr().out


def test_export_of_an_unknown_shop_is_one_line(costs_env, capsys) -> None:
    assert main(["costs", "export", str(costs_env / "t.csv"), "--shop-id", str(UNKNOWN_SHOP)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"shopee-pipeline: shop {UNKNOWN_SHOP} is not known: see `shopee-pipeline shops list`"
    )


def test_a_load_that_changes_costs_is_a_materialization(costs_env, monkeypatch) -> None:
    home = costs_env / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    path = _file(costs_env, "costs.csv", *GOOD_ROWS)
    assert main(["costs", "import", path]) == 0
    assert main(["costs", "import", path]) == 0  # changes nothing: recorded nothing
    with dg.DagsterInstance.get() as instance:
        events = instance.fetch_materializations(dg.AssetKey("product_costs"), limit=10).records
        assert len(events) == 1
        metadata = events[0].asset_materialization.metadata
        assert metadata["dagster/row_count"].value == 7 and metadata["rows_inserted"].value == 7
