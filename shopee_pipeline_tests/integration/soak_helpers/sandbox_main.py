"""`python -m ...soak_helpers.sandbox_main '<SandboxConfig fields as JSON>'`: a sandbox on a free port
in this process, printing its one `sandbox Shopee at <url> ...` line (see `run_sandbox`)."""

import json
import sys

from shopee_pipeline.sandbox import SandboxConfig, run_sandbox

if __name__ == "__main__":
    run_sandbox(SandboxConfig(**json.loads(sys.argv[1])), "127.0.0.1", 0)
