"""Every route declares who may use it, and the declaration is enforced before any look-up.

The tests walk the URL map, so a route added later is covered without touching this file.
A route reached by API token (its view has `access_token`) ignores the browser session, so
there every signed-in role gets 401, the provider role too.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

from app.auth.access import public
from app.auth.models import ROLES
from app.extensions import db
from app.offerings.models import Offering
from app.providers.models import Provider

OWN_ORG_NR = "556677-8899"
OTHER_ORG_NR = "559123-4561"


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _declaration(app, rule) -> tuple[bool, tuple[str, ...]]:
    view = app.view_functions[rule.endpoint]
    return getattr(view, "access_public", False), tuple(getattr(view, "access_roles", ()))


def _placeholder(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _protected_requests(app):
    """(method, path, roles allowed, by token) for every method of every route that is not public."""
    for rule in _rules(app):
        is_public, roles = _declaration(app, rule)
        if is_public:
            continue
        by_token = getattr(app.view_functions[rule.endpoint], "access_token", False)
        # Werkzeug keeps a rule's converter instances only here; they give each argument a value.
        values = {name: _placeholder(conv) for name, conv in rule._converters.items()}
        path = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, roles, by_token


def _undeclared(app) -> list[str]:
    return [rule.rule for rule in _rules(app) if _declaration(app, rule) == (False, ())]


@pytest.fixture
def providers(app):
    """The provider a provider user belongs to, and a competitor whose data they must not see."""
    with app.app_context():
        own = Provider(ref="P1", org_nr=OWN_ORG_NR, name="Arbetsvägen AB", status="approved")
        other = Provider(ref="P2", org_nr=OTHER_ORG_NR, name="Nästa Steg Kooperativ",
                         status="approved")
        db.session.add_all([own, other])
        db.session.commit()
        return own, other


def _sign_in(auth, role: str):
    return auth.login(role, provider_org_nr=OWN_ORG_NR if role == "provider" else None)


def test_every_route_declares_public_or_its_roles(app):
    assert _undeclared(app) == []


def test_a_route_without_a_declaration_is_caught(app):
    app.add_url_rule("/odeklarerad", "undeclared", lambda: "hej")
    app.add_url_rule("/deklarerad", "declared", public(lambda: "hej"))
    assert _undeclared(app) == ["/odeklarerad"]


def test_no_route_is_both_public_and_limited_to_roles(app):
    both = [rule.rule for rule in _rules(app)
            if _declaration(app, rule)[0] and _declaration(app, rule)[1]]
    assert both == []


def test_declared_roles_are_known_roles(app):
    unknown = {rule.rule: roles for rule in _rules(app)
               for roles in [_declaration(app, rule)[1]] if set(roles) - set(ROLES)}
    assert unknown == {}


def test_anonymous_visitor_is_refused_on_every_protected_route(app, client):
    problems = []
    for method, path, _roles, _by_token in _protected_requests(app):
        response = client.open(path, method=method)
        if response.status_code == 302:
            if urlsplit(response.location).path != "/login":
                problems.append(f"{method} {path}: redirects to {response.location}")
        elif response.status_code not in (401, 403, 404):
            problems.append(f"{method} {path}: {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_role_not_declared_on_a_route_gets_403_before_any_look_up(role, app, client, auth, providers):
    user = _sign_in(auth, role)
    problems = []
    for method, path, roles, by_token in _protected_requests(app):
        if role in roles or by_token:
            continue
        auth.login_user(user)
        status = client.open(path, method=method).status_code
        if status != 403:
            problems.append(f"{method} {path}: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_token_route_gets_401_for_a_signed_in_session_of_any_role(role, app, client, auth,
                                                                   providers):
    user = _sign_in(auth, role)
    problems = []
    for method, path, _roles, by_token in _protected_requests(app):
        if not by_token:
            continue
        auth.login_user(user)
        status = client.open(path, method=method).status_code
        if status != 401:
            problems.append(f"{method} {path}: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_role_declared_on_a_route_never_gets_a_server_error(role, app, client, auth, providers):
    user = _sign_in(auth, role)
    problems = []
    for method, path, roles, _by_token in _protected_requests(app):
        if role not in roles:
            continue
        auth.login_user(user)  # an earlier request (logout) may have signed the user out
        status = client.open(path, method=method).status_code
        if status >= 500:
            problems.append(f"{method} {path}: {status}")
    assert not problems, "\n".join(problems)


def test_provider_start_page_shows_only_its_own_provider_and_offerings(app, client, auth, providers):
    own, other = providers
    with app.app_context():
        db.session.add_all([
            Offering(ref="O1", provider_id=own.id, service_type="praktik", title="Praktik i lager",
                     rate_unit="hour", rate=Decimal("100.00")),
            Offering(ref="O2", provider_id=other.id, service_type="praktik", title="Praktik i café",
                     rate_unit="hour", rate=Decimal("99.99")),
        ])
        db.session.commit()
    auth.login("provider", provider_org_nr=OWN_ORG_NR)

    page = client.get("/").get_data(as_text=True)

    assert "Arbetsvägen AB" in page
    assert "Praktik i lager" in page
    assert "Nästa Steg Kooperativ" not in page
    assert "Praktik i café" not in page
    assert OTHER_ORG_NR not in page
