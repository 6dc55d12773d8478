"""Animated images: the pixel limit counts every frame, and the work is refused before any
frame is decoded (issue 20, item 1)."""

import functools
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageFile

from app.attachments.files import MAX_FRAMES
from app.core.db import Database
from tests.attachments.test_attachments import file_url, upload
from tests.conftest import AppFactory
from tests.factories import Actors, make_actors, store_ticket

MAX_PIXELS = 1_000_000  # the smallest the settings allow: one 1000x1000 frame
FRAMES = 40  # 40 million pixels in all, each frame alone within the limit


@functools.cache
def animation(fmt: str, frames: int = FRAMES, size: tuple[int, int] = (1000, 1000)) -> bytes:
    """Alternating colours, so no encoder merges two frames: a few kilobytes that decode
    to `frames` full frames."""
    red, blue = Image.new("RGB", size, (255, 0, 0)), Image.new("RGB", size, (0, 0, 255))
    options = {"lossless": True} if fmt == "WEBP" else {}
    out = io.BytesIO()
    red.save(out, fmt, save_all=True, append_images=([blue, red] * frames)[: frames - 1], **options)
    return out.getvalue()


def tiny_frames_gif(frames: int) -> bytes:
    """A 1x1 GIF of `frames` frames, written block by block (Pillow would merge them)."""
    screen = b"GIF89a" + bytes([1, 0, 1, 0, 0x80, 0, 0]) + b"\x00\x00\x00\xff\xff\xff"
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms
        + b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"  # image descriptor, 1x1
        + b"\x02\x02\x44\x01\x00"  # LZW data
    )
    return screen + frame * frames + b";"


@pytest.fixture
def frames_decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every frame Pillow decodes goes through ImageFile.load (WebP's load calls it too)."""
    decoded: list[str] = []
    load = ImageFile.ImageFile.load

    def counting(image: ImageFile.ImageFile) -> object:
        decoded.append(image.format or "")
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return decoded


class TestAnimationPixelLimit:
    @pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
    async def test_frames_adding_up_past_the_limit_are_refused_undecoded(
        self, app_with: AppFactory, frames_decoded: list[str], fmt: str
    ) -> None:
        application, client = await app_with(max_image_pixels=MAX_PIXELS)
        actors = await make_actors(application.state.db, application.state.settings)
        ticket = await store_ticket(application.state.db, actors.customer)
        data = animation(fmt)
        assert len(data) < 250_000  # small on the wire, 40 million pixels decoded
        frames_decoded.clear()
        response = await upload(client, ticket["_id"], actors.customer, data, f"a.{fmt}")
        assert response.status_code == 400, response.text
        assert response.json() == {
            "file": ["The animation is larger than 1,000,000 pixels, its frames added up."]
        }
        assert frames_decoded == []
        assert await application.state.db["attachments.files"].count_documents({}) == 0

    async def test_too_many_tiny_frames_are_refused_undecoded(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, frames_decoded: list[str]
    ) -> None:
        ticket = await store_ticket(db, actors.customer)
        response = await upload(
            client, ticket["_id"], actors.customer, tiny_frames_gif(MAX_FRAMES + 1), "a.gif"
        )
        assert response.status_code == 400, response.text
        assert response.json() == {
            "file": [f"An animation can have at most {MAX_FRAMES:,} frames."]
        }
        assert frames_decoded == []

    async def test_an_animation_within_the_limit_stays_animated(self, app_with: AppFactory) -> None:
        application, client = await app_with(max_image_pixels=MAX_PIXELS)
        actors = await make_actors(application.state.db, application.state.settings)
        ticket = await store_ticket(application.state.db, actors.customer)
        data = animation("GIF", frames=10, size=(300, 300))  # 900,000 pixels in all
        response = await upload(client, ticket["_id"], actors.customer, data, "a.gif")
        assert response.status_code == 201, response.text
        stored = await client.get(
            file_url(response.json()["attachment"]["id"]), headers=actors.customer.headers
        )
        with Image.open(io.BytesIO(stored.content)) as image:
            assert (image.format, getattr(image, "n_frames", 1), image.size) == (
                "GIF",
                10,
                (300, 300),
            )


# Runs clean_upload alone in a fresh interpreter and prints how much its peak resident memory
# grew (VmHWM: ru_maxrss would start from pytest's own peak, inherited through fork).
_MEASURE = """
import re, sys
from app.attachments.files import UnacceptableFile, clean_upload
def peak_kib():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+)", status.read())[1])
data = open(sys.argv[1], "rb").read()
before = peak_kib()
try:
    clean_upload(data, "a", max_pixels=int(sys.argv[2]))
except UnacceptableFile:
    pass
print(peak_kib() - before)
"""


class TestAnimationMemory:
    @pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
    def test_peak_memory_stays_small(self, tmp_path: Path, fmt: str) -> None:
        path = tmp_path / "animation"
        path.write_bytes(animation(fmt))
        grown_kib = int(
            subprocess.run(
                [sys.executable, "-c", _MEASURE, str(path), str(MAX_PIXELS)],
                capture_output=True,
                check=True,
                text=True,
                cwd=Path(__file__).parents[2],
            ).stdout
        )
        # One decoded 1000x1000 frame is 3-4 MiB; all 40 kept would be over 100 MiB.
        assert grown_kib < 16 * 1024, grown_kib
