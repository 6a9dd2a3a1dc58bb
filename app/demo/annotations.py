"""The demo's concerns and resistances: what the lotsen of Musterstadt brought to the meetings.

Each story is raised on one measure and then discussed, resolved, withdrawn or reopened at
moments (shares of the ten weeks) that fit the measure's own history, so the log, the overview
and its figures look like ten real weeks.
"""

import random
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.annotations import queries
from app.annotations import service as annotations
from app.annotations.models import (
    AnnotationCreate,
    AnnotationStatus,
    AnnotationUpdate,
    CategoryCreate,
    NoteCreate,
)
from app.db import ident

CDO = "Dana Weber (CDO)"
LAST = 0.995  # as in kommune.py: the share of the ten weeks the history may use


@dataclass(frozen=True)
class Story:
    title: str  # of the measure
    kind: str
    category: str
    severity: str
    text: str
    notes: tuple[str, ...] = ()
    outcome: str = "open"  # open | discussing | resolved | withdrawn | reopened
    closing: str = ""  # the resolution or the reason for withdrawing
    blocks: bool = False
    department: str | None = None  # code of the department it comes from; default: the card's


STORIES = [
    Story(
        "KI-Assistent für Protokolle",
        "concern",
        "Datenschutz",
        "high",
        "Protokolle nichtöffentlicher Sitzungen enthalten personenbezogene Daten. Läuft der "
        "KI-Dienst in einem Rechenzentrum in der EU, und wird mit unseren Texten trainiert?",
        ("Anfrage beim Anbieter gestellt, Antwort steht aus.",),
        "discussing",
    ),
    Story(
        "Bewohnerparken digital kontrollieren",
        "resistance",
        "Personalrat/Mitbestimmung",
        "high",
        "Der Personalrat sieht in der Kennzeichenerfassung eine mögliche Kontrolle des "
        "Außendienstes (Wege, Zeiten) und verlangt eine Dienstvereinbarung.",
        (),
    ),
    Story(
        "Anbindung BundID",
        "concern",
        "Technik/Schnittstellen",
        "medium",
        "Zwei Fachverfahren unterstützen die BundID erst ab dem nächsten Release.",
        ("Hersteller bestätigt Release im Oktober.", "Release eingespielt, Test läuft."),
        "resolved",
        "Beide Fachverfahren sind seit dem Update angebunden und getestet.",
    ),
    Story(
        "Kita-Platzvergabe online",
        "resistance",
        "Akzeptanz/Gewohnheit",
        "medium",
        "Mehrere Kita-Leitungen wollen ihre eigenen Wartelisten weiterführen und fürchten, "
        "Eltern nicht mehr persönlich kennenzulernen.",
        ("Gespräch mit drei Kita-Leitungen vereinbart.",),
        "discussing",
    ),
    Story(
        "Bezahlkarte Asylbewerberleistungen",
        "concern",
        "Recht/Vergabe",
        "high",
        "Ob wir über den Rahmenvertrag des Landes beschaffen dürfen oder selbst ausschreiben "
        "müssen, ist noch offen.",
        (),
    ),
    Story(
        "Wartemarke aufs Handy",
        "resistance",
        "Akzeptanz/Gewohnheit",
        "low",
        "Ältere Bürgerinnen und Bürger ohne Smartphone würden benachteiligt.",
        ("Papiermarken bleiben am Automaten zusätzlich möglich.",),
        "withdrawn",
        "Erledigt: Die Papiermarke bleibt, das Smartphone ist nur ein zusätzlicher Weg.",
    ),
    Story(
        "Formularserver modernisieren",
        "concern",
        "Technik/Schnittstellen",
        "medium",
        "Das alte System hat keine Exportschnittstelle; die 140 Formulare müssten von Hand "
        "übertragen werden.",
        (
            "Der Dienstleister bietet ein Migrationswerkzeug an.",
            "Das Werkzeug überträgt Pflichtfelder nicht; Problem besteht wieder.",
        ),
        "reopened",
        "Migrationswerkzeug des Dienstleisters überträgt die Formulare.",
    ),
    Story(
        "E-Akte Personal",
        "resistance",
        "Personalrat/Mitbestimmung",
        "high",
        "Der Personalrat will wissen, wer künftig welche Personalakte einsehen kann, und "
        "verlangt ein Berechtigungskonzept vor dem Start.",
        (
            "Berechtigungskonzept im Entwurf an den Personalrat.",
            "Personalrat hat zugestimmt, Dienstvereinbarung unterschrieben.",
        ),
        "resolved",
        "Dienstvereinbarung zur E-Akte Personal ist unterschrieben.",
    ),
    Story(
        "Digitale Fallakte Jugendhilfe",
        "concern",
        "Datenschutz",
        "high",
        "Sozialdaten nach SGB VIII: Die Datenschutz-Folgenabschätzung fehlt noch, ohne sie "
        "darf die Fallakte nicht starten.",
        ("Datenschutzbeauftragte ist eingebunden.",),
        "discussing",
        blocks=True,
    ),
    Story(
        "Wohngeld-Antrag online",
        "concern",
        "Technik/Schnittstellen",
        "medium",
        "Der Online-Antrag aus dem EfA-Dienst muss ins Fachverfahren übernommen werden; die "
        "XWohngeld-Schnittstelle ist nicht beauftragt.",
        (),
    ),
    Story(
        "Bauakten-Altbestand scannen",
        "concern",
        "Finanzierung/Fördermittel",
        "high",
        "Ohne Förderbescheid reicht das Budget nur für ein Drittel der Akten.",
        ("Förderantrag gestellt.",),
        "resolved",
        "Förderbescheid über 80 % der Kosten ist eingegangen.",
        blocks=True,
    ),
    Story(
        "Winterdienst-Tourenplanung",
        "concern",
        "Ressourcen/Zeit",
        "low",
        "Der Bauhof hat vor dem Winter keine Zeit für Schulungen.",
        (),
        "withdrawn",
        "Schulung auf das Frühjahr verschoben; der Punkt erledigt sich damit.",
    ),
    Story(
        "E-Akte Wohngeld",
        "resistance",
        "Akzeptanz/Gewohnheit",
        "medium",
        "Die Sachbearbeitung will die Papierakte parallel weiterführen, „zur Sicherheit“.",
        (
            "Hospitation in der Nachbarkommune angeboten.",
            "Zwei Kolleginnen waren dort, der Rest will erst die Pilotphase abwarten.",
        ),
        "discussing",
    ),
    Story(
        "Flüchtlingsmanagement-Software statt Excel-Listen",
        "concern",
        "Datenschutz",
        "medium",
        "Die Excel-Listen liegen auf einem Gruppenlaufwerk, auf das zu viele Zugriff "
        "haben; das neue System braucht ein Rollenkonzept.",
        ("Rollenkonzept mit der IT abgestimmt.",),
        "resolved",
        "Rollen sind im System eingerichtet, das Gruppenlaufwerk ist gesperrt.",
    ),
    Story(
        "Flüchtlingsmanagement-Software statt Excel-Listen",
        "resistance",
        "Akzeptanz/Gewohnheit",
        "medium",
        "Die Hausmeister der Unterkünfte pflegen die Belegung weiter in ihren eigenen Listen.",
        (),
    ),
    Story(
        "Digitaler Bauantrag",
        "concern",
        "Technik/Schnittstellen",
        "high",
        "Das Bauportal des Landes liefert die Anträge als XBau-Nachrichten, unser Fachverfahren "
        "liest sie noch nicht ein.",
        ("Update des Fachverfahrens angekündigt.", "Update verschoben."),
        "discussing",
        blocks=True,
    ),
    Story(
        "Elektronische Zeiterfassung",
        "resistance",
        "Personalrat/Mitbestimmung",
        "high",
        "Der Personalrat befürchtet eine Leistungs- und Verhaltenskontrolle über die "
        "Buchungszeiten und stimmt der Einführung so nicht zu.",
        (
            "Entwurf einer Dienstvereinbarung liegt vor.",
            "Personalrat verlangt Auswertungen nur anonymisiert.",
        ),
        "discussing",
        blocks=True,
    ),
    Story(
        "Digitaler Posteingang mit Scanstraße",
        "concern",
        "Ressourcen/Zeit",
        "medium",
        "Für die Scanstraße fehlen zwei Stellen in der Poststelle.",
        ("Stellenplan 2027 eingereicht.",),
        "resolved",
        "Zwei Stellen sind im Stellenplan bewilligt, eine ist besetzt.",
    ),
    Story(
        "Rechnungsfreigabe-Workflow",
        "concern",
        "Recht/Vergabe",
        "medium",
        "Erlaubt die Dienstanweisung zur Kassenführung die elektronische Freigabe?",
        (),
        "resolved",
        "Dienstanweisung wurde angepasst, elektronische Freigabe ist zulässig.",
    ),
    Story(
        "Mängelmelder",
        "concern",
        "Ressourcen/Zeit",
        "medium",
        "Wer bearbeitet Meldungen am Wochenende? Bürgerinnen erwarten schnelle Antworten.",
        ("Bauhof übernimmt Rufbereitschaft probeweise.",),
        "discussing",
    ),
    Story(
        "Parkscheinautomaten mit App-Bezahlung",
        "concern",
        "Finanzierung/Fördermittel",
        "medium",
        "Die Transaktionsgebühren der App-Anbieter sind im Haushalt nicht eingeplant.",
        (),
        "resolved",
        "Gebühren trägt laut Vertrag der Anbieter.",
        blocks=True,
    ),
    Story(
        "Digitaler Onboarding-Prozess",
        "resistance",
        "Akzeptanz/Gewohnheit",
        "low",
        "Einige Führungskräfte wollen neue Kolleginnen weiter mit der Papiermappe begrüßen.",
        ("Papiermappe bleibt als Begrüßung, der Rest läuft digital.",),
        "withdrawn",
        "Mit der Lösung aus der Diskussion einverstanden.",
    ),
    Story(
        "Elektronische Krankmeldung (eAU)",
        "concern",
        "Datenschutz",
        "medium",
        "Wer im Personalamt darf die eAU abrufen?",
        (),
        "resolved",
        "Abruf nur durch die Entgeltabrechnung, im Berechtigungskonzept festgehalten.",
    ),
    Story(
        "Videokonferenzen für alle",
        "resistance",
        "Personalrat/Mitbestimmung",
        "medium",
        "Der Personalrat will keine Aufzeichnung von Besprechungen.",
        ("Aufzeichnung technisch abgeschaltet.",),
        "resolved",
        "Aufzeichnung ist abgeschaltet, Dienstvereinbarung ergänzt.",
    ),
    Story(
        "Mobiles Arbeiten: VPN für alle",
        "concern",
        "Technik/Schnittstellen",
        "high",
        "Die VPN-Lizenzen reichen nur für 200 gleichzeitige Verbindungen.",
        (),
        "resolved",
        "Lizenzen auf 600 erweitert, Lasttest bestanden.",
        department="IT",
    ),
]


