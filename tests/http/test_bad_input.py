"""Every write endpoint under /api/v1 against bad input: a clear 4xx, never a 500, nothing changed.

The cases are generated from each endpoint's description in `tests/http/writes.py`: wrong types,
missing fields, no body, unknown and out-of-range ids in path and body, ids that are not numbers,
a 100 kB name, malformed JSON and unknown fields. A control test proves each endpoint's valid
request is accepted, so every refusal is down to the one bad part.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import User
from app.db import Database
from app.main import all_routes
from tests.helpers import dump
from tests.http.builders import reporting_500s
from tests.http.writes import (
    HUGE,
    OUT_OF_RANGE,
    UNKNOWN,
    WRITES,
    Write,
    build_world,
    params_of,
    send,
)

UNKNOWN_IDS = {"unknown": UNKNOWN, **OUT_OF_RANGE}
WITH_BODY = [name for name, write in WRITES.items() if write.valid is not None]


@pytest.fixture
def client(app: Any, client: TestClient) -> TestClient:
    """A server error is a failed expectation here, not a crash of the test."""
    return reporting_500s(app, client)


@pytest.fixture
def world(session: Session, admin: User) -> dict[str, Any]:
    return build_world(session, admin)


def _swap(value: Any, old: Any, new: Any) -> Any:
    if isinstance(value, list):
        return [_swap(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _swap(item, old, new) for key, item in value.items()}
    return new if value == old else value


def _cases_of(w: Write) -> list[tuple[str, dict[str, Any], int, str | None]]:
    """(case, request override, expected status, field a 422 must name)."""
    cases: list[tuple[str, dict[str, Any], int, str | None]] = []
    for param in params_of(w.path):
        if param == "day":  # a date, not an id
            cases.append(("day without a meeting", {"path": {"day": "2030-01-09"}}, 404, None))
            cases.append(("day not a date", {"path": {"day": "31.02.2030"}}, 422, "day"))
            continue
        if param == "key":  # an agenda point's key, not an id
            cases.append(("key unknown", {"path": {"key": "t999999"}}, 404, None))
            cases.append(("key not a point", {"path": {"key": "abc"}}, 422, "key"))
            continue
        for label, value in UNKNOWN_IDS.items():
            # An id no column can hold is invalid input (422); a merely unknown one, 404.
            status = 404 if label == "unknown" else 422
            cases.append((f"{param} {label}", {"path": {param: value}}, status, None))
        cases.append((f"{param} not a number", {"path": {param: "abc"}}, 422, param))
    for case, query in w.bad_query.items():
        cases.append((case, {"query": query}, 422, "target_phase_id"))
    if w.valid is None:
        return cases
    wrong = next(iter(w.wrong_type))
    cases += [
        ("wrong type", {"json": {**w.valid, **w.wrong_type}}, 422, wrong),
        ("no body", {"json": None}, 422, None),
        ("unknown field", {"json": {**w.valid, "unbekannt": 1}}, 422, "unbekannt"),
        ("malformed JSON", {"content": b'{"name": "x",'}, 422, None),
    ]
    for missing in w.required:
        body = {key: value for key, value in w.valid.items() if key != missing}
        cases.append((f"missing {missing}", {"json": body}, 422, missing))
    if w.unknown_in_body:
        named = next(iter(w.unknown_in_body))
        for label, value in UNKNOWN_IDS.items():
            body = _swap({**w.valid, **w.unknown_in_body}, UNKNOWN, value)
            cases.append((f"{label} id in body", {"json": body}, 422, named))
    if w.text:
        cases.append((f"100 kB {w.text}", {"json": {**w.valid, w.text: HUGE}}, 422, w.text))
    return cases


def _params() -> list[Any]:
    return [
        pytest.param(name, *case[1:], id=f"{name}: {case[0]}")
        for name, write in WRITES.items()
        for case in _cases_of(write)
    ]


def _assert_clear_error(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text[:1000]
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert detail
    if status == 422:
        assert isinstance(detail, list) and all(item["loc"] and item["msg"] for item in detail)
        named = [[part for part in item["loc"] if isinstance(part, str)][-1] for item in detail]
        assert field is None or field in named, detail
    assert len(response.content) < 2_000, "the answer must not echo the input"


def test_every_write_route_is_swept() -> None:
    routes = {
        (method, path)
        for path, route in all_routes()
        if path.startswith("/api/v1/")
        for method in route.methods
        if method in ("POST", "PUT", "PATCH", "DELETE")
    }
    assert routes == {(w.method, w.path) for w in WRITES.values()}


@pytest.mark.parametrize("name", list(WRITES))
def test_the_valid_request_of_each_endpoint_is_accepted(
    client: TestClient, db: Database, world: dict[str, Any], name: str
) -> None:
    before = dump(db)
    response = send(client, WRITES[name], world)
    assert 200 <= response.status_code < 300, response.text[:1000]
    assert dump(db) != before


@pytest.mark.parametrize(("name", "override", "status", "field"), _params())
def test_bad_input_is_refused_clearly_and_changes_nothing(
    client: TestClient,
    db: Database,
    world: dict[str, Any],
    name: str,
    override: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    before = dump(db)
    _assert_clear_error(send(client, WRITES[name], world, **override), status, field)
    assert dump(db) == before


READS = sorted(
    path
    for path, route in all_routes()
    if path.startswith("/api/v1/") and "GET" in route.methods and "{" in path
)


@pytest.mark.parametrize("label", list(UNKNOWN_IDS))
@pytest.mark.parametrize("path", READS)
def test_reads_of_unknown_or_out_of_range_ids_are_clear_errors(
    client: TestClient, world: dict[str, Any], path: str, label: str
) -> None:
    url = path.format(**{param: UNKNOWN_IDS[label] for param in params_of(path)})
    # Unknown: 404. Past what an id column holds: invalid input, 422.
    _assert_clear_error(client.get(url), 404 if label == "unknown" else 422)


@pytest.mark.parametrize("name", [name for name in WITH_BODY if WRITES[name].text])
def test_nul_characters_are_never_a_server_error(
    client: TestClient, db: Database, world: dict[str, Any], name: str
) -> None:
    write = WRITES[name]
    assert write.valid is not None and write.text is not None
    before = dump(db)
    response = send(client, write, world, json={**write.valid, write.text: "Bau\x00amt"})
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        _assert_clear_error(response, 422, write.text)
        assert dump(db) == before


@pytest.mark.parametrize("name", [name for name in WITH_BODY if WRITES[name].text])
def test_a_refused_huge_string_is_not_echoed(
    client: TestClient, world: dict[str, Any], name: str
) -> None:
    write = WRITES[name]
    assert write.valid is not None and write.text is not None
    marker = "ECHO-" + "ü" * 50_000
    response = send(client, write, world, json={**write.valid, write.text: marker})
    assert response.status_code == 422
    assert "ECHO-" not in response.text and "üüü" not in response.text
    assert len(response.content) < 2_000


@pytest.mark.parametrize("name", WITH_BODY)
def test_a_huge_unknown_field_name_is_not_echoed(
    client: TestClient, db: Database, world: dict[str, Any], name: str
) -> None:
    write = WRITES[name]
    assert write.valid is not None
    before = dump(db)
    response = send(client, write, world, json={**write.valid, "ECHO-" + "k" * 100_000: 1})
    assert response.status_code == 422
    # The offending field is named, but cut short: never the whole 100 kB name.
    assert "ECHO-k" in response.text
    assert "k" * 101 not in response.text
    assert len(response.content) < 2_000
    assert dump(db) == before


def test_many_errors_make_a_bounded_answer(client: TestClient, world: dict[str, Any]) -> None:
    # 300 kB of request must not buy megabytes of answer.
    body = {"name": "Neu", **{f"feld{i}": 1 for i in range(20_000)}}
    response = client.post("/api/v1/boards", json=body)
    assert response.status_code == 422
    assert len(response.content) < 64_000, len(response.content)
    params = [("department", "x")] * 3_000
    response = client.get(f"/api/v1/boards/{world['board_id']}/cards", params=params)
    assert response.status_code == 422
    assert len(response.content) < 64_000, len(response.content)


def _json_of_size(size: int) -> bytes:
    head, tail = b'{"name": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_one_mebibyte_is_413_and_changes_nothing(
    client: TestClient, db: Database, streamed: bool
) -> None:
    payload = _json_of_size(1_048_577)
    content: Any = payload
    if streamed:
        content = (payload[i : i + 65_536] for i in range(0, len(payload), 65_536))
    before = dump(db)
    response = client.post(
        "/api/v1/boards", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "request body too large"
    assert dump(db) == before


def test_a_body_of_exactly_one_mebibyte_is_read_and_judged(
    client: TestClient, db: Database
) -> None:
    before = dump(db)
    response = client.post(
        "/api/v1/boards",
        content=_json_of_size(1_048_576),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert dump(db) == before
