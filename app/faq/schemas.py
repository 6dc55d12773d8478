"""Frequently asked questions."""

from typing import Annotated

from pydantic import Field

from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text
from app.tickets.documents import Category
from app.tickets.schemas import SuggestionSession


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


class SuggestionOut(Schema):
    id: Id
    question: str
    answer: str
    category: Category
    score: float = Field(description="BM25 relevance, higher is better; comparable within one FAQ")


class SuggestionsOut(Schema):
    suggestions: list[SuggestionOut]


class FaqReactionIn(RequestSchema):
    session: SuggestionSession | None = None


class FaqFeedbackIn(FaqReactionIn):
    helpful: bool


class UnansweredQuestionOut(Schema):
    query: str = Field(description="The customer's words, folded to lower case without accents")
    count: int = Field(description="Suggestion sessions whose latest query it was")
    best_score: float
    last_asked_at: UtcDatetime


class UnansweredOut(Schema):
    questions: list[UnansweredQuestionOut]