@dataclass
class Script:
    """One story's steps as (moment, action); acting needs the annotation's current version."""

    story: Story
    measure: Any  # kommune._Measure: its card exists by the time the story starts
    department_id: int | None
    raised_by: tuple[int, str] | None
    others: list[str]
    category_id: int
    steps: list[tuple[float, str]] = field(default_factory=list)
    annotation_id: int = 0
    version: int = 0

    def act(self, session: Session, step: int) -> None:
        """Do step `step` of the story, as the lotse who raised it (or the CDO)."""
        action = self.steps[step][1]
        actor = self.raised_by[1] if self.raised_by else CDO
        story = self.story
        if action == "raise":
            data = AnnotationCreate(
                kind=story.kind,
                text=story.text,
                department_id=self.department_id,
                raised_by_id=self.raised_by[0] if self.raised_by else None,
                category_id=self.category_id,
                severity=story.severity,
                blocks_card=story.blocks,
            )
            annotation = annotations.raise_annotation(
                session, card_id=self.measure.card_id, data=data, actor=actor
            )
            self.annotation_id = ident(annotation)
        elif action.startswith("note:"):
            index = int(action.removeprefix("note:"))
            author = self.others[index % len(self.others)] if index % 2 else actor
            annotations.add_note(
                session,
                annotation_id=self.annotation_id,
                data=NoteCreate(text=story.notes[index]),
                actor=author,
            )
        else:
            values: dict[str, Any] = {"version": self.version, "status": action}
            if action == AnnotationStatus.resolved:
                values["resolution"] = story.closing
            elif action == AnnotationStatus.withdrawn:
                values["reason"] = story.closing
            annotations.update_annotation(
                session,
                annotation_id=self.annotation_id,
                data=AnnotationUpdate.model_validate(values),
                actor=CDO if action == AnnotationStatus.resolved else actor,
            )
        self.version = queries.get_annotation(session, annotation_id=self.annotation_id).version


