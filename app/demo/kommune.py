"""The demo Kommune "Musterstadt": departments, lotsen, 100 measures and their concerns and
resistances, with ten weeks of history.

Everything goes through the services, with the clock set back, so the event log, the card
history and later reports see a believable past.
"""

import heapq
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app import clock
from app.accounts import service as accounts
from app.accounts.models import Role, UserCreate
from app.boards import service as boards
from app.boards.models import BoardCreate, PhaseCreate, WipMode
from app.cards import service as cards
from app.cards.models import CardCreate, CardMove, CardUpdate, Priority, Size
from app.db import Database, ident
from app.demo import annotations as stories
from app.demo import treffen
from app.errors import WipLimitReached
from app.meetings import service as meetings
from app.meetings.models import SeriesSet
from app.people import service as people
from app.people.models import DepartmentCreate, LotseCreate
from app.settings import get_settings

BOARD_NAME = "Maßnahmen 2026"
SETUP_ACTOR = "Demo"
DEMO_ADMIN = "cdo@musterstadt.de"
BERLIN = ZoneInfo("Europe/Berlin")

# Colours: at least 5:1 against white, so white codes on them and swatches next to text read well.
DEPARTMENTS = [
    ("Hauptamt", "HA", "#1d4e89"),
    ("Bürgerbüro", "BB", "#00707a"),
    ("Bauamt", "BA", "#8a4b08"),
    ("Ordnungsamt", "OA", "#6a3d9a"),
    ("Kämmerei", "KÄ", "#a4161a"),
    ("Personal", "PA", "#2f6b2f"),
    ("Sozialamt", "SO", "#b0306a"),
    ("Schulen & Sport", "SCH", "#b34700"),
    ("IT", "IT", "#3c4650"),
    ("Jugendamt", "JA", "#7a5c00"),
]

# Department code → its lotsen.
LOTSEN = {
    "HA": ["Anna Becker", "Thomas Wagner"],
    "BB": ["Sabine Hoffmann", "Mehmet Yılmaz"],
    "BA": ["Jana Kuhn", "Stefan Richter"],
    "OA": ["Claudia Neumann"],
    "KÄ": ["Markus Schulz", "Petra Krüger"],
    "PA": ["Julia Schmitt"],
    "SO": ["Andreas Lehmann", "Olga Petrova"],
    "SCH": ["Katrin Fischer", "Lukas Braun"],
    "IT": ["Daniel Vogel"],
    "JA": ["Nadine Koch"],
}

PHASES = [
    PhaseCreate(name="Ideenspeicher"),
    PhaseCreate(name="Priorisiert"),
    PhaseCreate(name="Prozessanalyse"),
    PhaseCreate(name="In Umsetzung", wip_limit=8, wip_mode=WipMode.warn),
    PhaseCreate(name="Test/Pilot", wip_limit=5, wip_mode=WipMode.block),
    PhaseCreate(name="Erledigt", is_done=True),
]

