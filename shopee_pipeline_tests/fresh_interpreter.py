"""A new Python interpreter without the pipeline's settings: what a test sees there does not depend on the
environment or on which modules the session imported first."""

from __future__ import annotations

import os
import subprocess
import sys


def run_without_settings(*args: str, **env: str) -> str:
    """`python *args` in a new interpreter whose environment has no `SHOPEE_*` variable but `env`; its
    standard output (the calling test fails with its standard error when it exits non-zero)."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("SHOPEE_")}
    result = subprocess.run(
        [sys.executable, *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
