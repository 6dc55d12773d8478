"""Attachment bytes in MongoDB GridFS (PyMongo's AsyncGridFSBucket): the ticket, uploader,
sha256, size and visibility in the file's metadata, nothing on the API host's disk."""

from collections.abc import AsyncIterator

from bson import ObjectId
from gridfs import AsyncGridFSBucket

from app.attachments.files import CleanFile
from app.core.db import Database, Document
from app.tickets.queries import ATTACHMENT_BUCKET, ATTACHMENT_FILES


def _bucket(db: Database) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(db, bucket_name=ATTACHMENT_BUCKET)


async def store(db: Database, file_id: ObjectId, clean: CleanFile, metadata: Document) -> None:
    await _bucket(db).upload_from_stream_with_id(
        file_id,
        clean.filename,
        clean.data,
        metadata={**metadata, "content_type": clean.content_type, "sha256": clean.sha256},
    )


async def find_file(db: Database, file_id: ObjectId) -> Document | None:
    return await db[ATTACHMENT_FILES].find_one({"_id": file_id})


async def read_chunks(db: Database, file_id: ObjectId) -> AsyncIterator[bytes]:
    """The stored bytes, one GridFS chunk (255 KiB) at a time."""
    stream = await _bucket(db).open_download_stream(file_id)
    while chunk := await stream.readchunk():
        yield chunk


async def delete(db: Database, file_id: ObjectId) -> None:
    """The file document and every chunk of its bytes."""
    await _bucket(db).delete(file_id)