# The measures by the phase they have reached today: department|size|tags|title|goal.
MEASURES = [
    """
    SO|M|Bürgerservice|Chatbot für häufige Fragen|Antworten auf Standardfragen rund um die Uhr.
    IT|L|intern|Open-Data-Portal|Daten der Stadt offen und maschinenlesbar bereitstellen.
    KÄ|S|intern|Haushalt als offene Daten|Den Haushaltsplan interaktiv und als Open Data zeigen.
    KÄ|M|Bürgerservice|Bürgerhaushalt online|Vorschläge zum Haushalt online sammeln und bewerten.
    HA|L|Bürgerservice|Digitale Bürgerbeteiligung|Beteiligungsverfahren auf einer Plattform bündeln.
    BA|M|Förderung|Baumkataster digital|Baumkontrollen mobil erfassen, Verkehrssicherheit belegen.
    JA|S|intern|Spielplatzkontrollen per App|Prüfprotokolle vor Ort mit Foto erfassen.
    JA|M|Datenschutz|Sichere Kommunikation im Kinderschutz|Verschlüsselt mit Schulen und Kitas.
    SO|M|Bürgerservice|Videoberatung Pflegestützpunkt|Beratung per Video für pflegende Angehörige.
    OA|L|intern|Einsatzberichte Feuerwehr digital|Berichte auf dem Tablet im Fahrzeug schreiben.
    OA|M|Datenschutz|Digitale Akteneinsicht|Akteneinsicht für Anwälte über ein sicheres Portal.
    KÄ|S|Bürgerservice|Kassenautomat im Bürgerbüro|Gebühren mit Karte am Automaten zahlen.
    KÄ|S|intern|SEPA-Mandate digital|Lastschriftmandate online erteilen statt auf Papier.
    PA|S|intern|Digitale Gehaltsabrechnung|Entgeltnachweise im Mitarbeiterportal statt per Post.
    SCH|S|Förderung|Sportförderung online beantragen|Vereine beantragen Zuschüsse online.
    SCH|S|Bürgerservice|Vereinsdatenbank|Ansprechpersonen und Angebote der Vereine an einem Ort.
    HA|S|Förderung|Kulturförderung online|Zuschüsse für Kulturprojekte online beantragen.
    HA|S|Gremien|Sitzungsgeld digital abrechnen|Sitzungsgelder direkt aus dem Ratsinfo abrechnen.
    SO|M|Bürgerservice|Bezahlkarte Asylbewerberleistungen|Leistungen per Karte statt in bar.
    SO|M|intern|Belegungsplanung Unterkünfte|Freie Plätze in den Unterkünften tagesaktuell sehen.
    OA|S|intern|Bewohnerparken digital kontrollieren|Kontrolle per Kennzeichen statt Ausweis.
    BB|S|OZG|Führungszeugnis online beantragen|Antrag mit Online-Ausweis, ohne Termin.
    HA|M|intern,Datenschutz|KI-Assistent für Protokolle|Protokolle mit KI vorbereiten.
    HA|L|intern|Intranet-Relaunch|Intranet mit Suche, Telefonbuch und allen Formularen.
    BA|M|Bürgerservice|Baustelleninfo online|Baustellen und Umleitungen tagesaktuell im Stadtplan.
    IT|S|intern|Passwort selbst zurücksetzen|Self-Service statt Anruf bei der IT-Hotline.
    BB|M|Bürgerservice|Wartemarke aufs Handy|Wartenummer aufs Smartphone, Aufruf per SMS.
    """,
    """
    IT|L|OZG|Anbindung BundID|Das Bürgerkonto BundID an alle Online-Dienste anbinden.
    IT|M|OZG,Barrierefreiheit|Formularserver modernisieren|Barrierefreie Online-Formulare statt PDF.
    BA|L|Bürgerservice|Geoportal für Bebauungspläne|Bebauungspläne und Bodenrichtwerte im Stadtplan.
    JA|M|OZG,Bürgerservice|Kita-Platzvergabe online|Kita-Plätze zentral online vormerken.
    JA|S|OZG|Elternbeiträge Kita online|Einkommensnachweise online einreichen, Bescheid digital.
    SCH|M|OZG,Schule|Schülerbeförderung online|Schülertickets online beantragen und bewilligen.
    SCH|M|OZG,Schule|Digitale Schulanmeldung|Anmeldung an allen städtischen Schulen online.
    KÄ|L|OZG|Grundsteuerbescheide digital|Bescheide elektronisch zustellen, wo gewünscht.
    HA|S|Barrierefreiheit|Leichte Sprache auf der Website|Die wichtigsten Leistungen erklärt.
    KÄ|M|intern|Vergabeplattform anbinden|Ausschreibungen vollständig elektronisch abwickeln.
    BA|L|Förderung|Energiemonitoring Liegenschaften|Verbräuche aller Gebäude automatisch auswerten.
    SO|S|Bürgerservice|Sozialpass digital|Den Sozialpass als Nachweis auf dem Smartphone.
    HA|S|intern|Wahlhelfer-Verwaltung digital|Wahlhelfende online gewinnen, einteilen und schulen.
    HA|L|E-Akte|Digitale Archivierung|Elektronische Akten revisionssicher ans Archiv übergeben.
    BA|M|intern|Raumbuch Gebäudemanagement|Räume, Flächen und Wartungen aller Gebäude digital.
    """,
    """
    PA|XL|E-Akte,Datenschutz|E-Akte Personal|Personalakten digital, mit Rollen- und Löschkonzept.
    JA|L|Datenschutz|Digitale Fallakte Jugendhilfe|Hilfen zur Erziehung in einem Fachverfahren.
    JA|M|E-Akte|Beistandschaften digital|Unterhaltsfälle digital, Zahlungen automatisch abgleichen.
    SO|M|OZG|Bildung und Teilhabe online|BuT-Leistungen online beantragen, Nachweise hochladen.
    SO|M|OZG|Wohngeld-Antrag online|Den Online-Antrag des Landes an die E-Akte anbinden.
    BA|S|intern|Friedhofsverwaltung digital|Grabstellen, Fristen und Gebühren in einem Programm.
    BA|XL|E-Akte|Bauakten-Altbestand scannen|Rund 40.000 Bauakten digitalisieren.
    KÄ|M|intern|Mahnwesen automatisieren|Mahnläufe automatisch, Ratenzahlungen im Blick.
    HA|M|E-Akte|Aktenplan vereinheitlichen|Ein Aktenplan für alle Fachbereiche als Basis der E-Akte.
    BA|M|intern|Winterdienst-Tourenplanung|Streutouren digital planen und dokumentieren.
    PA|S|intern|Digitale Reisekostenabrechnung|Dienstreisen online beantragen und abrechnen.
    OA|M|OZG|Online-Anhörung Bußgeldstelle|Den Anhörungsbogen online beantworten statt per Post.
    """,
    """
    SO|L|E-Akte,Datenschutz|E-Akte Wohngeld|Wohngeldanträge digital bearbeiten, ohne Papierakte.
    SO|L|Datenschutz|Flüchtlingsmanagement-Software statt Excel-Listen|Ein System statt Listen.
    BA|XL|OZG|Digitaler Bauantrag|Bauanträge online einreichen und digital abstimmen.
    OA|M|OZG,Bürgerservice|Anwohnerparkausweis online|Antrag, Bezahlung und Ausweis online.
    HA|L|Gremien|Digitale Gremienarbeit|Papierlose Sitzungen mit Tablets und Ratsinfo-App.
    HA|XL|E-Akte|Digitaler Posteingang mit Scanstraße|Papierpost zentral scannen und verteilen.
    KÄ|M|E-Rechnung|Rechnungsfreigabe-Workflow|Rechnungen digital prüfen statt in der Laufmappe.
    PA|L|intern,Datenschutz|Elektronische Zeiterfassung|Gleitzeit digital, mit Dienstvereinbarung.
    IT|M|intern|Wissensmanagement mit Wiki|Das Wissen der Fachbereiche in einem Wiki sichern.
    """,
    """
    OA|M|Bürgerservice|Mängelmelder|Schlaglöcher und wilden Müll per App mit Foto melden.
    SCH|M|Bürgerservice|Online-Buchung Sporthallen|Vereine sehen freie Hallenzeiten und buchen.
    PA|M|intern|Digitaler Onboarding-Prozess|Am ersten Tag sind Laptop, Zugänge und Plan da.
    OA|L|Bürgerservice|Parkscheinautomaten mit App-Bezahlung|Parken per App, minutengenau.
    KÄ|M|E-Akte|E-Akte Hundesteuer|Hundesteuerfälle vollständig in der E-Akte führen.
    """,
    """
    HA|S|intern|Online-Buchung Besprechungsräume|Räume im Intranet buchen statt per Telefon.
    IT|M|intern|Videokonferenzen für alle|Datenschutzkonforme Videokonferenzen am Arbeitsplatz.
    IT|M|intern,Datenschutz|Passwortmanager für die Fachbereiche|Zugänge sicher teilen.
    IT|L|intern|Mobiles Arbeiten: VPN für alle|Alle Beschäftigten arbeiten sicher von zu Hause.
    IT|S|intern|Notfallhandbuch IT-Sicherheit|Wer tut was bei einem Cyberangriff – auf einer Seite.
    IT|M|intern|Druckerkonsolidierung|Weniger Arbeitsplatzdrucker, Drucken mit Karte im Flur.
    BB|M|Bürgerservice|Online-Terminvergabe Bürgerbüro|Termine rund um die Uhr buchen.
    BB|S|Bürgerservice|Abholbenachrichtigung Personalausweis|Per SMS, sobald der Ausweis da ist.
    BB|S|OZG|Urkundenanforderung online|Geburts- und Eheurkunden online bestellen und bezahlen.
    BB|S|OZG|Meldebescheinigung online|Mit dem Online-Ausweis sofort als PDF.
    BB|S|OZG,Bürgerservice|Briefwahlantrag online|Den Wahlschein online oder per QR-Code beantragen.
    BB|S|Bürgerservice|Fundbüro online|Fundsachen online suchen und Verluste melden.
    BB|S|Bürgerservice|Trautermine online|Trautermine im Standesamt online reservieren.
    OA|M|OZG|Gewerbeanmeldung online|Gewerbe über die EfA-Lösung des Landes anmelden.
    KÄ|S|OZG|Hundesteuer-Anmeldung online|Hunde online an- und abmelden.
    KÄ|L|E-Rechnung|E-Rechnung im Rechnungseingang|XRechnungen annehmen und ohne Medienbruch buchen.
    PA|S|intern|Elektronische Krankmeldung (eAU)|Arbeitsunfähigkeit digital bei der Kasse abrufen.
    PA|S|intern|Digitale Stellenausschreibung|Stellen mit einem Klick auf allen Portalen.
    PA|M|intern|Fortbildungsportal|Fortbildungen online finden, beantragen und genehmigen.
    HA|S|intern|Dienstwagen online buchen|Dienstwagen im Intranet buchen, Fahrtenbuch digital.
    HA|L|Barrierefreiheit|Barrierefreie Website|Die Website nach BITV 2.0 prüfen und Mängel beheben.
    HA|L|Gremien|Ratsinformationssystem|Sitzungsunterlagen digital für Rat und Öffentlichkeit.
    SCH|XL|Schule,Förderung|WLAN in allen Schulen|Flächendeckendes WLAN aus dem DigitalPakt Schule.
    SCH|L|Schule,Förderung|Tablets für Grundschulen|Klassensätze Tablets mit zentraler Verwaltung.
    SCH|M|Schule|Schul-IT-Ticketsystem|Schulen melden IT-Störungen per Ticket statt per E-Mail.
    SCH|S|Bürgerservice|Online-Tickets Hallenbad|Eintrittskarten online kaufen, Einlass per QR-Code.
    SCH|S|Bürgerservice|Onleihe der Stadtbibliothek|Mehr E-Medien, Ausleihe rund um die Uhr.
    SO|S|Bürgerservice|Terminvergabe Schuldnerberatung|Erstgespräche online buchen.
    JA|S|Bürgerservice|Ferienprogramm online|Anmeldung und Bezahlung der Ferienfreizeiten online.
    IT|M|intern|Softwareverteilung automatisieren|Updates zentral statt von Platz zu Platz.
    BA|S|Bürgerservice|Störungsmeldung Straßenbeleuchtung|Defekte Laternen online melden.
    KÄ|S|intern|Digitale Kassenbücher|Die Barkassen der Außenstellen digital abrechnen.
    """,
]

