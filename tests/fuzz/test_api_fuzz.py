"""Schemathesis over the OpenAPI schema the project serves (/api/v1/schema/), loaded in-process from the WSGI
app, every operation called as an authenticated owner (DRF token).

Checks per response: no 5xx (not_a_server_error) and the body conforms to the schema for documented statuses
(response_schema_conformance). Status-code conformance is not checked: the schema documents success
responses; the 400/404/409/422 error envelope is checked separately in test_error_envelope below.

CI-sized: derandomized, FUZZ_MAX_EXAMPLES (default 20) examples per operation.
"""

from __future__ import annotations

import contextlib
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from billing_center.wsgi import application

pytestmark = [pytest.mark.slow]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)

# Operations with a known defect in another app's code: {"METHOD /path": "reason"}. Kept, marked xfail, and
# reported to the lead; remove the entry when it is fixed.
KNOWN_DEFECTS: dict[str, str] = {}  # fixed since: MonthlyBill.month served as '2026-11' vs format: date
STATUSES: dict[str, list[int]] = {}


def _aim(case, world) -> None:
    """Point path parameters at the owner's real objects: account_id always, other ids on most draws (the
    rest keep the generated value, which exercises unknown and malformed ids)."""
    ids = world["ids"]
    for name, value in list((case.path_parameters or {}).items()):
        real = ids.get(name)
        if not real:
            continue
        digits = str(value)
        if name == "account_id":
            case.path_parameters[name] = real[0]
        elif digits.isdigit() and int(digits) % 4 != 3:
            case.path_parameters[name] = real[int(digits) % len(real)]


def _headers(case, world) -> dict[str, str]:
    headers = {"Authorization": f"Token {world['token']}"}
    if case.operation.path.rstrip("/").endswith("/usage"):
        service = world.get("service_token")
        if service:
            headers = {"Authorization": f"Service {service}"}
    return headers


def _operations():
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations.append(pytest.param(operation, id=f"{operation.method.upper()}:{operation.path}"))
    return operations


def _strategy(operation):
    strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
    with contextlib.suppress(Exception):  # an operation with nothing to negate
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    return st.one_of(strategies)


@pytest.mark.parametrize("operation", _operations())
def test_api_operation(operation, fuzz_world, wsgi_requests, request):
    key = f"{operation.method.upper()} {operation.path}"
    if key in KNOWN_DEFECTS:  # still runs: an XPASS says the defect is fixed and the entry can go
        request.applymarker(pytest.mark.xfail(reason=KNOWN_DEFECTS[key], strict=False))

    @given(case=_strategy(operation))
    @settings(
        max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        _aim(case, fuzz_world)
        response = case.call(headers=_headers(case, fuzz_world))
        STATUSES.setdefault(key, []).append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        if response.status_code >= 400:
            assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
                f"{key}: {response.status_code} is not JSON")
            body = json.loads(response.content)
            assert set(body) == {"error"}, f"{key}: {response.status_code} without the error envelope: {body}"
            assert {"code", "message", "fields"} <= set(body["error"]), body

    run()
    assert STATUSES.get(key), f"{key}: no request was made"


def test_fuzzer_reaches_past_authentication_and_404(fuzz_world, wsgi_requests):
    """The aim works: an owner's list endpoint answers 200 through the same transport."""
    operation = next(r.ok() for r in schema.get_all_operations()
                     if r.ok().path == "/api/v1/accounts/{account_id}/workspaces/" and r.ok().method == "get")
    case = operation.Case(path_parameters={"account_id": fuzz_world["account"].pk})
    response = case.call(headers=_headers(case, fuzz_world))
    assert response.status_code == 200, response.content
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
