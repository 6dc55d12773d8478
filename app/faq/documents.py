"""The stored FAQ entry and its one constructor."""

from datetime import datetime
from typing import TypedDict

from bson import ObjectId

from app.core.clock import utcnow
from app.tickets.documents import Category


class FaqDoc(TypedDict):
    _id: ObjectId
    question: str
    answer: str
    category: str  # a Category value
    created_at: datetime
    updated_at: datetime


def new_faq(
    *, question: str, answer: str, category: Category, now: datetime | None = None
) -> FaqDoc:
    now = now or utcnow()
    return FaqDoc(
        _id=ObjectId(),
        question=question,
        answer=answer,
        category=category.value,
        created_at=now,
        updated_at=now,
    )