NEXT_STEPS = [
    "Ist-Prozess mit dem Fachbereich aufnehmen",
    "Personalrat frühzeitig beteiligen",
    "Datenschutzbeauftragte einbinden",
    "Lösungen anderer Kommunen ansehen",
    "Nachnutzung einer EfA-Lösung prüfen",
    "Fördermöglichkeiten prüfen",
    "Schnittstelle zum Fachverfahren klären",
    "Kosten für den Haushalt 2027 anmelden",
    "Schulung der Sachbearbeitung planen",
    "Mit dem kommunalen IT-Dienstleister abstimmen",
    "Barrierefreiheit von Anfang an mitdenken",
]

NOTES = [
    "Im Lotsentreffen vorgestellt, der Fachbereich ist an Bord.",
    "Angebot des IT-Dienstleisters liegt vor.",
    "Der Personalrat hat Fragen zur Auswertbarkeit, Termin ist vereinbart.",
    "Datenschutz-Folgenabschätzung ist angestoßen.",
    "Der Hersteller liefert die Schnittstelle erst im nächsten Quartal.",
    "Schulungstermine stehen fest.",
]

# The usual share of the ten weeks a measure stays in a phase before it moves on.
DWELL = [0.10, 0.06, 0.10, 0.10, 0.05]
KICK_OFF = 0.06  # The first days, when the departments brought the ideas they had collected.
# Fixed public holidays (month, day) in every Land, when the Rathaus is closed.
HOLIDAYS = {(1, 1), (5, 1), (10, 3), (12, 24), (12, 25), (12, 26), (12, 31)}
LAST = 0.995  # The share of the ten weeks' office hours that the history may use.
EDITS = ["escalate", "due", "note", "note", "funding", "handover"]


