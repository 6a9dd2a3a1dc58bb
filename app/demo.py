"""The demo Kommune "Musterstadt": departments, lotsen and ~100 measures with ten weeks of history.

Everything goes through the services, with the clock set back, so the event log, the card
history and later reports see a believable past.
"""

import random
import secrets
from datetime import date, datetime, timedelta

from sqlmodel import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import Role, UserCreate
from app.boards import service as boards
from app.boards.models import BoardCreate, PhaseCreate, WipMode
from app.cards import service as cards
from app.cards.models import Card, CardCreate, CardMove, CardUpdate, Priority, Size
from app.db import Database
from app.errors import WipLimitReached
from app.people import service as people
from app.people.models import DepartmentCreate, LotseCreate

BOARD_NAME = "Maßnahmen 2026"
SETUP_ACTOR = "Demo"

DEPARTMENTS = [
    ("Hauptamt", "HA", "#1d4e89"),
    ("Bürgerbüro", "BB", "#00707a"),
    ("Bauamt", "BA", "#8a4b08"),
    ("Ordnungsamt", "OA", "#6a3d9a"),
    ("Kämmerei", "KÄ", "#a4161a"),
    ("Personal", "PA", "#2f6b2f"),
    ("Sozialamt", "SO", "#b0306a"),
    ("Schulen & Sport", "SCH", "#005f99"),
    ("IT", "IT", "#3c4650"),
    ("Jugendamt", "JA", "#7a5c00"),
]

LOTSEN = [
    ("Anna Becker", "HA"),
    ("Thomas Wagner", "HA"),
    ("Sabine Hoffmann", "BB"),
    ("Mehmet Yılmaz", "BB"),
    ("Jana Kuhn", "BA"),
    ("Stefan Richter", "BA"),
    ("Claudia Neumann", "OA"),
    ("Markus Schulz", "KÄ"),
    ("Petra Krüger", "KÄ"),
    ("Julia Schmitt", "PA"),
    ("Andreas Lehmann", "SO"),
    ("Olga Petrova", "SO"),
    ("Katrin Fischer", "SCH"),
    ("Lukas Braun", "SCH"),
    ("Daniel Vogel", "IT"),
    ("Nadine Koch", "JA"),
]

PHASES = [
    PhaseCreate(name="Ideenspeicher"),
    PhaseCreate(name="Priorisiert"),
    PhaseCreate(name="Prozessanalyse"),
    PhaseCreate(name="In Umsetzung", wip_limit=8, wip_mode=WipMode.warn),
    PhaseCreate(name="Test/Pilot", wip_limit=5, wip_mode=WipMode.block),
    PhaseCreate(name="Erledigt", is_done=True),
]

