"""Attachment bytes in MongoDB GridFS (PyMongo's AsyncGridFSBucket): the ticket, uploader,
sha256, size and visibility in the file's metadata, nothing on the API host's disk.

GridFS takes no part in transactions, so an upload is two steps: the bytes are stored
unpublished (no `metadata.ticket_id`: no listing or download finds them), then the
transaction that takes the ticket's attachment place and records the event publishes them.
A failed transaction discards the bytes; deleting is the reverse (the file document goes in
the transaction with its event, then the chunks)."""

from collections.abc import AsyncIterator

from bson import ObjectId
from gridfs import AsyncGridFSBucket

from app.attachments.files import CleanFile
from app.core.db import Database, Document
from app.events.record import Session
from app.tickets.queries import ATTACHMENT_BUCKET, ATTACHMENT_FILES


def _bucket(db: Database) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(db, bucket_name=ATTACHMENT_BUCKET)


async def store_unpublished(
    db: Database, file_id: ObjectId, clean: CleanFile, metadata: Document
) -> None:
    await _bucket(db).upload_from_stream_with_id(
        file_id,
        clean.filename,
        clean.data,
        metadata={**metadata, "content_type": clean.content_type, "sha256": clean.sha256},
    )


async def publish(
    db: Database, session: Session, file_id: ObjectId, ticket_id: ObjectId
) -> Document | None:
    """Makes the stored file the ticket's attachment; returns its files document."""
    files = db[ATTACHMENT_FILES]
    await files.update_one(
        {"_id": file_id}, {"$set": {"metadata.ticket_id": ticket_id}}, session=session
    )
    return await files.find_one({"_id": file_id}, session=session)


async def find_file(db: Database, file_id: ObjectId) -> Document | None:
    """A published attachment's files document."""
    file = await db[ATTACHMENT_FILES].find_one({"_id": file_id})
    return file if file and "ticket_id" in file.get("metadata", {}) else None


async def read_chunks(db: Database, file_id: ObjectId) -> AsyncIterator[bytes]:
    """The stored bytes, one GridFS chunk (255 KiB) at a time."""
    stream = await _bucket(db).open_download_stream(file_id)
    while chunk := await stream.readchunk():
        yield chunk


async def discard(db: Database, file_id: ObjectId) -> None:
    """Bytes stored for an upload that did not happen."""
    await _bucket(db).delete(file_id)


async def unlink(db: Database, session: Session, file_id: ObjectId) -> None:
    """The file document, in the deletion's transaction (its chunks go after the commit)."""
    await db[ATTACHMENT_FILES].delete_one({"_id": file_id}, session=session)


async def delete_chunks(db: Database, file_id: ObjectId) -> None:
    await db[f"{ATTACHMENT_BUCKET}.chunks"].delete_many({"files_id": file_id})
