"""Upload and download throughput of a 5 MiB photo through the service in production mode
(`python -m app serve`, 1 worker) against SecantusDB or MONGODB_URL, from one client.

    python -m bench.attachments [--rounds 10]

The photo is random pixels saved as JPEG, so it does not compress away; each upload is decoded,
re-encoded without metadata and stored in GridFS, each download streamed from GridFS.
"""

import argparse
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image

from bench.harness import ADMIN_EMAIL, ADMIN_PASSWORD, database, service, service_env

TARGET_BYTES = 5 * 1024 * 1024


def photo() -> bytes:
    side = 1400
    while True:
        image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92)
        if out.tell() >= TARGET_BYTES:
            return out.getvalue()
        side += 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    data = photo()
    with (
        tempfile.TemporaryDirectory() as tmp,
        database("bench_attachments") as db,
        service(service_env(db), workers=1, log_path=Path(tmp) / "serve.log") as api,
        httpx.Client(base_url=api.base_url, timeout=60) as client,
    ):
        login = client.post(
            "/api/auth/login/", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        customer_email = "bench-photos@example.com"
        client.post(
            "/api/auth/register/",
            json={"email": customer_email, "password": "password123", "name": "Bench"},
        )
        token = client.post(
            "/api/auth/login/", json={"email": customer_email, "password": "password123"}
        ).json()["access_token"]
        customer = {"Authorization": f"Bearer {token}"}
        uploads, downloads, stored = [], [], 0
        for n in range(args.rounds):
            if n % 20 == 0:
                ticket = client.post(
                    "/api/support/tickets/create/",
                    json={"subject": "Photos", "description": "Damage", "category": "Damaged"},
                    headers=customer,
                ).json()["ticket"]["id"]
            start = time.perf_counter()
            response = client.post(
                f"/api/support/tickets/{ticket}/attachments/",
                files={"file": ("parcel.jpg", data, "image/jpeg")},
                headers=customer,
            )
            uploads.append(time.perf_counter() - start)
            response.raise_for_status()
            attachment = response.json()["attachment"]
            stored = attachment["size"]
            start = time.perf_counter()
            body = client.get(f"/api/support/attachments/{attachment['id']}/", headers=admin)
            downloads.append(time.perf_counter() - start)
            assert len(body.content) == stored
        mib = 2**20
        print(f"{db.description}, photo {len(data) / mib:.2f} MiB (stored {stored / mib:.2f} MiB)")
        for name, times, size in (("upload", uploads, len(data)), ("download", downloads, stored)):
            median = statistics.median(times)
            print(f"{name}: median {median * 1000:.0f} ms, {size / mib / median:.1f} MiB/s")


if __name__ == "__main__":
    main()