# (title, department code, tags)
MEASURES = [
    ("E-Akte Wohngeld", "SO", "E-Akte,OZG"),
    ("E-Akte Hundesteuer", "KÄ", "E-Akte"),
    ("E-Akte Personal", "PA", "E-Akte,intern,Datenschutz"),
    ("Flüchtlingsmanagement-Software statt Excel-Listen", "SO", "Fachverfahren,Datenschutz"),
    ("Online-Buchung Sporthallen", "SCH", "Bürgerservice,Online-Buchung"),
    ("Online-Buchung Besprechungsräume", "HA", "intern,Online-Buchung"),
    ("Mängelmelder für Bürgerinnen und Bürger", "OA", "Bürgerservice,App"),
    ("Parkscheinautomaten mit App-Bezahlung", "OA", "Bürgerservice,Bezahlen"),
    ("Digitaler Onboarding-Prozess", "PA", "intern,Prozess"),
    ("Wissensmanagement mit Verwaltungs-Wiki", "IT", "intern,Wissen"),
    ("Anwohnerparkausweis online", "OA", "OZG,Bürgerservice"),
    ("Gewerbeanmeldung online", "OA", "OZG,Wirtschaft"),
    ("Urkundenanforderung online", "BB", "OZG"),
    ("Online-Terminvergabe Bürgerbüro", "BB", "Bürgerservice,Termine"),
    ("Digitaler Bauantrag", "BA", "OZG,Bauen"),
    ("E-Rechnung im Rechnungseingang", "KÄ", "E-Rechnung"),
    ("Ratsinformationssystem mit digitaler Gremienarbeit", "HA", "Gremien"),
    ("WLAN in allen Schulen", "SCH", "Schule,Förderung,DigitalPakt"),
    ("Tablets für Grundschulen", "SCH", "Schule,DigitalPakt"),
    ("Elternbeiträge Kita online", "JA", "OZG,Kita"),
    ("Kita-Platzvergabe online", "JA", "OZG,Kita"),
    ("Digitale Vorgangsbearbeitung Jugendhilfe", "JA", "Fachverfahren,Datenschutz"),
    ("Bewohnerparken: digitale Kontrolle", "OA", "Bezahlen"),
    ("Hundesteuer-Anmeldung online", "KÄ", "OZG"),
    ("Digitale Reisekostenabrechnung", "PA", "intern"),
    ("Elektronische Zeiterfassung", "PA", "intern,Personalrat"),
    ("Bewerbermanagement-Portal", "PA", "Personal,Bürgerservice"),
    ("Fundbüro online", "BB", "Bürgerservice"),
    ("Wahlhelfer-Verwaltung digital", "HA", "Wahlen"),
    ("Briefwahlantrag online", "BB", "OZG,Wahlen"),
    ("Digitale Bauakte (Scan Altbestand)", "BA", "E-Akte,Bauen"),
    ("Geoportal für Bebauungspläne", "BA", "Bauen,Geodaten"),
    ("Baumkataster digital", "BA", "Geodaten,Umwelt"),
    ("Sondernutzungserlaubnis online", "OA", "OZG"),
    ("Veranstaltungsanzeige online", "OA", "OZG"),
    ("Digitaler Posteingang mit Scanstraße", "HA", "E-Akte,Post"),
    ("Rechnungsfreigabe-Workflow", "KÄ", "E-Rechnung,Prozess"),
    ("SEPA-Lastschriftmandate digital", "KÄ", "Bezahlen"),
    ("Haushaltsplan als offene Daten", "KÄ", "Open Data"),
    ("Open-Data-Portal", "IT", "Open Data"),
    ("Mobiles Arbeiten: VPN für alle", "IT", "intern,Infrastruktur"),
    ("Videokonferenz-Lösung einführen", "IT", "intern,Infrastruktur"),
    ("Passwortmanager für Fachbereiche", "IT", "Sicherheit"),
    ("Notfallhandbuch IT-Sicherheit", "IT", "Sicherheit"),
    ("E-Mail-Verschlüsselung", "IT", "Sicherheit,Datenschutz"),
    ("Digitale Sitzungsgelder-Abrechnung", "HA", "Gremien"),
    ("Chatbot für häufige Fragen", "BB", "Bürgerservice,KI"),
    ("Formularserver modernisieren", "IT", "OZG"),
    ("Bürgerkonto anbinden (BundID)", "IT", "OZG"),
    ("Bildungs- und Teilhabepaket online", "SO", "OZG,Soziales"),
    ("Asylbewerberleistungen: Auszahlung per Karte", "SO", "Bezahlen,Soziales"),
    ("Schülerbeförderung online beantragen", "SCH", "OZG,Schule"),
    ("Sportförderung digital beantragen", "SCH", "Förderung"),
    ("Vereinsregister der Stadt digital", "SCH", "Vereine"),
    ("Digitale Schulanmeldung", "SCH", "OZG,Schule"),
    ("Jugendzentrum: Online-Anmeldung", "JA", "Bürgerservice"),
    ("Beistandschaften digital", "JA", "Fachverfahren"),
    ("Digitale Akteneinsicht für Anwälte", "OA", "E-Akte"),
    ("Bußgeldstelle: Online-Anhörung", "OA", "OZG"),
    ("Feuerwehr: Einsatzberichte digital", "OA", "Feuerwehr"),
    ("Friedhofsverwaltung digital", "BA", "Fachverfahren"),
    ("Straßenbeleuchtung: Störungsmeldung", "BA", "Bürgerservice,App"),
    ("Winterdienst-Tourenplanung", "BA", "Prozess"),
    ("Gebäudemanagement: Raumbuch", "BA", "Gebäude"),
    ("Energiemonitoring Liegenschaften", "BA", "Umwelt,Förderung"),
    ("Dienstwagen-Buchung online", "HA", "intern,Online-Buchung"),
    ("Intranet-Relaunch", "HA", "intern,Wissen"),
    ("Barrierefreie Website", "HA", "Barrierefreiheit"),
    ("Leichte Sprache auf der Website", "HA", "Barrierefreiheit"),
    ("Digitale Bürgerbeteiligung", "HA", "Beteiligung"),
    ("Bürgerhaushalt online", "KÄ", "Beteiligung"),
    ("Zuschussanträge Kultur digital", "HA", "Förderung"),
    ("Standesamt: Eheschließungstermine online", "BB", "Termine"),
    ("Meldebescheinigung sofort online", "BB", "OZG"),
    ("Führungszeugnis-Antrag vor Ort digital", "BB", "Bürgerservice"),
    ("Personalausweis: Abholbenachrichtigung per SMS", "BB", "Bürgerservice"),
    ("Digitale Personalakte: Zugriffskonzept", "PA", "Datenschutz,Personalrat"),
    ("Fortbildungsportal", "PA", "intern,Wissen"),
    ("Digitale Stellenausschreibung", "PA", "Personal"),
    ("Krankmeldung elektronisch (eAU)", "PA", "intern"),
    ("Lohnabrechnung: Online-Zugang", "PA", "intern"),
    ("Wohngeld: Online-Antrag", "SO", "OZG"),
    ("Schuldnerberatung: Terminvergabe online", "SO", "Termine"),
    ("Sozialpass digital", "SO", "Soziales"),
    ("Pflegestützpunkt: Videoberatung", "SO", "Beratung"),
    ("Flüchtlingsunterkünfte: Belegungsplanung", "SO", "Fachverfahren"),
    ("Schul-IT-Support-Ticketsystem", "IT", "Schule,Infrastruktur"),
    ("Druckerkonsolidierung", "IT", "Infrastruktur"),
    ("Softwareverteilung automatisieren", "IT", "Infrastruktur"),
    ("Archivierung nach DMS-Standard", "HA", "E-Akte"),
    ("Aktenplan vereinheitlichen", "HA", "E-Akte"),
    ("Vergabeplattform anbinden", "KÄ", "Vergabe"),
    ("Kassenautomat im Bürgerbüro", "KÄ", "Bezahlen"),
    ("Mahnwesen automatisieren", "KÄ", "Prozess"),
    ("Grundsteuer: Bescheide digital", "KÄ", "OZG"),
    ("Spielplatzkontrollen per App", "JA", "App"),
    ("Kinderschutz: sichere Kommunikation", "JA", "Datenschutz"),
    ("Schwimmbad: Online-Tickets", "SCH", "Online-Buchung,Bezahlen"),
    ("Bibliothek: Onleihe ausbauen", "SCH", "Bildung"),
]

