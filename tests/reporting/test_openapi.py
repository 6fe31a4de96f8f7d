"""The OpenAPI document is true: schemathesis calls the live app with generated requests.

Every operation gets valid and invalid input (with a real token and the seeded placement refs
mixed in by the hypothesis strategies); the answers must match the document and never be a 500.
An error's `code` must be one the document lists for that operation and status.
"""
from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.serving import make_server

from app.auth.models import User
from app.providers import service as provider_service
from app.reporting.openapi import operations
from tests.providers.factories import ORG_A, seed


@pytest.fixture
def live_api(app, session, auth):
    """The app on a free port with a seeded provider and its token."""
    seed(session)
    user = auth.user("provider", email="api@test.example", provider_org_nr=ORG_A)
    _token, plain = provider_service.create_token(session, session.get(User, user.id), "schemathesis")
    session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", plain
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _check_operation(operation, url: str, headers: dict, mode: GenerationMode) -> None:
    refs = {"ref": st.sampled_from(["PL1", "PL2", "NOPE"])} if "{ref}" in operation.path else {}

    @given(data=st.data())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(data):
        path_parameters = {k: data.draw(v) for k, v in refs.items()} or None
        case = data.draw(operation.as_strategy(mode, path_parameters=path_parameters))
        # The HTTP client drops query values None and []: such a case is not sent as generated.
        assume(all(value not in (None, [], {}) for value in (case.query or {}).values()))
        # Schema-valid is not always business-valid (a date outside the placement window), so a
        # documented 422 for valid-looking input is right; everything else is checked.
        case.call_and_validate(base_url=f"{url}/api/v1", headers=headers,
                               excluded_checks=[positive_data_acceptance])

    run()


def _run(url: str, token: str, mode: GenerationMode) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    # Invalid input is refused in English too: the catalog's messages must fill their placeholders.
    language = "en" if mode == GenerationMode.NEGATIVE else "sv"
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        _check_operation(operation, url, headers, mode)
        checked.append(operation.label)
    return checked


def _documented(app) -> list[str]:
    """Every API route of the app as schemathesis labels it, less the document itself (which
    schemathesis, loading the schema from it, leaves out)."""
    return sorted(f"{method.upper()} {path}" for path, method, _op, _view in operations(app)
                  if path != "/openapi.json")


def test_api_answers_valid_requests_as_documented(app, live_api):
    url, token = live_api
    checked = _run(url, token, GenerationMode.POSITIVE)
    assert sorted(checked) == _documented(app) and len(checked) == 8


def test_api_refuses_invalid_requests_as_documented(app, live_api):
    url, token = live_api
    checked = _run(url, token, GenerationMode.NEGATIVE)
    assert sorted(checked) == _documented(app) and len(checked) == 8
