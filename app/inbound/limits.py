"""How large a message may be: a few attachments' worth (base64 makes them a third larger),
within one MongoDB document (the raw message is kept as one)."""

from app.core.config import Settings

STORED_MAX_BYTES = 15 * 1024 * 1024  # under MongoDB's 16 MiB document limit
UPLOADS_PER_MESSAGE = 4


def max_message_bytes(settings: Settings) -> int:
    return min(UPLOADS_PER_MESSAGE * settings.max_upload_bytes, STORED_MAX_BYTES)
