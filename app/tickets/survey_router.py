"""/api/surveys/{token}/: a resolution's satisfaction survey, by the link in the Resolved mail
(no login: the token is the credential; anonymous requests are rate limited per address)."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.core.deps import DbDep
from app.core.errors import responses
from app.tickets import surveys
from app.tickets.feedback_schemas import FeedbackIn, SurveyEnvelopeOut, SurveyOut

router = APIRouter(prefix="/surveys", tags=["tickets"])
SurveyToken = Annotated[str, Path(min_length=1, max_length=200)]
SHOWS = (
    "Shows only the ticket's subject, whether the survey is open, answered or expired, and "
    "the rating and comment given; an unknown token is 404."
)


@router.get(
    "/{token}/",
    response_model=SurveyEnvelopeOut,
    response_model_exclude_none=True,
    responses=responses(400, 404, 429),
    summary="A satisfaction survey, by its link (public)",
    description=f"Anyone with the link. {SHOWS} Opening it records nothing.",
)
async def read_survey(token: SurveyToken, db: DbDep) -> SurveyEnvelopeOut:
    shown = await surveys.read_survey(db=db, token=token)
    return SurveyEnvelopeOut(survey=SurveyOut.model_validate(shown))


@router.post(
    "/{token}/",
    response_model=SurveyEnvelopeOut,
    response_model_exclude_none=True,
    responses=responses(400, 404, 410, 413, 429),
    summary="Rate the resolution by the survey's link (public)",
    description='Anyone with the link. Records the rating (`"1"`..`"5"`) of the ticket\'s '
    "resolution, or changes it, until the survey expires 14 days after the resolution (then "
    "410 `survey_expired`). It is the same rating as `feedback/` for that resolution, with "
    f"the same `feedback.submitted` event. Answers the survey as GET does. {SHOWS}",
)
async def answer_survey(token: SurveyToken, data: FeedbackIn, db: DbDep) -> SurveyEnvelopeOut:
    shown = await surveys.answer_survey(
        db=db, token=token, rating=data.rating, comment=data.comment
    )
    return SurveyEnvelopeOut(survey=SurveyOut.model_validate(shown))