@dataclass
class _Measure:
    title: str
    size: Size
    tags: list[str]
    description: str
    department_id: int
    team: list[tuple[int, str]]
    lotse: tuple[int, str]
    steps: list[tuple[float, str]] = field(default_factory=list)
    priority: Priority = Priority.normal
    due: date | None = None
    path: list[int] = field(default_factory=list)
    card_id: int = 0
    version: int = 0


def load_demo(db: Database, *, now: datetime | None = None) -> bool:
    """Load the demo Kommune; False when it is there already (idempotent)."""
    now = now or clock.now()
    at = _office_hours(now)
    rng = random.Random(2026)
    with db.session(write=True) as session:
        if any(b.name == BOARD_NAME for b in boards.list_boards(session, include_archived=True)):
            return False
        with clock.frozen_at(at(0)):
            # In the check's transaction: on SQLite its write lock keeps a second load out.
            board = boards.create_board(
                session,
                data=BoardCreate(name=BOARD_NAME, description="Digitalisierung in Musterstadt"),
                actor=SETUP_ACTOR,
                phases=PHASES,
            )
            # The fortnightly Lotsentreffen, on Tuesdays at ten from the first Tuesday after the
            # board began: a sitting on the board's first morning would have nothing to discuss.
            begin = clock.now().astimezone(get_settings().zone).date()
            meetings.set_series(
                session,
                board_id=ident(board),
                data=SeriesSet(
                    first_date=begin + timedelta(days=(1 - begin.weekday()) % 7 or 7),
                    start_time=time(10, 0),
                    location="Rathaus, Sitzungssaal 2.14",
                ),
                actor=SETUP_ACTOR,
            )
            departments, lotsen = _people(session)
            used = sorted({story.category for story in stories.STORIES})
            categories = stories.ensure_categories(session, used, SETUP_ACTOR)
        phase_ids = [ident(p) for p in boards.list_phases(session, board_id=ident(board))]
        measures = _plan(rng, at, departments, lotsen)
        told = stories.scripts(rng, measures, departments, lotsen, categories)
        # Measures and stories in one timeline, so seqs and times in the log rise together.
        held = treffen.past_meetings(
            session,
            board_id=ident(board),
            since=begin,
            now=now.astimezone(BERLIN),
            share_of=lambda moment: _share_of(at, moment),
        )
        timelines: list[Any] = [*measures, *told, *held]
        queue = [(t.steps[0][0], index, 0) for index, t in enumerate(timelines)]
        heapq.heapify(queue)
        while queue:
            moment, index, step = heapq.heappop(queue)
            timeline = timelines[index]
            with clock.frozen_at(at(moment)):
                try:
                    if isinstance(timeline, (stories.Script, treffen.Held)):
                        timeline.act(session, step)
                    else:
                        action = timeline.steps[step][1]
                        _act(session, timeline, action, ident(board), phase_ids, rng)
                except WipLimitReached:
                    session.rollback()
                    # The pilot phase is full: try again a day or two later, as a team would.
                    retry = moment + rng.uniform(0.01, 0.04)
                    if retry < LAST:
                        heapq.heappush(queue, (retry, index, step))
                    continue
            if step + 1 < len(timeline.steps):
                later = max(timeline.steps[step + 1][0], moment)
                heapq.heappush(queue, (later, index, step + 1))
    return True