DESCRIPTION = (
    "**Ziel:** {title} – weniger Papier, kürzere Wege für Bürgerinnen, Bürger und Beschäftigte.\n\n"
    "- Federführung: {department}\n"
    "- Nächster Schritt: mit dem Fachbereich im Lotsentreffen abstimmen"
)

# How far each measure travels: the final phase index, weighted to a plausible board.
FINAL_PHASES = [0] * 25 + [1] * 15 + [2] * 12 + [3] * 9 + [4] * 5 + [5] * 28


def load_demo(db: Database, *, now: datetime | None = None) -> bool:
    """Load the demo Kommune; False when it is there already (idempotent)."""
    now = now or clock.now()
    start = now - timedelta(weeks=10)
    rng = random.Random(2026)
    with db.session(write=True) as session:
        if any(
            board.name == BOARD_NAME for board in boards.list_boards(session, include_archived=True)
        ):
            return False
        with clock.frozen_at(start):
            departments, lotsen = _people(session)
            board = boards.create_board(
                session,
                data=BoardCreate(
                    name=BOARD_NAME,
                    description="Digitalisierungsmaßnahmen der Stadtverwaltung Musterstadt",
                ),
                actor=SETUP_ACTOR,
                phases=PHASES,
            )
        assert board.id is not None
        phase_ids = [
            p.id for p in boards.list_phases(session, board_id=board.id) if p.id is not None
        ]
        plan = _plan(rng, start, now)
        created: list[tuple[int, int, str]] = []
        for index, (moment, kind) in enumerate(plan):
            with clock.frozen_at(moment):
                if kind == "create":
                    created.append(
                        _create(
                            session,
                            board.id,
                            phase_ids[0],
                            len(created),
                            rng,
                            departments,
                            lotsen,
                            now,
                        )
                    )
                else:
                    _advance(session, rng, created, phase_ids, index)
        _finish(session, rng, created, phase_ids, now)
    return True


DEMO_ADMIN = "cdo@musterstadt.de"


def ensure_demo_admin(db: Database) -> tuple[str, str] | None:
    """Create the demo's admin (the CDO) when no account exists; return the login once."""
    with db.session(write=True) as session:
        if accounts.list_users(session):
            return None
        password = secrets.token_urlsafe(12)
        data = UserCreate(
            email=DEMO_ADMIN, name="Dana Weber (CDO)", role=Role.admin, password=password
        )
        accounts.create_user(session, data=data, actor=SETUP_ACTOR)
    return DEMO_ADMIN, password


