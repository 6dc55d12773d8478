"""What a customer's rating of a resolved ticket looks like on the wire."""

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from app.core.schemas import Id, RequestSchema, Schema, UtcDatetime, text

RATINGS = ("1", "2", "3", "4", "5")


def _parse_rating(value: object) -> int:
    # The reference sends "5"; integrators send 5. Both mean the same rating.
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    if isinstance(value, str) and value.strip() in RATINGS:
        return int(value)
    raise ValueError("Rating must be one of 1, 2, 3, 4, 5.")


Rating = Annotated[
    int,
    BeforeValidator(_parse_rating),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(RATINGS)},
                {"type": "integer", "minimum": 1, "maximum": 5},
            ],
            "description": '1-5, as a string ("5") or a number',
        }
    ),
]


class FeedbackIn(RequestSchema):
    rating: Rating
    comment: Annotated[str, text(0, 2000)] | None = None


class FeedbackSummary(Schema):
    id: Id
    rating: Literal["1", "2", "3", "4", "5"] = Field(description="As the reference: a string")
    created_at: UtcDatetime


class FeedbackCreatedOut(Schema):
    message: str
    feedback: FeedbackSummary


class SurveyOut(Schema):
    ticket_subject: str
    status: Literal["open", "answered", "expired"]
    rating: Literal["1", "2", "3", "4", "5"] | None = Field(
        default=None, description="The rating given, when there is one"
    )
    comment: str | None = Field(default=None, description="The comment given with the rating")


class SurveyEnvelopeOut(Schema):
    survey: SurveyOut
