"""Attachments: what is accepted and how it is stored, who sees what, limits under
concurrency, downloads, deletion."""

import asyncio
import io
import struct
import zlib
from unittest.mock import ANY
from urllib.parse import quote

import httpx
import pillow_heif
import pytest
from bson import ObjectId
from PIL import Image

from app.attachments.files import safe_filename
from app.core.db import Database
from tests.conftest import AppFactory
from tests.factories import Actor, Actors, create_ticket, make_actors, store_ticket


def upload_url(ticket_id: object) -> str:
    return f"/api/support/tickets/{ticket_id}/attachments/"


def file_url(attachment_id: str) -> str:
    return f"/api/support/attachments/{attachment_id}/"


async def upload(
    client: httpx.AsyncClient,
    ticket_id: object,
    actor: Actor,
    data: bytes,
    filename: str = "photo.jpg",
    visibility: str | None = None,
) -> httpx.Response:
    return await client.post(
        upload_url(ticket_id),
        files={"file": (filename, data, "application/octet-stream")},
        data={"visibility": visibility} if visibility else None,
        headers=actor.headers,
    )


def photo_with_gps(width: int = 64, height: int = 32) -> bytes:
    """A JPEG as a phone makes it: rotated by its Orientation tag, with camera and GPS EXIF."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model-X SN12345"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 31.0, 12.0)
    gps[3], gps[4] = "E", (13.0, 24.0, 36.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


class TestWhatIsAccepted:
    async def test_photo_comes_back_upright_without_its_metadata(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        original = photo_with_gps()
        assert b"PhoneMaker" in original  # the EXIF is really there to strip
        response = await upload(client, ticket, actors.customer, original, "IMG_0001.JPG")
        assert response.status_code == 201, response.text
        attachment = response.json()["attachment"]
        assert attachment["content_type"] == "image/jpeg"
        assert attachment["filename"] == "IMG_0001.jpg"
        stored = (
            await client.get(file_url(attachment["id"]), headers=actors.customer.headers)
        ).content
        assert len(stored) == attachment["size"]
        assert b"PhoneMaker" not in stored and b"SN12345" not in stored and b"Exif" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == (32, 64)  # the orientation was applied: upright
            assert len(image.getexif()) == 0
            assert image.getexif().get_ifd(0x8825) == {}

    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("page.html", b"<!doctype html><html><script>alert(1)</script></html>"),
            ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
            ("png.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),
            ("run.sh", b"#!/bin/sh\nrm -rf /\n"),
            ("archive.zip", b"PK\x03\x04" + b"\x00" * 40),
            ("app.exe", b"MZ\x90\x00" + b"\x00" * 60),
            ("latin1.txt", "caf\xe9".encode("latin-1")),
        ],
    )
    async def test_refused_whatever_the_name_says(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str, name: str, data: bytes
    ) -> None:
        response = await upload(client, ticket, actors.customer, data, name)
        assert response.status_code == 400, response.text
        assert list(response.json()) == ["file"]

    async def test_polyglot_image_with_markup_is_refused(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        gif = io.BytesIO()
        Image.new("P", (4, 4)).save(gif, "GIF")
        response = await upload(
            client, ticket, actors.customer, gif.getvalue() + b"<script>alert(1)</script>", "a.gif"
        )
        assert response.status_code == 400
        assert response.json() == {
            "file": ["The file mixes formats; upload a plain image, PDF or text file."]
        }

    async def test_decompression_bomb_is_refused(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        for width, height in ((10_000, 10_000), (30_000, 30_000)):
            response = await upload(client, ticket, actors.customer, png_claiming(width, height))
            assert response.status_code == 400, response.text
            assert "pixels" in response.json()["file"][0]

    async def test_pdf_text_and_heic(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        pdf = await upload(
            client, ticket, actors.customer, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "r"
        )
        assert pdf.json()["attachment"]["content_type"] == "application/pdf"
        assert pdf.json()["attachment"]["filename"] == "r.pdf"
        text = await upload(client, ticket, actors.customer, "Colis abîmé\n".encode(), "note.md")
        assert text.json()["attachment"]["content_type"] == "text/plain"
        heif = io.BytesIO()
        pillow_heif.from_pillow(Image.new("RGB", (16, 8), (0, 90, 200))).save(heif, quality=80)
        heic = await upload(client, ticket, actors.customer, heif.getvalue(), "IMG_0002.HEIC")
        assert heic.status_code == 201, heic.text
        assert heic.json()["attachment"]["content_type"] == "image/jpeg"  # every browser shows it
        assert heic.json()["attachment"]["filename"] == "IMG_0002.jpg"

    async def test_filename_is_made_safe(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        response = await upload(client, ticket, actors.customer, b"hello", "../../etc/passwd.txt")
        assert response.json()["attachment"]["filename"] == "passwd.txt"
        # (httpx percent-encodes control characters in a part's filename; the rule itself:)
        assert safe_filename("C:\\Users\\a\x07b\r\n.txt", "text/plain") == "ab.txt"
        assert safe_filename("..", "image/png") == "attachment.png"
        long_name = "é" * 300 + ".txt"
        response = await upload(client, ticket, actors.customer, b"hello", long_name)
        name = response.json()["attachment"]["filename"]
        assert len(name.encode()) <= 255 and name.endswith(".txt")


class TestLimits:
    async def test_too_large_is_413(self, app_with: AppFactory) -> None:
        application, client = await app_with(max_upload_bytes=4096)
        actors = await make_actors(application.state.db, application.state.settings)
        ticket = await store_ticket(application.state.db, actors.customer)
        just_over = await upload(client, ticket["_id"], actors.customer, b"a" * 4097, "a.txt")
        assert just_over.status_code == 413 and set(just_over.json()) == {"error", "code"}
        streamed = await upload(client, ticket["_id"], actors.customer, b"a" * 200_000, "a.txt")
        assert streamed.status_code == 413  # refused by the body limit while arriving
        assert await application.state.db["attachments.files"].count_documents({}) == 0

    async def test_twenty_five_simultaneous_uploads_keep_twenty(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, ticket: str
    ) -> None:
        answers = await asyncio.wait_for(
            asyncio.gather(
                *(
                    upload(client, ticket, actors.customer, f"file {n}".encode(), f"{n}.txt")
                    for n in range(25)
                )
            ),
            timeout=60,
        )
        codes = [a.status_code for a in answers]
        assert codes.count(201) == 20 and codes.count(400) == 5, codes
        refused = next(a for a in answers if a.status_code == 400)
        assert refused.json() == {"error": "A ticket can have at most 20 attachments", "code": ANY}
        files = db["attachments.files"]
        assert await files.count_documents({"metadata.ticket_id": ObjectId(ticket)}) == 20
        stored = await db.tickets.find_one({"_id": ObjectId(ticket)})
        assert stored is not None and stored["attachment_count"] == 20


class TestVisibility:
    async def test_customer_never_sees_an_internal_attachment(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        public = (await upload(client, ticket, actors.agent, b"for you", "a.txt")).json()
        internal = await upload(client, ticket, actors.agent, b"staff only", "b.txt", "internal")
        assert internal.status_code == 201
        hidden = internal.json()["attachment"]
        listed = await client.get(upload_url(ticket), headers=actors.customer.headers)
        assert [a["id"] for a in listed.json()["attachments"]] == [public["attachment"]["id"]]
        staff = await client.get(upload_url(ticket), headers=actors.agent.headers)
        assert len(staff.json()["attachments"]) == 2
        download = await client.get(file_url(hidden["id"]), headers=actors.customer.headers)
        assert (download.status_code, download.json()) == (
            404,
            {"error": "Attachment not found", "code": ANY},
        )
        assert (await client.get(file_url(hidden["id"]), headers=actors.admin.headers)).content == (
            b"staff only"
        )

    async def test_only_staff_upload_internal(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        response = await upload(client, ticket, actors.customer, b"x", "a.txt", "internal")
        assert response.status_code == 403

    async def test_replies_take_public_attachments_notes_take_both(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        public = (await upload(client, ticket, actors.agent, b"p", "p.txt")).json()["attachment"]
        internal = (await upload(client, ticket, actors.agent, b"i", "i.txt", "internal")).json()[
            "attachment"
        ]
        replies = f"/api/support/tickets/{ticket}/replies/"
        refused = await client.post(
            replies,
            json={"body": "see", "attachment_ids": [internal["id"]]},
            headers=actors.agent.headers,
        )
        assert refused.status_code == 400 and "attachment_ids" in refused.json()
        reply = await client.post(
            replies,
            json={"body": "see", "attachment_ids": [public["id"]]},
            headers=actors.agent.headers,
        )
        assert reply.status_code == 201
        assert reply.json()["reply"]["attachments"] == [public]
        note = await client.post(
            f"/api/support/tickets/{ticket}/add-note/",
            json={"note": "both", "attachment_ids": [public["id"], internal["id"]]},
            headers=actors.agent.headers,
        )
        assert note.status_code == 201
        assert [a["id"] for a in note.json()["note"]["attachments"]] == [
            public["id"],
            internal["id"],
        ]
        other = await create_ticket(client, actors.customer)
        elsewhere = await client.post(
            f"/api/support/tickets/{other['id']}/replies/",
            json={"body": "x", "attachment_ids": [public["id"]]},
            headers=actors.admin.headers,
        )
        assert elsewhere.status_code == 400


class TestDownloadAndDelete:
    async def test_download_headers(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        attachment = (await upload(client, ticket, actors.customer, b"hello", "reçu 1.txt")).json()[
            "attachment"
        ]
        response = await client.get(file_url(attachment["id"]), headers=actors.agent.headers)
        assert response.status_code == 200 and response.content == b"hello"
        headers = response.headers
        assert headers["content-type"] == "text/plain; charset=utf-8"
        assert headers["content-length"] == "5"
        assert (
            headers["content-disposition"] == f"attachment; filename*=UTF-8''{quote('reçu 1.txt')}"
        )
        assert headers["etag"] == f'"{attachment["sha256"]}"'
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["content-security-policy"] == "sandbox"
        assert headers["cache-control"] == "private"
        again = await client.get(
            file_url(attachment["id"]),
            headers={**actors.agent.headers, "If-None-Match": headers["etag"]},
        )
        assert again.status_code == 304 and again.content == b""

    async def test_delete_removes_the_bytes_and_the_references(
        self, client: httpx.AsyncClient, db: Database, actors: Actors, ticket: str
    ) -> None:
        attachment = (await upload(client, ticket, actors.customer, b"private", "id.txt")).json()[
            "attachment"
        ]
        await client.post(
            f"/api/support/tickets/{ticket}/replies/",
            json={"body": "my id", "attachment_ids": [attachment["id"]]},
            headers=actors.customer.headers,
        )
        assert (
            await client.delete(file_url(attachment["id"]), headers=actors.agent.headers)
        ).status_code == 403
        response = await client.delete(file_url(attachment["id"]), headers=actors.admin.headers)
        assert response.status_code == 200
        assert response.json() == {"message": "Attachment deleted successfully"}
        oid = ObjectId(attachment["id"])
        assert await db["attachments.chunks"].count_documents({"files_id": oid}) == 0
        assert await db["attachments.files"].count_documents({"_id": oid}) == 0
        gone = await client.get(file_url(attachment["id"]), headers=actors.admin.headers)
        assert gone.status_code == 404
        thread = await client.get(
            f"/api/support/tickets/{ticket}/replies/", headers=actors.customer.headers
        )
        assert thread.json()["replies"][0]["attachments"] == []
        stored = await db.tickets.find_one({"_id": ObjectId(ticket)})
        assert stored is not None and stored["attachment_count"] == 0
