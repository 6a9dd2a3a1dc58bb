"""The concerns and resistances of a card as its dialog shows them."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.annotations import queries, service
from app.annotations.models import AnnotationCategory
from app.cards.models import Card
from app.db import ident
from app.people.models import Department, Lotse

NOTHING = "–"


@dataclass
class NameBook:
    """Names for the ids an annotation holds."""

    departments: dict[int, Department]
    lotsen: dict[int, Lotse]
    categories: dict[int, AnnotationCategory]

    def department(self, department_id: int | None) -> str:
        found = self.departments.get(department_id) if department_id else None
        return f"{found.code} – {found.name}" if found else NOTHING

    def lotse(self, lotse_id: int | None) -> str:
        found = self.lotsen.get(lotse_id) if lotse_id else None
        return found.name if found else NOTHING

    def category(self, category_id: int | None) -> str:
        found = self.categories.get(category_id) if category_id else None
        return found.name if found else NOTHING


def panel_context(
    session: Session,
    *,
    card: Card,
    departments: list[Department],
    lotsen: list[Lotse],
    draft: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What templates/annotations/_panel.html needs for one card."""
    annotations = queries.list_for_card(session, card_id=ident(card))
    categories = service.list_categories(session)
    return {
        "card": card,
        "annotations": annotations,
        "notes": queries.notes_of(session, annotation_ids=[ident(a) for a in annotations]),
        "departments": departments,
        "lotsen": lotsen,
        "categories": categories,
        "names": NameBook(
            {ident(d): d for d in departments},
            {ident(lotse): lotse for lotse in lotsen},
            {ident(c): c for c in categories},
        ),
        "draft": draft,
    }