# The lotsin whose login the demo prints besides the CDO's, to try the board as a lotse.
DEMO_LOTSE = "Jana Kuhn"


def ensure_demo_accounts(db: Database) -> list[tuple[str, str, str]]:
    """With no account yet: the CDO and an account for every demo lotse, linked to their lotse
    record. Returns (who, email, password) of the CDO and one lotsin, to print once; the other
    lotsen get a password nobody knows (an admin hands them a reset link)."""
    with db.session(write=True) as session:
        if accounts.list_users(session):
            return []
        logins = []
        password = secrets.token_urlsafe(12)
        data = UserCreate(
            email=DEMO_ADMIN, name="Dana Weber (CDO)", role=Role.admin, password=password
        )
        accounts.create_user(session, data=data, actor=SETUP_ACTOR)
        logins.append(("Admin", DEMO_ADMIN, password))
        for lotse in people.list_lotsen(session):
            if not lotse.email:
                continue
            password = secrets.token_urlsafe(12)
            data = UserCreate(
                email=lotse.email, name=lotse.name, role=Role.lotse, password=password
            )
            accounts.create_user(session, data=data, actor=SETUP_ACTOR)  # linked by its email
            if lotse.name == DEMO_LOTSE:
                logins.append(("Lotsin", lotse.email, password))
    return logins


