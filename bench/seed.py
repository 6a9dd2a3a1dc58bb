"""Seed a benchmark database through the app's own services: the demo Kommune (departments,
lotsen, accounts, ~100 measures with ten weeks of history, concerns and resistances, held
Lotsentreffen) plus one board per requested size with realistic measures, tags, concerns and
moves. Prints what the benchmark needs as JSON on the last line.

    LOTSENBOARD_DATABASE_URL=… python bench/seed.py --cards 100,500,5000
"""

import argparse
import json
import random

from app import handlers
from app.accounts import service as accounts
from app.accounts import tokens
from app.accounts.models import Role, UserCreate
from app.annotations import service as annotations
from app.annotations.models import AnnotationCreate
from app.boards import service as boards
from app.boards.models import BoardCreate
from app.cards import service as cards
from app.cards.models import CardCreate, CardMove
from app.db import Database
from app.demo import load_demo
from app.demo.kommune import MEASURES
from app.events import service as events
from app.people import service as people
from app.settings import get_settings

ACTOR = "Benchmark"
BATCH = 100
TAGS = ["OZG", "Förderung", "Datenschutz", "Bürgerservice", "intern", "E-Akte", "Cloud", "KI"]
CONCERNS = [
    "Der Personalrat muss vorher zustimmen.",
    "Die Schnittstelle zum Fachverfahren ist noch nicht beauftragt.",
    "Datenschutz-Folgenabschätzung fehlt.",
]


def titles() -> list[str]:
    found = []
    for block in MEASURES:
        for line in block.strip().splitlines():
            parts = line.strip().split("|")
            if len(parts) >= 4:
                found.append(parts[3])
    return found


def seed_board(db: Database, size: int, rng: random.Random) -> int:
    names = titles()
    with db.session(write=True) as session:
        departments = [d.id for d in people.list_departments(session)]
        lotsen = [lotse.id for lotse in people.list_lotsen(session)]
        board = boards.create_board(
            session, data=BoardCreate(name=f"Maßnahmen {size}"), actor=ACTOR
        )
        assert board.id is not None
        phases = [p.id for p in boards.list_phases(session, board_id=board.id)]
    # The services commit together, once per batch: 5,000 measures seed in a few minutes.
    for first in range(0, size, BATCH):
        with db.session(write=True) as session, events.one_transaction(session):
            for number in range(first, min(first + BATCH, size)):
                card = cards.create_card(
                    session,
                    board_id=board.id,
                    data=CardCreate(
                        title=f"{names[number % len(names)]} ({number // len(names) + 1})",
                        phase_id=phases[0],
                        department_id=rng.choice(departments),
                        lotse_id=rng.choice(lotsen) if rng.random() < 0.8 else None,
                        tags=rng.sample(TAGS, rng.randint(0, 3)),
                    ),
                    actor=ACTOR,
                )
                assert card.id is not None
                # A history: most measures have moved on at least once.
                target = rng.choice(phases)
                if target != phases[0]:
                    cards.move_card(
                        session,
                        card_id=card.id,
                        move=CardMove(version=card.version, phase_id=target, position=0),
                        actor=ACTOR,
                    )
                if rng.random() < 0.1:
                    annotations.raise_annotation(
                        session,
                        card_id=card.id,
                        data=AnnotationCreate(kind="concern", text=rng.choice(CONCERNS)),
                        actor=ACTOR,
                    )
    return board.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", default="100,500")
    args = parser.parse_args()
    handlers.install()
    db = Database(get_settings().resolved_database_url)
    load_demo(db)
    rng = random.Random(48)
    sizes = [int(size) for size in args.cards.split(",")]
    made = {str(size): seed_board(db, size, rng) for size in sizes}
    with db.session(write=True) as session:
        user = accounts.create_user(
            session,
            data=UserCreate(
                name="Bench Lotsin",
                email="bench@musterstadt.de",
                password="bench-passwort-1",
                role=Role.admin,
            ),
            actor=ACTOR,
        )
        token, _ = tokens.create_token(session, user=user, name="bench")
        screens = {}
        for size, board_id in made.items():
            plain, _link = tokens.create_screen_link(
                session, board_id=board_id, name="Sitzungsraum", actor=ACTOR
            )
            screens[size] = plain
        department = people.list_departments(session)[0].id
    db.dispose()
    print(
        json.dumps({"boards": made, "token": token, "screens": screens, "department": department})
    )


if __name__ == "__main__":
    main()
