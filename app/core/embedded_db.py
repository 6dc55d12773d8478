"""The embedded development database: a SecantusDB server (MongoDB wire protocol) run as a
child process on 127.0.0.1, so `make run` needs no MongoDB. The app starts it in development
only; the production image does not install it (it is the optional `embedded` extra).
Production may still run on a SecantusDB server started on its own and named by MONGODB_URL
with `directConnection=true`, as `url` below names this one: a single node (config.py warns).

`embedded_database()` is the one way it is started: by `python -m app serve` (once, for all
workers), by the app when run without MONGODB_URL, by the CLI, the tests and the benchmark.
"""

import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("app.db")

_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # Linux: the database must not outlive a parent killed with SIGKILL.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedDatabase:
    def __init__(self, storage_path: Path, port: int | None = None) -> None:
        self.storage_path = storage_path
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        # No retryable writes: one local node has no failover for them to ride out, and the
        # server's record of them makes every write cost more as they accumulate
        # (docs/benchmarks.md, "Retryable writes on the embedded server").
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true&retryWrites=false"

    def start(self, timeout: float = 30.0) -> str:
        try:
            import secantus  # noqa: F401
        except ImportError as exc:
            raise RuntimeError(
                "MONGODB_URL is not set and the embedded database is not installed: "
                "install the 'embedded' extra (pip install -e '.[embedded]') or set MONGODB_URL"
            ) from exc
        self.storage_path.mkdir(parents=True, exist_ok=True)
        log_file = (self.storage_path.parent / "secantusdb.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "secantus",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--storage-path",
                str(self.storage_path),
                "--log-level",
                "WARNING",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        log_file.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the embedded database exited with code {self.process.returncode}; "
                    f"see {self.storage_path.parent / 'secantusdb.log'}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return self.url
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the embedded database did not listen within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def embedded_database(data_dir: Path, *, quiet: bool = False) -> Iterator[EmbeddedDatabase]:
    """Starts a SecantusDB server keeping its files under `data_dir/db`; yields it running
    (`.url`, `.process`) and stops it on exit."""
    server = EmbeddedDatabase(data_dir / "db")
    url = server.start()
    if not quiet:
        log.warning(
            "Using the embedded development database (SecantusDB, data in %s, at %s). "
            "Set MONGODB_URL to use MongoDB instead.",
            server.storage_path,
            url,
        )
    try:
        yield server
    finally:
        server.stop()
