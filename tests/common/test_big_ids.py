"""An id in a URL larger than the database's integer is no page (404 or a refusal), never a 500:
PostgreSQL refused to compare an INTEGER column with 9 999 999 999, so /jobb/9999999999 and
/handlaggare/deltagare/9999999999 were database errors (app/common/routing.py)."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import AnyConverter, IntegerConverter

from app.auth.models import ROLES
from app.common.routing import MAX_ID
from tests.providers.factories import ORG_A, seed

BIG = 9_999_999_999  # over 2**31 - 1


def _urls(app, number: int) -> list[tuple[str, str]]:
    """(method, url) of every route with an integer in its path, the integers set to `number`."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in app.url_map.iter_rules():
        converters = rule._converters
        if not any(isinstance(c, IntegerConverter) for c in converters.values()):
            continue
        values = {name: number if isinstance(c, IntegerConverter) else
                  (sorted(c.items)[0] if isinstance(c, AnyConverter) else "2026-03")
                  for name, c in converters.items()}
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            out.append((method, adapter.build(rule.endpoint, values, method=method, force_external=False)))
    return out


def test_the_id_converter_stops_at_the_largest_integer_the_database_holds(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/jobb/{MAX_ID}")[1] == {"task_id": MAX_ID}
    with pytest.raises(NotFound):
        adapter.match(f"/jobb/{BIG}")


def test_every_route_with_an_id_answers_a_too_large_one_without_a_server_error(app, client, auth):
    from app.extensions import db

    with app.app_context():
        seed(db.session)  # the provider the provider user belongs to
    urls = _urls(app, MAX_ID)
    assert len(urls) > 20  # the routes were found
    failures = []
    for role in ROLES:
        auth.login(role, email=f"{role}@big.example", provider_org_nr=ORG_A if role == "provider" else None)
        for method, url in urls:
            too_large = url.replace(str(MAX_ID), str(BIG))
            response = client.open(too_large, method=method, data={})
            if response.status_code >= 500:
                failures.append((role, method, too_large, response.status_code))
            response = client.open(url, method=method, data={})  # the largest id there can be
            if response.status_code >= 500:
                failures.append((role, method, url, response.status_code))
        auth.logout()
    assert not failures, failures
