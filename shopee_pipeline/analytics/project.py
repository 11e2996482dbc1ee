"""The dbt project shipped in this package, and its manifest made ready before the assets are built.

dagster-dbt builds the assets from `target/manifest.json`. Wherever the location loads (`dagster dev`, a
code server, CI, a fresh clone, a wheel install) the manifest is parsed when it is missing or older than
a file of the project, so a model file an analyst adds shows up at the next load (or "Reload" in the UI)
with no Python change and no step to remember.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from shopee_pipeline.analytics import DBT_LOG_FILE_VARIABLE

PROJECT_DIR = Path(__file__).resolve().parent / "dbt_project"
TARGET_DIR_VARIABLE = "SHOPEE_DBT_TARGET_DIR"
"""Where dbt writes its manifest, artifacts and logs; `dbt_project/target` unless set (an absolute
folder, for an installation whose package folder is read-only)."""
MARTS_SCHEMA_VARIABLE = "SHOPEE_MARTS_SCHEMA"
"""The schema of the marts (`dbt_project.yml`), `shopee_marts` unless set."""
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
"""dbt's saved parse: with it, dbt re-parses only the files that changed ("saved manifest not found"
and a full parse of the project without it)."""
_PROJECT_FILES = ("dbt_project.yml", "models/**/*.sql", "models/**/*.yml", "macros/**/*.sql")


def target_dir() -> Path:
    """`SHOPEE_DBT_TARGET_DIR`, else `dbt_project/target`."""
    value = os.environ.get(TARGET_DIR_VARIABLE, "").strip()
    return Path(value).expanduser() if value else PROJECT_DIR / "target"


def marts_schema() -> str:
    """`SHOPEE_MARTS_SCHEMA`, else `shopee_marts`: where dbt builds the marts."""
    return os.environ.get(MARTS_SCHEMA_VARIABLE, "").strip() or "shopee_marts"


def shopee_dbt_project() -> DbtProject:
    """The project, its profile beside it (`profiles.yml`, every value from the environment)."""
    return DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path=target_dir())


def manifest_is_stale(project: DbtProject) -> bool:
    """Whether the manifest is missing or older than any model, macro or `dbt_project.yml`."""
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    files = (path for pattern in _PROJECT_FILES for path in project.project_dir.glob(pattern))
    return any(path.stat().st_mtime > built for path in files)


def dbt_executable() -> str:
    """The `dbt` installed beside this Python (a venv's bin folder need not be on PATH), else PATH's."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """The resource that runs dbt on `project`."""
    return DbtCliResource(project_dir=project, dbt_executable=dbt_executable())


def parse_manifest(project: DbtProject) -> None:
    """`dbt parse` (no database needed) into a folder of its own, then the manifest moved into place in
    one step: two processes loading at once never read half a manifest."""
    scratch = project.manifest_path.parent / f"parse-{uuid.uuid4().hex[:8]}"
    try:
        dbt_cli(project).cli(["parse", "--quiet"], target_path=scratch).wait()
        os.replace(scratch / "manifest.json", project.manifest_path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def build_target(project: DbtProject, run_id: str) -> Iterator[Path]:
    """A target folder of its own for one dbt build (`run-<run_id>` under the project's target), seeded
    with the saved parse of earlier builds; when the build is done, the parse it saved replaces the kept
    one (an atomic rename: builds never read half a file) and the folder is removed, so builds all day
    never fill the disk and each re-parses only what changed."""
    folder = project.target_path / f"run-{run_id}"
    kept = project.target_path / PARTIAL_PARSE_FILE
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if kept.exists():
            shutil.copyfile(kept, folder / PARTIAL_PARSE_FILE)
        yield folder
        if (folder / PARTIAL_PARSE_FILE).exists():
            os.replace(folder / PARTIAL_PARSE_FILE, kept)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def dbt_console() -> Iterator[None]:
    """dbt's console lines (dagster-dbt writes each to `sys.stdout`) appended to `SHOPEE_DBT_LOG_FILE`
    when it is set; else left on stdout."""
    path = os.environ.get(DBT_LOG_FILE_VARIABLE, "").strip()
    if not path:
        yield
        return
    Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
    with open(Path(path).expanduser(), "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        yield


def prepared_project(project: DbtProject | None = None) -> DbtProject:
    """`project` (this package's by default) with an up-to-date manifest (parsed when
    `manifest_is_stale`)."""
    project = project or shopee_dbt_project()
    if manifest_is_stale(project):
        parse_manifest(project)
    return project
