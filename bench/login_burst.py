"""40 simultaneous logins with different emails against one in-process app: the worker's
memory growth (RSS sampled every 5 ms) and the slowest /api/health/ answer meanwhile.

    python -m bench.login_burst [--concurrency N]   # N: PASSWORD_HASH_CONCURRENCY
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from app.core.config import Settings
from app.core.embedded_db import embedded_database
from app.main import create_app


async def burst(url: str, data_dir: Path, concurrency: int) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        mongodb_url=url,
        data_dir=data_dir,
        password_hash_concurrency=concurrency,
        login_address_max_failures=1000,
        log_level="WARNING",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        process = psutil.Process()
        baseline = peak = process.memory_info().rss
        logins = asyncio.gather(
            *(
                client.post(
                    "/api/auth/login/", json={"email": f"n{n}@example.com", "password": "wrong-pw"}
                )
                for n in range(40)
            )
        )
        slowest_health = 0.0
        while not logins.done():
            peak = max(peak, process.memory_info().rss)
            start = time.perf_counter()
            await client.get("/api/health/")
            slowest_health = max(slowest_health, time.perf_counter() - start)
            await asyncio.sleep(0.005)
        codes = [r.status_code for r in await logins]
        print(
            f"concurrency {concurrency}: RSS {baseline / 2**20:.0f} -> peak {peak / 2**20:.0f} MiB "
            f"(+{(peak - baseline) / 2**20:.0f}), slowest health {slowest_health * 1000:.0f} ms, "
            f"answers: {codes.count(401)} x 401, {codes.count(503)} x 503"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, embedded_database(Path(tmp), quiet=True) as db:
        asyncio.run(burst(db.url, Path(tmp), args.concurrency))


if __name__ == "__main__":
    main()
