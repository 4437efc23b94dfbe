"""Response headers: the Content-Security-Policy on every page (and pages that satisfy it: no inline script,
no style attribute or element, no inline event handler), and `Cache-Control: no-store` on everything private.

The crawl walks every page URL pattern of the Fee Center (filled with real objects of one account) plus every
admin changelist and the API docs, as a signed-in owner or finance staff."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from notifications.models import AlertRule
from orders.tests.factories import paid_package, purchase_order
from payments.tests.factories import fund_cash, give_card, give_voucher
from quota.models import Bill
from quota.tests import factories as qf
from statements.models import MonthlyBill
from statements.monthly_bills import monthly_bill_refresh
from statements.tests.factories import night
from tests.auth import login_staff
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory, api_token_key
from tests.urls import walk_patterns
from workspaces.models import Role

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PARAM = re.compile(r"<(?:(?P<conv>[a-z_]+):)?(?P<name>[a-z_]+)>")
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
# Templates that are never served to a browser: the invoice is rendered to PDF by WeasyPrint (it keeps its
# <style>), e-mails are text.
NOT_BROWSER_TEMPLATES = {"statements/invoice_pdf.html"}


class InlineFinder(HTMLParser):
    """Collects everything in a page that a `script-src 'self'; style-src 'self'` policy would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src") and (names.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
            self.problems.append(f"inline <script> {names}")
        if tag == "style":
            self.problems.append("inline <style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>: {value!r}")
            elif name.startswith("on") and len(name) > 2:
                self.problems.append(f"event handler {name}= on <{tag}>")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"{name}= on <{tag}> (htmx evaluates it)")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in <{tag} {name}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def parse_csp(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        bits = part.strip().split(None, 1)
        if bits:
            directives[bits[0]] = bits[1] if len(bits) > 1 else ""
    return directives


def assert_csp(response, where: str) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{where}: no Content-Security-Policy header"
    directives = parse_csp(header)
    for name, value in EXPECTED_DIRECTIVES.items():
        assert directives.get(name) == value, f"{where}: {name} is {directives.get(name)!r}, expected {value!r}"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, f"{where}: {header}"


def assert_no_store(response, where: str) -> None:
    cache_control = response.headers.get("Cache-Control", "")
    assert "no-store" in cache_control, f"{where}: Cache-Control is {cache_control!r}"


# --- the data of one account, so that every page has something to show --------------------------------------


@pytest.fixture
def journey(settings):

    settings.LANGUAGE_CODE = "en"
    owner = UserFactory(username="csp-owner")
    account = AccountFactory(name="CSP Enterprise")
    MembershipFactory(account=account, user=owner, role=Role.OWNER)
    ws_a = WorkspaceFactory(account=account, name="csp-a")
    ws_b = WorkspaceFactory(account=account, name="csp-b")
    WorkspaceFactory(account=account, name="csp-free", free=True)
    package = paid_package(account, owner, workspaces=[ws_a, ws_b])
    pending = purchase_order(account, owner, workspaces=[WorkspaceFactory(account=account, name="csp-c")])
    give_card(account, "300.00")
    give_voucher(account, "50.00")
    fund_cash(account, "100.00")
    day = date.today() - timedelta(days=3)
    qf.usage(ws_a, "log", day, 3_000_000)
    night(account, day)
    bill = Bill.objects.filter(account=account).first()
    monthly_bill_refresh(account=account, month=day.replace(day=1))
    monthly = MonthlyBill.objects.filter(account=account).first()
    rule = AlertRule.objects.create(account=account, workspace=ws_a, threshold="10.00", created_by=owner)
    ids = {
        "account_id": account.pk, "workspace_id": ws_a.pk, "order_id": pending.pk, "package_id": package.pk,
        "rule_id": rule.pk,
    }
    return {"owner": owner, "account": account, "ids": ids, "bill": bill, "monthly": monthly, "day": day}


def page_routes() -> list[str]:
    routes = []
    for route, _ in walk_patterns():
        if route.startswith(("admin/", "api/", "static/", "media/", "^")):
            continue
        routes.append(route)
    return sorted(set(routes))


def fill(route: str, ids: dict[str, int]) -> str | None:
    missing = False

    def value(match):
        nonlocal missing
        if match.group("name") not in ids:
            missing = True
            return "x"
        return str(ids[match.group("name")])

    path = "/" + PARAM.sub(value, route)
    return None if missing else path


def journey_urls(journey) -> list[str]:
    ids = dict(journey["ids"])
    urls = []
    for route in page_routes():
        if "<id:bill_id>" in route:
            bill = journey["monthly"] if "monthly" in route else journey["bill"]
            if bill is None:
                continue
            ids["bill_id"] = bill.pk
        path = fill(route, ids)
        if path is not None:
            urls.append(path)
    account = journey["account"].pk
    day = journey["day"].isoformat()
    urls += [
        f"/a/{account}/usage/?date_from={day}&date_to={day}&item=log",  # the charts
        f"/a/{account}/orders/?status=paid",
    ]
    return urls


def test_the_crawl_covers_the_journey(journey):
    urls = journey_urls(journey)
    account = journey["account"].pk
    for expected in ("/", "/login/", "/catalogue/", f"/a/{account}/", f"/a/{account}/wallet/recharge/",
                     f"/a/{account}/orders/{journey['ids']['order_id']}/pay/", f"/a/{account}/usage/",
                     f"/a/{account}/packages/", f"/a/{account}/alerts/{journey['ids']['rule_id']}/"):
        assert expected in urls, expected
    assert journey["bill"] is not None and journey["monthly"] is not None


def test_every_page_sends_the_policy_and_needs_no_inline_code(journey):
    client = Client()
    client.force_login(journey["owner"])
    checked = 0
    failures = []
    for url in journey_urls(journey):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code < 500, f"{url}: {response.status_code}"
        content_type = response.headers.get("Content-Type", "")
        if not content_type.startswith("text/html"):
            continue
        assert_csp(response, url)
        assert_no_store(response, url)
        if response.status_code == 200:
            checked += 1
            failures += [f"{url}: {p}" for p in inline_problems(response.content.decode())]
    assert not failures, "\n".join(failures)
    assert checked >= 25, checked


def test_anonymous_pages_send_the_policy_and_need_no_inline_code(journey):
    client = Client()
    for url in ("/login/", "/catalogue/", "/no-such-page/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert_csp(response, url)
        assert not inline_problems(response.content.decode()), (url, inline_problems(response.content.decode()))


def _finance_client():
    user = UserFactory(username="csp-finance", is_staff=True, is_superuser=True)
    return login_staff(Client(), user)


def test_admin_pages_send_the_policy_and_need_no_inline_code(journey):
    client = _finance_client()
    urls = ["/admin/", "/admin/payments/vouchercodebatch/add/"]
    for model, _ in admin.site._registry.items():
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    wallet = journey["account"].wallet if hasattr(journey["account"], "wallet") else None
    if wallet is not None:
        urls.append(reverse("admin:payments_wallet_adjust", args=[wallet.pk]))
        urls.append(reverse("admin:payments_wallet_change", args=[wallet.pk]))
    failures = []
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code < 500, f"{url}: {response.status_code}"
        assert_csp(response, url)
        assert_no_store(response, url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            failures += [f"{url}: {p}" for p in inline_problems(response.content.decode())]
    assert not failures, "\n".join(failures)


def test_api_docs_need_no_inline_code(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert_csp(response, "/api/v1/docs/")
    html = response.content.decode()
    assert not inline_problems(html), inline_problems(html)
    script = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert script, "Swagger UI's init script is served as a file"
    init = client.get(script.group(1).replace("&amp;", "&"))
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()


TEMPLATE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
TEMPLATE_ATTR = re.compile(r"""\s(style|on[a-z]+|hx-on[:\w-]*|data-hx-on[:\w-]*)\s*=""", re.IGNORECASE)


def test_no_template_carries_inline_code():
    """The same rule, read in the templates themselves (covers partials and pages the crawl cannot reach)."""
    failures = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT / "templates").as_posix()
        if relative in NOT_BROWSER_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        for match in TEMPLATE_SCRIPT.finditer(text):
            failures.append(f"{relative}: inline {match.group(0)}")
        if re.search(r"<style\b", text, re.IGNORECASE):
            failures.append(f"{relative}: <style> element")
        for match in TEMPLATE_ATTR.finditer(text):
            failures.append(f"{relative}: {match.group(1)}= attribute")
    assert not failures, "\n".join(failures)


def test_the_finder_catches_what_the_policy_blocks():
    assert inline_problems("<script>alert(1)</script>")
    assert inline_problems('<div style="color:red">')
    assert inline_problems('<select onchange="go()">')
    assert inline_problems('<button hx-on:click="go()">')
    assert inline_problems('<a href="javascript:go()">')
    assert inline_problems("<style>p{}</style>")
    assert not inline_problems('<script src="/static/js/app.js"></script><script type="application/json">{}</script>')


# --- Cache-Control ---------------------------------------------------------------------------------------------


def test_signed_in_pages_are_not_stored(journey):
    client = Client()
    client.force_login(journey["owner"])
    account = journey["account"].pk
    for url in (f"/a/{account}/", f"/a/{account}/wallet/", f"/a/{account}/bills/daily/", "/catalogue/"):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_store(response, url)


def test_api_answers_are_not_stored(journey):
    client = Client(HTTP_AUTHORIZATION=f"Token {api_token_key(journey['owner'])}")
    account = journey["account"].pk
    for url in (f"/api/v1/accounts/{account}/wallet/", "/api/v1/catalogue/plans/"):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert_no_store(response, url)
    anonymous = Client().get(f"/api/v1/accounts/{account}/wallet/")
    assert anonymous.status_code in (401, 403)
    assert_no_store(anonymous, "anonymous API answer")


def test_login_pages_are_not_stored(db):
    for url in ("/login/", "/admin/login/"):
        response = Client().get(url)
        assert response.status_code == 200
        assert_no_store(response, url)


def test_public_catalogue_and_static_files_stay_cacheable(db):
    client = Client()
    catalogue = client.get("/catalogue/")
    assert catalogue.status_code == 200
    assert "no-store" not in catalogue.headers.get("Cache-Control", "")
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
