"""What a stored file must not carry: metadata with free text (comments), markup a browser
would run, PDFs that act on their own (issue 20, item 8)."""

import io
import random
import zlib

import httpx
import pytest
from PIL import Image, PngImagePlugin

from app.attachments import pdf
from tests.attachments.test_attachments import file_url, upload
from tests.factories import Actors

SECRET = b"GPS 52.5200N 13.4050E flat 3"


async def stored_bytes(
    client: httpx.AsyncClient, actors: Actors, ticket: str, data: bytes, name: str
) -> bytes:
    response = await upload(client, ticket, actors.customer, data, name)
    assert response.status_code == 201, response.text
    attachment = response.json()["attachment"]
    return (await client.get(file_url(attachment["id"]), headers=actors.customer.headers)).content


def gif_with_extensions(frames: int) -> bytes:
    """A GIF with a comment, and an application extension (XMP) inserted after its header."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (8, 8), "red"), Image.new("RGB", (8, 8), "blue")
    first.save(out, "GIF", save_all=True, append_images=[second][: frames - 1], comment=SECRET)
    data = out.getvalue()
    assert SECRET in data
    xmp = b"\x21\xff\x0b" + b"XMP DataXMP" + bytes([len(SECRET)]) + SECRET.lower() + b"\x00"
    screen_end = 13 + 3 * 2 ** ((data[10] & 7) + 1)  # header, screen, global colour table
    return data[:screen_end] + xmp + data[screen_end:]


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_text("Location", SECRET.decode(), zip=True)
    info.add_itxt("Description", SECRET.decode())
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


class TestMetadataIsDropped:
    async def test_jpeg_comment(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, "JPEG", comment=SECRET)
        assert SECRET in out.getvalue()
        stored = await stored_bytes(client, actors, ticket, out.getvalue(), "a.jpg")
        assert SECRET not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert "comment" not in image.info

    @pytest.mark.parametrize("frames", [1, 2])
    async def test_gif_comment_and_application_extension(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str, frames: int
    ) -> None:
        stored = await stored_bytes(client, actors, ticket, gif_with_extensions(frames), "a.gif")
        assert SECRET not in stored and SECRET.lower() not in stored
        assert b"XMP DataXMP" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert getattr(image, "n_frames", 1) == frames

    async def test_png_text_chunks(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        stored = await stored_bytes(client, actors, ticket, png_with_text(), "a.png")
        assert SECRET not in stored
        assert not any(chunk in stored for chunk in (b"tEXt", b"zTXt", b"iTXt"))


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    return out.getvalue()


class TestMarkupInsideAFile:
    @pytest.mark.parametrize(
        "markup",
        [
            b"<img src=x onerror=alert(1)>",
            b"<IMG/src=x>",
            b'<a href="javascript:alert(1)">win</a>',
            b"<style>body{background:url(//evil.example)}</style>",
            b"<iframe src=//evil.example></iframe>",
            b"<div id=x onmouseover=alert(1)>",
            b'<p title="x"onclick="alert(1)">',
        ],
    )
    async def test_is_refused(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str, markup: bytes
    ) -> None:
        response = await upload(client, ticket, actors.customer, small_png() + markup, "a.png")
        assert response.status_code == 400, response.text
        assert response.json() == {
            "file": ["The file mixes formats; upload a plain image, PDF or text file."]
        }

    async def test_a_noisy_photo_is_not_mistaken_for_markup(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        noise = random.Random(20).randbytes(1200 * 900 * 3)  # incompressible: any byte sequence
        out = io.BytesIO()
        Image.frombytes("RGB", (1200, 900), noise).save(out, "JPEG", quality=95)
        assert len(out.getvalue()) > 1_000_000
        response = await upload(client, ticket, actors.customer, out.getvalue(), "noise.jpg")
        assert response.status_code == 201, response.text


def pdf_file(*objects: bytes) -> bytes:
    """A PDF of these objects, numbered from 1 (enough for our checks; no cross-reference)."""
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, o) for n, o in enumerate(objects, 1))
    return b"%PDF-1.7\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def object_stream(content: bytes, filters: bytes = b"/FlateDecode") -> bytes:
    """Objects 2 and 3 (`content` holds their bodies) hidden in a compressed object stream."""
    header = b"2 0 3 %d " % content.index(b"<<", 2)
    data = header + content
    encoded = zlib.compress(data) if filters == b"/FlateDecode" else data.hex().encode() + b">"
    return b"<< /Type /ObjStm /N 2 /First %d /Filter %s /Length %d >>\nstream\n%s\nendstream" % (
        len(header),
        filters,
        len(encoded),
        encoded,
    )


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
RUN_ON_OPEN = b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1);) >> >>"


class TestActivePdf:
    @pytest.mark.parametrize(
        "objects",
        [
            [RUN_ON_OPEN],
            [b"<< /Type /Catalog /OpenAction 2 0 R >>", b"<< /S /Launch /F (cmd.exe) >>"],
            [b"<< /Type /Catalog /Names << /J#61vaScript 2 0 R >> >>"],
            [b"<< /Type /Catalog /Names << /#45mbedded#46iles 2 0 R >> >>"],
            [b"<< /Type /Catalog /AA << /WC 2 0 R >> >>"],
            [b"<< /Type /Annot /A << /JS 2 0 R >> >>"],
            [b"<< /Type /EmbeddedFile /Length 3 >>\nstream\nabc\nendstream"],
            [b"<< /Type /Action /S /SubmitForm /F (https://evil.example) >>"],
            [b"<< /Type /Catalog >>", object_stream(RUN_ON_OPEN + b"\n" + CATALOG)],
            [b"<< /Type /Catalog >>", object_stream(b"<< /O#70enAction << /S /Launch >> >>  <<>>")],
        ],
        ids=[
            "javascript",
            "launch",
            "escaped-name",
            "embedded-files",
            "additional-actions",
            "js",
            "embedded-file",
            "submit-form",
            "in-object-stream",
            "escaped-in-object-stream",
        ],
    )
    async def test_is_refused(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str, objects: list[bytes]
    ) -> None:
        response = await upload(client, ticket, actors.customer, pdf_file(*objects), "a.pdf")
        assert response.status_code == 400, response.text
        assert response.json() == {"file": [pdf.ACTIVE_CONTENT]}

    async def test_object_streams_it_cannot_read_are_refused(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str
    ) -> None:
        hex_encoded = object_stream(RUN_ON_OPEN + b"\n" + CATALOG, filters=b"/ASCIIHexDecode")
        data = pdf_file(b"<< /Type /Catalog >>", hex_encoded)
        response = await upload(client, ticket, actors.customer, data, "a.pdf")
        assert response.status_code == 400, response.text
        assert response.json() == {"file": [pdf.UNCHECKABLE]}

    @pytest.mark.parametrize(
        "objects",
        [
            [b"<< /Type /Catalog /OpenAction [3 0 R /Fit] /Pages 2 0 R >>"],
            [b"<< /Type /Catalog >>", object_stream(CATALOG + b"\n<< /Type /Pages /Kids [] >>")],
            [b"<< /Type /Annot /A << /S /URI /URI (https://example.com/JS) >> >>"],
        ],
        ids=["shows-first-page", "clean-object-stream", "link"],
    )
    async def test_a_passive_pdf_is_stored_as_it_is(
        self, client: httpx.AsyncClient, actors: Actors, ticket: str, objects: list[bytes]
    ) -> None:
        data = pdf_file(*objects)
        assert await stored_bytes(client, actors, ticket, data, "a.pdf") == data