def _office_hours(now: datetime) -> Callable[[float], datetime]:
    """Map a share (0..1) of the office hours in the ten weeks before `now` to a moment.

    The map is monotonic, so planning in shares keeps every card's history in order.
    """
    start = now - timedelta(weeks=10)
    spans: list[tuple[datetime, datetime]] = []
    day = start.astimezone(BERLIN).date()
    while day <= now.astimezone(BERLIN).date():
        opens = datetime.combine(day, time(7, 30), BERLIN)
        closes = datetime.combine(day, time(16, 30), BERLIN)
        workday = day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS
        if workday and max(opens, start) < min(closes, now):
            spans.append((max(opens, start), min(closes, now)))
        day += timedelta(days=1)
    total = sum((end - begin for begin, end in spans), timedelta())

    def at(share: float) -> datetime:
        rest = total * share
        for begin, end in spans:
            if rest <= end - begin:
                return (begin + rest).astimezone(UTC)
            rest -= end - begin
        return spans[-1][1].astimezone(UTC)

    return at


def _share_of(at: Callable[[float], datetime], moment: datetime) -> float:
    """The share of the office hours `at` maps to `moment` (its inverse, by halving)."""
    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        if at(middle) < moment:
            low = middle
        else:
            high = middle
    return high


def _people(session: Session) -> tuple[dict[str, int], dict[str, list[tuple[int, str]]]]:
    """The demo's departments and lotsen; ones the Kommune has already are used, not doubled."""
    known = {key: ident(d) for d in people.list_departments(session) for key in (d.code, d.name)}
    departments: dict[str, int] = {}
    for name, code, colour in DEPARTMENTS:
        if code not in known and name not in known:
            department = DepartmentCreate(name=name, code=code, colour=colour)
            created = people.create_department(session, data=department, actor=SETUP_ACTOR)
            known[code] = ident(created)
        departments[code] = known.get(code) or known[name]
    emails = {lotse.email: ident(lotse) for lotse in people.list_lotsen(session)}
    lotsen: dict[str, list[tuple[int, str]]] = {code: [] for code in LOTSEN}
    for code, names in LOTSEN.items():
        for name in names:
            email = f"{_ascii(name).replace(' ', '.')}@musterstadt.de"
            if email not in emails:
                lotse = LotseCreate(name=name, department_id=departments[code], email=email)
                emails[email] = ident(people.create_lotse(session, data=lotse, actor=SETUP_ACTOR))
            lotsen[code].append((emails[email], name))
    return departments, lotsen