def _people(session: Session) -> tuple[dict[str, int], dict[str, list[tuple[int, str]]]]:
    departments: dict[str, int] = {}
    for name, code, colour in DEPARTMENTS:
        department = people.create_department(
            session, data=DepartmentCreate(name=name, code=code, colour=colour), actor=SETUP_ACTOR
        )
        assert department.id is not None
        departments[code] = department.id
    lotsen: dict[str, list[tuple[int, str]]] = {}
    for name, code in LOTSEN:
        first, last = name.lower().split(" ", 1)
        email = f"{_ascii(first)}.{_ascii(last)}@musterstadt.de"
        lotse = people.create_lotse(
            session,
            data=LotseCreate(name=name, department_id=departments[code], email=email),
            actor=SETUP_ACTOR,
        )
        assert lotse.id is not None
        lotsen.setdefault(code, []).append((lotse.id, name))
    return departments, lotsen


def _ascii(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i")):
        text = text.replace(umlaut, plain)
    return text.replace(" ", "")


def _plan(rng: random.Random, start: datetime, now: datetime) -> list[tuple[datetime, str]]:
    """Creation and progress steps at increasing times over the ten weeks."""
    steps = ["create"] * len(MEASURES) + ["advance"] * 260
    rng.shuffle(steps)
    # Measures are created before they can move: put most creations in the first weeks.
    steps.sort(key=lambda kind: rng.random() * (0.6 if kind == "create" else 1.0))
    span = (now - start - timedelta(hours=2)).total_seconds()
    moments = sorted(start + timedelta(hours=1, seconds=rng.random() * span) for _ in steps)
    return list(zip(moments, steps, strict=True))


def _create(
    session: Session,
    board_id: int,
    phase_id: int,
    index: int,
    rng: random.Random,
    departments: dict[str, int],
    lotsen: dict[str, list[tuple[int, str]]],
    now: datetime,
) -> tuple[int, int, str]:
    title, code, tags = MEASURES[index]
    lotse_id, lotse_name = rng.choice(lotsen[code])
    due: date | None = None
    if rng.random() < 0.35:
        due = (now + timedelta(days=rng.randint(-20, 120))).date()
    data = CardCreate(
        title=title,
        phase_id=phase_id,
        description=DESCRIPTION.format(
            title=title, department=next(n for n, c, _ in DEPARTMENTS if c == code)
        ),
        department_id=departments[code],
        lotse_id=lotse_id,
        priority=rng.choices(list(Priority), weights=[2, 6, 3, 1])[0],
        size=rng.choice(list(Size)),
        due_date=due,
        tags=tags.split(","),
    )
    card = cards.create_card(session, board_id=board_id, data=data, actor=lotse_name)
    assert card.id is not None
    return card.id, FINAL_PHASES[(index * 37) % len(FINAL_PHASES)], lotse_name


def _card(session: Session, card_id: int) -> Card:
    card = session.get(Card, card_id)
    assert card is not None
    return card


def _move(session: Session, card: Card, phase_id: int, position: int, actor: str) -> None:
    assert card.id is not None
    move = CardMove(phase_id=phase_id, position=position, version=card.version)
    cards.move_card(session, card_id=card.id, move=move, actor=actor)


def _advance(
    session: Session,
    rng: random.Random,
    created: list[tuple[int, int, str]],
    phase_ids: list[int],
    step: int,
) -> None:
    """Move one measure that has not reached its final phase one phase on."""
    behind = [
        (card_id, actor)
        for card_id, goal, actor in created
        if phase_ids.index(_card(session, card_id).phase_id) < goal
    ]
    if not behind:
        return
    card_id, actor = rng.choice(behind)
    card = _card(session, card_id)
    target = phase_ids[phase_ids.index(card.phase_id) + 1]
    try:
        _move(session, card, target, rng.randint(0, 3), actor)
    except WipLimitReached:
        session.rollback()
        # Test/Pilot is full: finishing a pilot makes room, as in a real meeting.
        pilots = [
            cid
            for cid, goal, _a in created
            if goal == 5 and _card(session, cid).phase_id == phase_ids[4]
        ]
        if pilots:
            _move(session, _card(session, pilots[0]), phase_ids[5], 0, actor)
    if step % 40 == 0:
        edit_id, _goal, editor = rng.choice(created)
        edit = _card(session, edit_id)
        priority = Priority.high if edit.priority != Priority.high else Priority.urgent
        cards.update_card(
            session,
            card_id=edit_id,
            data=CardUpdate(version=edit.version, priority=priority),
            actor=editor,
        )


def _finish(
    session: Session,
    rng: random.Random,
    created: list[tuple[int, int, str]],
    phase_ids: list[int],
    now: datetime,
) -> None:
    """Archive a few long-done measures, so the archive has something to show."""
    with clock.frozen_at(now - timedelta(hours=1)):
        done = [cid for cid, _g, _a in created if _card(session, cid).phase_id == phase_ids[5]]
        for card_id in rng.sample(done, k=min(3, len(done))):
            card = _card(session, card_id)
            cards.archive_card(session, card_id=card_id, version=card.version, actor=SETUP_ACTOR)
