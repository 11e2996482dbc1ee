"""The definitions are built when the code location loads, never when a module of `defs/` or `lib/` is
imported: `build_definitions(settings)` honours the settings it is given."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from datetime import date

import dagster as dg
import pytest

import shopee_pipeline
from shopee_pipeline import settings as settings_module
from shopee_pipeline.definitions import build_definitions
from shopee_pipeline.lib.partitions import DATE
from shopee_pipeline.settings import load_settings
from shopee_pipeline_tests.fresh_interpreter import run_without_settings

PACKAGES = ("shopee_pipeline.defs", "shopee_pipeline.lib")


def _modules() -> list[str]:
    """Every module of `defs/` and `lib/`, the packages included."""
    names = []
    for package in PACKAGES:
        names.append(package)
        path = importlib.import_module(package).__path__
        names += [info.name for info in pkgutil.walk_packages(path, prefix=f"{package}.")]
    return names


def test_no_module_of_defs_or_lib_reads_settings_when_imported(monkeypatch) -> None:
    def refuse() -> None:
        raise AssertionError("settings read at import time")

    monkeypatch.setattr(settings_module, "get_settings", refuse)
    modules = _modules()
    assert {"shopee_pipeline.defs.partitions", "shopee_pipeline.defs.sensors"} <= set(modules)
    # Imported afresh (the session's modules are put back afterwards), binding the refusing get_settings.
    for name in modules:
        monkeypatch.delitem(sys.modules, name, raising=False)
    for package in PACKAGES:
        monkeypatch.setattr(shopee_pipeline, package.rsplit(".", 1)[1], sys.modules.get(package, None))
    with pytest.raises(AssertionError, match="import time"):
        settings_module.get_settings()
    for name in modules:
        assert importlib.import_module(name).__name__ == name


def _daily(defs: dg.Definitions, key: str) -> dg.TimeWindowPartitionsDefinition:
    partitions = defs.get_assets_def(key).partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    daily = partitions.get_partitions_def_for_dimension(DATE)
    assert isinstance(daily, dg.TimeWindowPartitionsDefinition)
    return daily


def test_build_definitions_honours_the_timezone_and_start_date_it_is_given() -> None:
    defs = build_definitions(
        load_settings({"SHOPEE_TIMEZONE": "America/New_York", "SHOPEE_SYNC_START_DATE": "2025-03-04"})
    )
    dailies = [_daily(defs, key) for key in ("orders", "order_items", "logistics", "escrow", "bookings")]
    assert all(daily is dailies[0] for daily in dailies)  # one set of partitions, shared
    assert dailies[0].timezone == "America/New_York"
    assert dailies[0].get_first_partition_key() == date(2025, 3, 4).isoformat()
    for name in ("auto_sync_every_15_minutes", "recover_lost_pushes_hourly", "purge_old_runs_daily"):
        assert defs.get_schedule_def(name).execution_timezone == "America/New_York"

    other = build_definitions(load_settings({"SHOPEE_TIMEZONE": "Asia/Jakarta"}))
    assert _daily(other, "orders").timezone == "Asia/Jakarta"
    assert other.get_schedule_def("auto_sync_every_15_minutes").execution_timezone == "Asia/Jakarta"


_IMPORT_ONLY = """
import sys
import shopee_pipeline.analytics.definitions as analytics
import shopee_pipeline.definitions as sync
from dagster._core.workspace.autodiscovery import loadable_targets_from_python_module

built = sync.loaded_definitions.cache_info().currsize + analytics.loaded_definitions.cache_info().currsize
targets = [
    target.attribute
    for module in ("shopee_pipeline.definitions", "shopee_pipeline.analytics.definitions")
    for target in loadable_targets_from_python_module(module, None)
]
print(built, *targets)
"""


def test_importing_the_locations_builds_nothing_and_dagster_finds_lazy_entry_points(tmp_path) -> None:
    """Both code locations are `@dg.definitions` entry points: importing them (as Dagster's loader does
    before it calls the entry point) builds no definitions and runs no `dbt parse` (the target folder
    stays empty)."""
    target = tmp_path / "dbt_target"
    target.mkdir()
    printed = run_without_settings("-c", _IMPORT_ONLY, SHOPEE_DBT_TARGET_DIR=str(target))
    assert printed.split() == ["0", "shopee_pipeline_definitions", "shopee_analytics_definitions"]
    assert not any(target.iterdir())


def test_defs_is_the_definitions_the_entry_point_loads() -> None:
    from shopee_pipeline import definitions

    assert isinstance(definitions.defs, dg.Definitions)
    assert definitions.shopee_pipeline_definitions() is definitions.defs
