"""Data protection through the real app: the Datenschutz page follows the settings, the Art. 15
export and the anonymisation are the admin's, viewers may be kept from seeing who acted."""

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import tokens
from app.accounts.models import Role, User
from app.cards import service as cards
from app.cards.models import CardUpdate
from app.db import Database
from tests.factories import make_board, make_card, make_user
from tests.helpers import dump


def as_role(app: Any, db: Database, role: Role, **user: Any) -> TestClient:
    with db.session() as session:
        person = make_user(session, role=role, **user)
        plain, _token = tokens.create_token(session, user=person, name="tests")
    return TestClient(app, headers={"Authorization": f"Bearer {plain}"})


def test_the_privacy_page_states_what_the_settings_in_effect_say(
    app_with: Callable[..., Any], db: Database
) -> None:
    app = app_with(
        language="de",
        retention_days=14,
        kommune="Stadt Musterstadt",
        oidc_issuer="https://id.musterstadt.de/realms/rathaus",
        oidc_client_id="lotsenboard",
        hide_actors_from_viewers=True,
        report_min_lotsen=4,
    )
    admin = as_role(app, db, Role.admin)

    page = admin.get("/settings/datenschutz").text

    assert "Verantwortlich: Stadt Musterstadt." in page
    assert "14 Tage nach der letzten Aktivität" in page
    assert "https://id.musterstadt.de/realms/rathaus" in page
    assert "Betrachtende sehen nicht, wer was geändert hat" in page
    assert "weniger als 4 Lotsinnen und Lotsen" in page
    assert "Verzeichnisdienst (LDAP" not in page  # not set up here

    plain = as_role(app_with(language="de"), db, Role.admin)
    default = plain.get("/settings/datenschutz").text
    assert "30 Tage nach der letzten Aktivität" in default
    assert "Alle mit Zugang zu einem Board sehen, wer dort was geändert hat" in default
    assert "OpenID Connect" not in default


def test_only_admins_see_the_privacy_page_and_the_exports(app: Any, db: Database) -> None:
    lotse = as_role(app, db, Role.lotse)
    with db.session() as session:
        user_id = session.exec(select(User.id)).one()
    for url in ("/settings/datenschutz", f"/settings/users/{user_id}/auskunft.json"):
        assert lotse.get(url).status_code == 403
    before = dump(db)
    refused = lotse.post(f"/settings/users/{user_id}/anonymisieren", data={"confirm": "true"})
    assert refused.status_code == 403
    assert dump(db) == before


def test_the_art_15_export_is_a_json_file_about_that_person(
    app: Any, client: TestClient, db: Database
) -> None:
    with db.session() as session:
        jana = make_user(session, name="Jana Kuhn", email="jana.kuhn@musterstadt.de")

    answer = client.get(f"/settings/users/{jana.id}/auskunft.json")

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="auskunft-konto-{jana.id}.json"'
    )
    found = answer.json()
    assert found["account"]["email"] == "jana.kuhn@musterstadt.de"
    assert "cdo@example.org" not in json.dumps(found)  # the admin who asked is someone else
    assert client.get("/settings/users/99999/auskunft.json").status_code == 404


def test_anonymising_asks_for_confirmation_then_replaces_the_name(
    app: Any, client: TestClient, db: Database
) -> None:
    with db.session() as session:
        jana = make_user(session, name="Jana Kuhn", email="jana.kuhn@musterstadt.de")
    page = client.get("/settings/users", headers={"Accept": "text/html"})
    assert "Jana Kuhn ist ausgeschieden; anonymisieren" in page.text
    before = dump(db)

    unconfirmed = client.post(f"/settings/users/{jana.id}/anonymisieren", data={})

    assert unconfirmed.status_code == 422
    assert "bestätigen, dass die Person ausgeschieden ist" in unconfirmed.text
    assert dump(db) == before

    done = client.post(
        f"/settings/users/{jana.id}/anonymisieren",
        data={"confirm": "true"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/settings/users?anonymisiert=Ehemalige+Person+")
    after = client.get(done.headers["location"], headers={"Accept": "text/html"}).text
    assert "Jana Kuhn" not in after
    assert "Anonymisiert: Die Person heißt jetzt überall „Ehemalige Person" in after
    assert "Anonymisiert am" in after
    assert "Jana Kuhn" not in repr(dump(db))


def test_viewers_do_not_see_who_acted_when_the_setting_says_so(
    app_with: Callable[..., Any], db: Database
) -> None:
    app = app_with(hide_actors_from_viewers=True)
    with db.session() as session:
        board = make_board(session)
        card = make_card(session, board)
        cards.update_card(
            session,
            card_id=card.id,
            data=CardUpdate(title="E-Akte im Bauamt", version=card.version),
            actor="Jana Kuhn",
        )
    viewer = as_role(app, db, Role.viewer)
    lotse = as_role(app, db, Role.lotse)

    for url in (f"/api/v1/boards/{board.id}/events", f"/api/v1/cards/{card.id}/events"):
        seen = viewer.get(url).json()
        assert seen and {e["actor"] for e in seen} == {""}
        assert "Jana Kuhn" in {e["actor"] for e in lotse.get(url).json()}
    page = f"/cards/{card.id}"
    assert "Jana Kuhn" not in viewer.get(page, headers={"Accept": "text/html"}).text
    assert "Jana Kuhn" in lotse.get(page, headers={"Accept": "text/html"}).text