def scripts(
    rng: random.Random,
    measures: list[Any],
    departments: dict[str, int],
    lotsen: dict[str, list[tuple[int, str]]],
    categories: dict[str, int],
) -> list[Script]:
    """The stories placed on the measures' timelines (stories of archived measures are left out)."""
    by_title = {m.title: m for m in measures}
    code_of = {department_id: code for code, department_id in departments.items()}
    everyone = [name for team in lotsen.values() for _id, name in team]
    result = []
    for story in STORIES:
        measure = by_title.get(story.title)
        if measure is None or any(action == "archive" for _moment, action in measure.steps):
            continue
        code = story.department or code_of[measure.department_id]
        team = lotsen[code]
        raised_by = rng.choice(team)
        script = Script(
            story=story,
            measure=measure,
            department_id=departments[code],
            raised_by=raised_by,
            others=[*[name for name in everyone if name != raised_by[1]][:5], CDO],
            category_id=categories[story.category],
        )
        script.steps = _moments(rng, measure, story)
        result.append(script)
    return result


def _moments(rng: random.Random, measure: Any, story: Story) -> list[tuple[float, str]]:
    """When each step happens: after the measure exists; a block after its last move (a
    blocked measure does not move on)."""
    created = measure.steps[0][0]
    last_move = max(
        (moment for moment, action in measure.steps if action == "move"), default=created
    )
    earliest = (last_move if story.blocks else created) + 0.01
    open_end = story.outcome in ("open", "discussing")
    latest = LAST - (0.02 if open_end else 0.12) - 0.02 * len(story.notes)
    raised = rng.uniform(min(earliest, latest), max(earliest, latest))
    actions = ["raise"] + [f"note:{index}" for index in range(len(story.notes))]
    if story.outcome == "discussing" and not story.notes:
        actions.append(AnnotationStatus.discussing.value)
    elif story.outcome in ("resolved", "withdrawn"):
        actions.append(story.outcome)
    elif story.outcome == "reopened":
        # Resolved after the first note, reopened after the second.
        actions = ["raise", "note:0", "resolved", "note:1", "open"]
    room = max(LAST - raised, 0.01)
    gaps = [rng.uniform(0.5, 1.5) for _ in actions[1:]]
    scale = room * 0.9 / (sum(gaps) + 1) if gaps else 0
    moments, at = [raised], raised
    for gap in gaps:
        at += gap * scale
        moments.append(at)
    return list(zip(moments, actions, strict=True))


def ensure_categories(session: Session, names: list[str], actor: str) -> dict[str, int]:
    """The categories the stories use, by name; ones missing (renamed, or a test database) are
    created, existing ones used."""
    known = {category.name: ident(category) for category in annotations.list_categories(session)}
    for name in names:
        if name not in known:
            created = annotations.create_category(
                session, data=CategoryCreate(name=name), actor=actor
            )
            known[name] = ident(created)
    return known
