"""Shopee Open Platform sandbox emulator, built from ``/work/shared/reference/shopee-open-api.md``.

Public API: ``SandboxConfig``, ``start_sandbox`` (background, returns a ``SandboxHandle``) and
``run_sandbox`` (blocking, for the CLI). It shares no code with the API client.
"""

from .config import FAULT_KINDS, SandboxConfig
from .handle import SandboxHandle, run_sandbox, start_sandbox

__all__ = ["FAULT_KINDS", "SandboxConfig", "SandboxHandle", "run_sandbox", "start_sandbox"]
