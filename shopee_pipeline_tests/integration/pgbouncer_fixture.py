"""A real PgBouncer in transaction mode (what Supabase's transaction pooler is) in front of a test server.

Debian's `pgbouncer` refuses to run as root, so as root it runs as the user that owns the embedded
server's data (`pgserver`, which can reach its Unix socket) or `nobody`. Clients authenticate with
scram-sha-256 against an `auth_file`; a catch-all database line forwards every database name to the
server, as Supabase's poolers do.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

PGBOUNCER = "/usr/sbin/pgbouncer"


@dataclass(frozen=True)
class Pooler:
    """A running PgBouncer: `url(database)` reaches `database` through it; `log` is its log file."""

    host: str
    port: int
    user: str
    password: str
    log: Path

    def url(self, database: str) -> str:
        """A plain `postgresql://` URL on the pooler, as a Supabase user would paste it."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("pgserver", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("no non-root user to run pgbouncer as (tried pgserver, nobody)")


def _wait_listening(process: subprocess.Popen, port: int, log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on {port} within {timeout} s")


@contextmanager
def running_pgbouncer(
    server_url: str,
    *,
    pool_size: int = 10,
    other_users: Mapping[str, str] | None = None,
    ignore_options: bool = False,
) -> Iterator[Pooler]:
    """Start PgBouncer (`pool_mode = transaction`) in front of the server of `server_url`; stop it after.

    The server is reached over TCP or its Unix socket folder, whichever `server_url` names. The client
    password is the server's when the URL has one (PgBouncer then logs in to the server with it), else a
    random one (the embedded server trusts its socket). `other_users` (name: password) may log in too.
    `ignore_options` makes it accept and silently drop the startup parameter `options`, as some poolers do.
    """
    if not Path(PGBOUNCER).exists():
        raise RuntimeError(f"{PGBOUNCER} is missing: apt-get install pgbouncer (make system-deps)")
    parsed = make_url(server_url)
    backend_host = parsed.host or parsed.query.get("host") or "/tmp"
    user, password = parsed.username or "postgres", parsed.password or secrets.token_hex(12)
    workdir = Path(tempfile.mkdtemp(prefix="pgb-", dir="/tmp"))
    run_as = _run_as()
    port = _free_port()
    log = workdir / "pgbouncer.log"
    logins = {user: password, **(other_users or {})}
    (workdir / "userlist.txt").write_text(
        "".join(f'"{name}" "{secret}"\n' for name, secret in logins.items())
    )
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={backend_host} port={parsed.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {workdir / 'userlist.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 500\n"
        f"logfile = {log}\n" + ("ignore_startup_parameters = options\n" if ignore_options else "")
    )
    if run_as is not None:
        account = pwd.getpwnam(run_as)
        for path in (workdir, workdir / "userlist.txt", workdir / "pgbouncer.ini"):
            os.chown(path, account.pw_uid, account.pw_gid)
    command = [PGBOUNCER, *(["-u", run_as] if run_as else []), str(workdir / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(process, port, log)
        yield Pooler(host="127.0.0.1", port=port, user=user, password=password, log=log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
