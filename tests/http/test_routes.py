from app.main import all_routes


def test_route_names_are_unique() -> None:
    """`url_for` in templates resolves by name: a clash would send a form to the wrong route."""
    names = [route.name for _path, route in all_routes()]
    assert len(names) > 50
    assert sorted({name for name in names if names.count(name) > 1}) == []