def _ascii(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i")):
        text = text.lower().replace(umlaut, plain)
    return text


def _plan(
    rng: random.Random,
    at: Callable[[float], datetime],
    departments: dict[str, int],
    lotsen: dict[str, list[tuple[int, str]]],
) -> list[_Measure]:
    """Each measure's steps as shares of the ten weeks: created, edited, moved on, archived."""
    measures: list[_Measure] = []
    load: Counter[tuple[int, str]] = Counter()
    for final, block in enumerate(MEASURES):
        rows = [line.strip().split("|") for line in block.strip().splitlines()]
        # A few done measures leave the board, and one idea is shelved.
        archived = rng.sample(range(len(rows)), k={0: 1, 5: 3}.get(final, 0))
        for row, (code, size, tags, title, goal) in enumerate(rows):
            todo = "".join(f"\n- {step}" for step in rng.sample(NEXT_STEPS, 2))
            measure = _Measure(
                title=title,
                size=Size(size),
                tags=tags.split(","),
                description=f"**Ziel:** {goal}\n\n**Nächste Schritte**\n{todo}",
                department_id=departments[code],
                team=lotsen[code],
                lotse=min(lotsen[code], key=lambda lotse: (load[lotse], rng.random())),
                priority=rng.choices(list(Priority), weights=[2, 6, 3, 1])[0],
            )
            created, moves = _timeline(rng, final, measure.size == Size.s)
            if rng.random() < 0.35:
                measure.due = at(created).date() + timedelta(days=rng.randint(21, 120))
            measure.steps = [(created, "create")] + [(moment, "move") for moment, _ in moves]
            measure.path = [phase for _, phase in moves]
            if rng.random() < 0.2:
                # Edited on the way, while the measure is still open.
                until = moves[-1][0] if final == 5 else LAST
                measure.steps.append((rng.uniform(created, until), rng.choice(EDITS)))
            measure.steps.sort()
            if row in archived:
                moment = rng.uniform(measure.steps[-1][0], LAST)
                measure.steps += [(moment, "shelve")] if final == 0 else []
                measure.steps.append((moment, "archive"))
            load[measure.lotse] += 1
            measures.append(measure)
    return measures


def _timeline(rng: random.Random, final: int, small: bool) -> tuple[float, list[tuple[float, int]]]:
    """When a measure was created, and when it entered each later phase up to `final`."""
    # Small measures go live without a pilot.
    path = [phase for phase in range(1, final + 1) if not (small and phase == 4 and final == 5)]
    kick_off = rng.uniform(0.002, KICK_OFF)
    if final == 0:
        return (kick_off if rng.random() < 0.4 else rng.uniform(KICK_OFF, 0.95)), []
    if final == 5:
        arrived = rng.uniform(0.12, 0.97)  # A steady stream of finished measures.
    else:
        # How long it has been in its phase today: some are stuck for weeks, pilots are short.
        stuck = final < 4 and rng.random() < 0.3
        arrived = LAST - rng.uniform(0.01, 0.12 if final == 4 else 0.2) * (3 if stuck else 1)
    moments = [arrived]
    for phase in reversed([0, *path[:-1]]):
        moments.insert(0, moments[0] - DWELL[phase] * rng.uniform(0.5, 1.5))
    created, moments = moments[0], moments[1:]
    if created < kick_off:
        # Collected at the kick-off: squeeze its way through the phases into the ten weeks.
        scale = (arrived - kick_off) / (arrived - created)
        moments = [kick_off + (moment - created) * scale for moment in moments]
    if created < kick_off or rng.random() < 0.4:
        created = kick_off
    return created, list(zip(moments, path, strict=True))


def _act(
    session: Session,
    measure: _Measure,
    action: str,
    board_id: int,
    phase_ids: list[int],
    rng: random.Random,
) -> None:
    """One step of a measure's history, by the lotse who owns it."""
    actor = measure.lotse[1]
    if action == "create":
        data = CardCreate(
            title=measure.title,
            phase_id=phase_ids[0],
            description=measure.description,
            department_id=measure.department_id,
            lotse_id=measure.lotse[0],
            priority=measure.priority,
            size=measure.size,
            due_date=measure.due,
            tags=measure.tags,
        )
        card = cards.create_card(session, board_id=board_id, data=data, actor=actor)
        measure.card_id = ident(card)
    elif action == "move":
        target = phase_ids[measure.path[0]]
        move = CardMove(phase_id=target, position=rng.randint(0, 6), version=measure.version)
        card = cards.move_card(session, card_id=measure.card_id, move=move, actor=actor)
        measure.path.pop(0)
    elif action == "archive":
        card = cards.archive_card(
            session, card_id=measure.card_id, version=measure.version, actor=actor
        )
    else:
        card = cards.update_card(
            session, card_id=measure.card_id, data=_edit(measure, action, rng), actor=actor
        )
    measure.version = card.version


def _edit(measure: _Measure, action: str, rng: random.Random) -> CardUpdate:
    """The change a lotse makes to a measure along the way."""
    today = clock.now().astimezone(BERLIN).date()
    changes: dict[str, object] = {}
    note = rng.choice(NOTES)
    if action == "escalate":
        urgent = measure.priority in (Priority.high, Priority.urgent)
        changes["priority"] = Priority.urgent if urgent else Priority.high
        note = "Nach Beschluss des Verwaltungsvorstands vorgezogen."
    elif action == "due":
        changes["due_date"] = today + timedelta(days=rng.randint(14, 60))
        note = "Termin mit dem Fachbereich vereinbart."
    elif action == "funding":
        measure.tags = [*measure.tags, "Förderung"]
        changes["tags"] = measure.tags
        note = "Förderantrag beim Land gestellt."
    elif action == "handover":
        others = [lotse for lotse in measure.team if lotse != measure.lotse]
        if others:
            measure.lotse = others[0]
            changes["lotse_id"] = measure.lotse[0]
            note = f"Übergabe an {measure.lotse[1]}."
    elif action == "shelve":
        note = "Zurückgestellt: Das Land plant eine landesweite Lösung."
    measure.description += f"\n\n**Stand {today:%d.%m.%Y}:** {note}"
    return CardUpdate(version=measure.version, description=measure.description, **changes)
