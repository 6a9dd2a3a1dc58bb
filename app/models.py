"""Every domain's tables in one registry, for Alembic and create_all."""

from sqlmodel import SQLModel

from app.accounts.models import (
    ApiToken,
    BoardMember,
    LoginFailure,
    LoginSession,
    PasswordReset,
    SavedView,
    ScreenLink,
    User,
)
from app.annotations.models import Annotation, AnnotationCategory, AnnotationNote
from app.boards.models import Board, Phase
from app.cards.models import Card, CardTag
from app.digest.models import DigestDelivery, DigestSubscription, JobLease
from app.events.models import Event
from app.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingEntry,
    MeetingFeed,
    MeetingRun,
    MeetingSeries,
)
from app.pages.models import Feedback, SiteText
from app.people.models import Department, Lotse
from app.realtime.models import Instance

metadata = SQLModel.metadata

__all__ = [
    "AgendaItem",
    "Annotation",
    "AnnotationCategory",
    "AnnotationNote",
    "ApiToken",
    "Board",
    "BoardMember",
    "Card",
    "CardTag",
    "Department",
    "DigestDelivery",
    "DigestSubscription",
    "Event",
    "Feedback",
    "Instance",
    "JobLease",
    "LoginFailure",
    "LoginSession",
    "Lotse",
    "Meeting",
    "MeetingEntry",
    "MeetingFeed",
    "MeetingRun",
    "MeetingSeries",
    "PasswordReset",
    "Phase",
    "SavedView",
    "ScreenLink",
    "SiteText",
    "User",
    "metadata",
]
