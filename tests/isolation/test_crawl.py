"""The tenant-isolation crawl, with REAL object ids.

Account A is populated with one of everything (tests/isolation/world.py, through each app's services and
factories). Account B's owner then calls, for every method, every URL that carries an object id, taken from
the URL resolver (pages and API alike), and every operation of the served OpenAPI schema:

- under A's account path with A's ids: 404 (B is no member of A);
- under B's own account path with A's object ids: 404 (the object is not B's), or 405 for a method the view
  does not have;
- the database fingerprint (row counts and money sums of every app table) is unchanged afterwards.

Routes with object ids outside any account must be listed in PUBLIC_BY_DESIGN with the reason.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.isolation.fingerprint import diff, fingerprint
from tests.isolation.world import ids_for
from tests.urls import walk_patterns

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
PARAM = re.compile(r"<(?:(?P<conv>[a-z_]+):)?(?P<name>[a-z_]+)>")

# Routes that take an object id but are not under an account, and why that is safe.
PUBLIC_BY_DESIGN: dict[str, str] = {
    "api/v1/auth/tokens/<id:token_id>/": "the signed-in user's own API token: looked up among request.user's tokens "
    "only, so another user's token id is a 404 and revoking it changes nothing (workspaces/tests/test_credentials.py)",
    "api/v1/payments/gateway/<slug:provider>/callback/": "the gateway's server-to-server callback: no session, "
    "authenticated by its HMAC signature (a bad signature changes nothing: payments tests)",
    "invitations/<str:token>/": "an invitation link: keyed by a random 32-byte token stored only as its hash, "
    "single-use and expiring; it shows the account's name and the role to whoever holds the mailed link only",
    "password/reset/<uidb64>/<token>/": "Django's password-reset link: an HMAC token bound to the user's password "
    "and last login, valid once and for PASSWORD_RESET_TIMEOUT; shows no tenant data",
    "sandbox-gateway/pay/<slug:reference>/": "the sandbox stand-in for the bank's checkout page, keyed by an "
    "unguessable payment reference (like a real gateway's checkout link); it shows no tenant data but the amount",
}
# Parts of the site that are not tenant data (Django admin is finance's, staff only).
IGNORED_PREFIXES = ("admin/", "i18n/", "static/", "media/")


def _routes():
    for route, _pattern in walk_patterns():
        if route.startswith(IGNORED_PREFIXES) or route.startswith("^"):
            continue
        names = [m.group("name") for m in PARAM.finditer(route)]
        if names:
            yield route, names


def object_routes():
    """Routes with an object id besides (or without) account_id."""
    return sorted(route for route, names in _routes() if [n for n in names if n != "account_id"])


def account_routes():
    return sorted(route for route, names in _routes() if "account_id" in names)


def _fill(route: str, ids: dict[str, list[int]], account_id: int) -> str:
    def value(match):
        name = match.group("name")
        if name == "account_id":
            return str(account_id)
        real = ids_for(ids, route, name)
        if real:
            return str(real[0])
        if match.group("conv") in (None, "str", "slug"):
            return "sandbox" if name == "provider" else "x"
        return "1"

    return "/" + PARAM.sub(value, route)


def _call(client, method: str, path: str):
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, data={}, content_type="application/json")


def test_the_crawl_has_routes_and_knows_every_public_object_route():
    assert len(account_routes()) >= 4
    outside = [r for r in object_routes() if "<id:account_id>" not in r]
    unexplained = [r for r in outside if r not in PUBLIC_BY_DESIGN]
    assert not unexplained, f"object routes outside an account need a reason in PUBLIC_BY_DESIGN: {unexplained}"


def test_every_schema_operation_is_crawled():
    """The served schema's operations are the resolver's API routes: none escapes the crawl."""

    schema = SchemaGenerator().get_schema(request=None, public=True)
    crawled = [re.compile("^/" + PARAM.sub("[^/]+", r) + "$") for r, _ in _routes()]
    for path in schema["paths"]:
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        if "{" in path:
            assert any(rx.match(concrete) for rx in crawled), f"{path} is not crawled"


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def test_foreign_account_path_is_404_for_every_method(client, two_tenants):
    """Every route under /a/<A>/ and /api/v1/accounts/<A>/, every method, as B's owner: 404, nothing written.
    One world for all routes (building it per route is slow); failures are collected and listed together."""
    ids = two_tenants["ids"]
    client.force_login(two_tenants["owner_b"])
    failures = []
    for route in account_routes():
        before = fingerprint()
        path = _fill(route, ids, two_tenants["a"].pk)
        for method in METHODS:
            response = _call(client, method, path)
            if response.status_code != 404:
                failures.append(f"{method.upper()} {path} ({route}): {response.status_code}")
            elif path.startswith("/api/") and not (_is_json(response)
                                                   and response.json()["error"]["code"] == "not_found"):
                failures.append(f"{method.upper()} {path}: 404 without the JSON envelope")
            if b"Tenant A" in response.content:
                failures.append(f"{method.upper()} {path}: shows account A's name")
        changed = diff(before, fingerprint())
        if changed:
            failures.append(f"{route} wrote to the database: {changed}")
    assert not failures, "\n".join(failures)


def test_own_account_path_with_foreign_object_ids_is_404(client, two_tenants):
    """Every route with an object id, under B's own account, with A's object ids: 404 (405 for a method the
    view does not have, which reveals nothing), nothing written."""
    ids = two_tenants["ids"]
    client.force_login(two_tenants["owner_b"])
    failures = []
    routes = [r for r in object_routes() if "<id:account_id>" in r]
    for route in routes:
        before = fingerprint()
        path = _fill(route, ids, two_tenants["b"].pk)
        answered_404 = False
        for method in METHODS:
            response = _call(client, method, path)
            if response.status_code not in (404, 405):
                failures.append(f"{method.upper()} {path} ({route}): {response.status_code}")
            answered_404 |= response.status_code == 404
            if b"Tenant A" in response.content:
                failures.append(f"{method.upper()} {path}: shows account A's name")
        if not answered_404:
            failures.append(f"{path}: no method reached the object lookup")
        changed = diff(before, fingerprint())
        if changed:
            failures.append(f"{route} wrote to the database: {changed}")
    assert routes and not failures, "\n".join(failures)


def test_the_world_has_real_ids_for_every_object_parameter(two_tenants):
    """Every object parameter of the URL conf points at a real object of A (else the crawl would only
    prove that unknown ids are 404). Parameters of apps not built yet are listed, not failed."""
    names = {n for r in object_routes() for n in [m.group("name") for m in PARAM.finditer(r)]}
    names -= {"account_id", "provider", "reference"}  # reference: the public sandbox page (PUBLIC_BY_DESIGN)
    names -= {"token"}  # invitation and password-reset links (PUBLIC_BY_DESIGN)
    missing = sorted(n for n in names if not any(ids_for(two_tenants["ids"], r, n) for r in object_routes()))
    assert not missing, f"tests/isolation/world.py creates no object for: {missing}"
