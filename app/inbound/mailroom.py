"""What processing a message needs: from the app's state, or the SMTP receiver's own."""

from dataclasses import dataclass

from app.core.config import Settings
from app.core.db import Database
from app.core.offload import Slots
from app.core.security import PasswordHasher


@dataclass(frozen=True)
class Mailroom:
    db: Database
    settings: Settings
    images: Slots  # image cleaning, shared with uploads
    hasher: PasswordHasher  # accounts of unknown senders (INBOUND_UNKNOWN_SENDERS)
