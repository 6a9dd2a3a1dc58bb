from fastapi import FastAPI
from fastapi.routing import APIRoute


def test_route_names_are_unique(app: FastAPI) -> None:
    """`url_for` in templates resolves by name: a clash would send a form to the wrong route."""
    names = [route.name for route in app.routes if isinstance(route, APIRoute)]
    assert sorted({name for name in names if names.count(name) > 1}) == []
