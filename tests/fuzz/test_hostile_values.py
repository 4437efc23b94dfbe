"""The hostile values of issue 10 sent to EVERY operation of the served OpenAPI schema: each value in every field
of the request body (nested objects and list items too), in every query parameter, and a 100,000-level nested
JSON body. Schemathesis (test_api_fuzz.py) draws values from the schema's own types, which rarely produce these;
this walks the schema deterministically. Every answer is below 500 and every error is the JSON envelope."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from tests.security.test_input_hardening import HOSTILE_AMOUNTS, HOSTILE_DAYS, HOSTILE_IDS, deep_json

pytestmark = [pytest.mark.slow]

VALUES: list[object] = [*dict.fromkeys([*HOSTILE_AMOUNTS, *HOSTILE_DAYS, *HOSTILE_IDS]),
                        1e308, -0.0, 10**30, True, None, [], {}]
METHODS = ("post", "put", "patch", "delete", "get")


def _resolve(node: dict, schema: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def fill(node: dict, value: object, schema: dict, depth: int = 0) -> object:
    """A body shaped like `node` with `value` in every leaf."""
    node = _resolve(node, schema)
    if depth > 8 or not isinstance(node, dict):
        return value
    for key in ("allOf", "oneOf", "anyOf"):
        if node.get(key):
            return fill(node[key][0], value, schema, depth + 1)
    if node.get("type") == "object" or "properties" in node:
        return {name: fill(child, value, schema, depth + 1) for name, child in node.get("properties", {}).items()}
    if node.get("type") == "array":
        return [fill(node.get("items", {}), value, schema, depth + 1)]
    return value


def _path(template: str, ids: dict) -> str:
    def real(match: re.Match) -> str:
        values = ids.get(match.group(1)) or [1]
        return str(values[0])

    return re.sub(r"\{([a-z_]+)\}", real, template)


def _clients(world) -> tuple[APIClient, APIClient]:
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Token {world['token']}")
    service = APIClient()
    if world.get("service_token"):
        service.credentials(HTTP_AUTHORIZATION=f"Service {world['service_token']}")
    return owner, service


def _check(response, what: str, failures: list[str]) -> None:
    failures.append("")  # counts the request (blank entries are dropped before the assertion)
    if response.status_code >= 500:
        failures.append(f"{what}: {response.status_code}")
    elif response.status_code >= 400:
        try:
            body = json.loads(response.content)
        except ValueError:
            failures.append(f"{what}: {response.status_code} is not JSON")
            return
        if set(body) != {"error"} or not {"code", "message", "fields"} <= set(body["error"]):
            failures.append(f"{what}: {response.status_code} without the error envelope")


def test_hostile_values_in_every_field_of_every_operation(fuzz_world, wsgi_requests):
    anonymous = APIClient()
    schema = anonymous.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    owner, service = _clients(fuzz_world)
    failures: list[str] = []
    operations = 0
    for template, item in schema["paths"].items():
        path = _path(template, fuzz_world["ids"])
        client = service if template.rstrip("/").endswith("/usage") else owner
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations += 1
            call = getattr(client, method)
            body_schema = (operation.get("requestBody", {}).get("content", {})
                           .get("application/json", {}).get("schema"))
            query = [p["name"] for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                     if _resolve(p, schema).get("in") == "query"]
            for value in VALUES:
                if body_schema is not None:
                    body = fill(body_schema, value, schema)
                    _check(call(path, json.dumps(body), content_type="application/json"),
                           f"{method.upper()} {path} body={str(value)[:20]!r}", failures)
                if query and isinstance(value, str):
                    _check(call(f"{path}?{urlencode(dict.fromkeys(query, value))}"),
                           f"{method.upper()} {path} query={value[:20]!r}", failures)
            if method in ("post", "put", "patch"):
                _check(call(path, deep_json(), content_type="application/json"),
                       f"{method.upper()} {path} deep JSON", failures)
    assert operations > 15 and len(failures) > 20 * operations, (operations, len(failures))
    failures = [failure for failure in failures if failure]
    assert not failures, "\n".join(failures[:40])
