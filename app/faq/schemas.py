"""Frequently asked questions."""

from typing import Annotated

from app.core.schemas import Id, RequestSchema, Schema, text
from app.tickets.documents import Category


class FaqIn(RequestSchema):
    question: Annotated[str, text(1, 300)]
    answer: Annotated[str, text(1, 5000)]
    category: Category


class FaqOut(Schema):
    id: Id
    question: str
    answer: str
    category: Category


class FaqListOut(Schema):
    faqs: list[FaqOut]
    next_cursor: str | None


class FaqSavedOut(Schema):
    message: str
    faq: FaqOut
