"""What an uploaded file is, decided from its bytes, and the form it is stored in.

Accepted: JPEG, PNG, WebP, GIF and HEIC photos, PDF, plain UTF-8 text. The declared type and
the file name are never believed. Images are decoded (under a pixel limit) and encoded again:
the orientation is applied first, so photos stay upright, and EXIF (GPS position, camera and
serials), XMP, embedded thumbnails, comments (JPEG, GIF) and text chunks (PNG) are not carried
over. The pixel limit counts every frame: an animation (a GIF stays one; an APNG or animated
WebP keeps its first frame) is refused before any frame is decoded when its frames' pixels
add up to more, or when it has more than MAX_FRAMES frames. HEIC becomes JPEG, which every
browser shows. PDFs with active content are refused (pdf.py). Pure and synchronous: it runs
in a worker thread (`Slots`).
"""

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from app.attachments import pdf

pillow_heif.register_heif_opener()
# Our own pixel limit is checked before an image is decoded; Pillow's warning would only
# repeat it (its error, at twice its own limit, stays as a second guard).
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class UnacceptableFile(ValueError):
    """Why the file is refused; answered as 400 {"file": [message]}."""


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str
    filename: str
    sha256: str


_IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}
# Markup a browser would run if it ever sniffed the file: refused inside any type known by
# its magic number (text is refused when it starts with markup). A tag counts with what ends
# its name after it, a link with its `href`, an event handler (`onerror=`) inside a tag:
# compressed image data is full of shorter matches (`<a`, ` on...=`).
_ACTIVE_MARKUP = re.compile(
    rb"<!doctype\s+html"
    rb"|<\s*(?:script|html|svg|iframe|frame|body|object|embed|img|style|math)[\s/>]"
    rb"|<\s*a[\s/][^<>]{0,512}?href\s*="
    rb"|<[a-z][^<>]{0,512}?[\s\"'/]on[a-z]{3,}\s*=",
    re.IGNORECASE,
)
_MAX_NAME_BYTES = 255
# Beyond this many frames the per-frame work alone (each one decoded, compared, re-encoded)
# counts, however small the frames.
MAX_FRAMES = 10_000


def _kind(data: bytes) -> str | None:
    """The type the magic number says, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heis"):
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if "\x00" in text or text.lstrip().startswith(("<", "#!")):
        return False  # markup or a script, not plain text
    return all(ch.isprintable() or ch in "\t\n\r\f" for ch in text[:65536])


def safe_filename(name: str | None, content_type: str) -> str:
    """For display and for Content-Disposition: no path, no control characters, at most 255
    bytes, and the extension of what the file really is."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    stem = base.rsplit(".", 1)[0].strip(" .") or "attachment"
    extension = _EXTENSIONS[content_type]
    encoded = stem.encode()[: _MAX_NAME_BYTES - len(extension)]
    return encoded.decode("utf-8", errors="ignore").rstrip() + extension


def _ensure_bounded(image: Image.Image, max_pixels: int) -> None:
    """Before any frame is decoded: counting frames reads headers only (GIF blocks are
    skipped, APNG and WebP declare their count)."""
    width, height = image.size
    if width * height > max_pixels:
        raise UnacceptableFile(f"The image is larger than {max_pixels:,} pixels.")
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise UnacceptableFile(f"An animation can have at most {MAX_FRAMES:,} frames.")
    if width * height * frames > max_pixels:
        raise UnacceptableFile(
            f"The animation is larger than {max_pixels:,} pixels, its frames added up."
        )


def _clean_image(data: bytes, max_pixels: int) -> tuple[bytes, str]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            _ensure_bounded(image, max_pixels)
            image.load()
            fmt = image.format or ""
            if fmt == "GIF" and getattr(image, "n_frames", 1) > 1:
                return _reencode_animation(image), "image/gif"
            upright = ImageOps.exif_transpose(image)
    except UnacceptableFile:
        raise
    except Image.DecompressionBombError:
        raise UnacceptableFile(f"The image is larger than {max_pixels:,} pixels.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UnacceptableFile("The image could not be read.") from None
    content_type = _IMAGE_FORMATS.get(fmt, "image/jpeg")  # HEIC is stored as JPEG
    out = io.BytesIO()
    # An empty comment, or Pillow writes the decoded one again (JPEG COM, GIF comment);
    # PNG text chunks and GIF application extensions are never written back.
    if content_type == "image/jpeg":
        upright.convert("RGB").save(out, "JPEG", quality=90, optimize=True, comment=b"")
    elif content_type == "image/png":
        upright.save(out, "PNG", optimize=True)
    elif content_type == "image/webp":
        upright.save(out, "WEBP", quality=90)
    else:
        upright.save(out, "GIF", comment=b"")
    return out.getvalue(), content_type


def _reencode_animation(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "GIF", save_all=True, loop=image.info.get("loop", 0), comment=b"")
    return out.getvalue()


def clean_upload(data: bytes, filename: str | None, *, max_pixels: int) -> CleanFile:
    """The bytes to store for an upload, or UnacceptableFile."""
    if not data:
        raise UnacceptableFile("The file is empty.")
    kind = _kind(data)
    if kind is not None and _ACTIVE_MARKUP.search(data):
        raise UnacceptableFile("The file mixes formats; upload a plain image, PDF or text file.")
    if kind is None:
        if not _plain_text(data):
            raise UnacceptableFile(
                "Only JPEG, PNG, WebP, GIF and HEIC images, PDF and plain text files are accepted."
            )
        kind = "text/plain"
    if kind.startswith("image/"):
        data, kind = _clean_image(data, max_pixels)
    elif kind == "application/pdf" and (refusal := pdf.refusal(data)) is not None:
        raise UnacceptableFile(refusal)
    return CleanFile(
        data=data,
        content_type=kind,
        filename=safe_filename(filename, kind),
        sha256=hashlib.sha256(data).hexdigest(),
    )
