"""Bad input never reaches a 500. An owner (the role allowed the most) sends garbage to EVERY account page and
endpoint of the URL conf, with real ids of their own objects: garbage query strings on GET, and POST bodies
built from every form field name the templates use, filled with wrong types, negative, huge, over-precise and
control-character values. The API's operations are also fuzzed by schemathesis (tests/fuzz); this covers the
pages' forms, which have no schema."""

import itertools
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.isolation.conftest import two_tenants  # noqa: F401  (fixture)
from tests.isolation.test_crawl import _fill, account_routes
from tests.security.test_input_hardening import HOSTILE_AMOUNTS, HOSTILE_DAYS, HOSTILE_IDS, deep_json

pytestmark = pytest.mark.django_db

FIELD = re.compile(r'name="([a-z_]+)"')
GARBAGE = ["", "abc", "-1", "0", "²", "1.001", "1e400", "NaN", "99999999999999999999999", "2026-13-45",
           "9999-12-31", "0001-01-05", "\x00", "ok\x00", "☃" * 300,
           # issue 10: exponents that overflow a decimal context, other scripts' digits, loose days and ids
           "1e999999999", "-1e-999999999", "sNaN", "\uff11\uff10\uff10", "20261201xx", "2026-W48-1", "1_0"]
QUERIES = [
    "?date_from=nope&date_to=2026-99-99&from=x&to=13-2026&page=-1&page_size=abc&item=zz&workspace=x&day=x",
    "?date_from=0001-01-01&date_to=9999-12-31&package=²&plan=²&cap_1=²&page=²",
    "?date_to=0001-01-05&from=2026-10-junk&q=%00",
    "?date_from=20261201xx&date_to=2026-W48-1&from=20261201xx&to=2026-W48-1&page=1_0&page_size=%EF%BC%91",
]


def template_field_names() -> list[str]:
    names: set[str] = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        names.update(FIELD.findall(path.read_text()))
    names.discard("csrfmiddlewaretoken")
    return sorted(names)


def bodies() -> list[dict]:
    names = template_field_names()
    out: list[dict] = [{}]
    for value in GARBAGE:
        out.append(dict.fromkeys(names, value))
    # mixed rows: each field a different kind of garbage
    cycle = itertools.cycle(GARBAGE)
    out.append({name: next(cycle) for name in names})
    hostile = itertools.cycle(HOSTILE_AMOUNTS + HOSTILE_DAYS + HOSTILE_IDS)
    out.append({name: next(hostile) for name in names})
    return out


def test_the_forms_have_fields():
    assert len(template_field_names()) > 15


def test_no_page_or_endpoint_answers_500_to_bad_input(client, two_tenants):  # noqa: F811
    tenant = two_tenants
    client.raise_request_exception = False
    client.force_login(tenant["owner_a"])
    failures = []
    for route in account_routes():
        path = _fill(route, tenant["ids"], tenant["a"].pk)
        for query in QUERIES:
            response = client.get(path + query)
            if response.status_code >= 500:
                failures.append(f"GET {path}{query}: {response.status_code}")
        for body in bodies():
            response = client.post(path, body)
            if response.status_code >= 500:
                failures.append(f"POST {path} {sorted(body.items())[:3]}...: {response.status_code}")
        response = client.post(path, deep_json(), content_type="application/json")
        if response.status_code >= 500:
            failures.append(f"POST {path} 100,000-deep JSON: {response.status_code}")
    assert not failures, "\n".join(failures[:30])
