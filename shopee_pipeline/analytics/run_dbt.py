"""`python -m shopee_pipeline.analytics.run_dbt <dbt arguments>`: dbt by hand on this package's project,
connected as the pipeline is (DATABASE_URL, else the embedded Postgres under SHOPEE_DATA_DIR).

For example `... run_dbt build --select daily_shop_sales+` or `... run_dbt parse` (CI's way of building the
manifest before the location loads). Exits with dbt's exit code.
"""

import os
import subprocess
import sys
from collections.abc import Sequence

from shopee_pipeline.analytics.connection import dbt_environment
from shopee_pipeline.analytics.project import PROJECT_DIR, dbt_executable, target_dir


def run_dbt(args: Sequence[str]) -> int:
    """Run `dbt *args` in the project folder with the pipeline's connection; dbt's exit code."""
    with dbt_environment():
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_TARGET_PATH": os.environ.get("DBT_TARGET_PATH") or str(target_dir()),
            "DBT_LOG_PATH": os.environ.get("DBT_LOG_PATH") or str(target_dir()),
        }
        return subprocess.run([dbt_executable(), *args], cwd=PROJECT_DIR, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(run_dbt(sys.argv[1:]))
