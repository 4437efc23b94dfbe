"""In Simplified Chinese, no English word is left on a Fee Center page or in finance's admin changelists.

The crawl reuses the account of tests/security/test_headers.py (every page pattern, filled with its ids) and
reads the text a person sees (text nodes, titles, button and form labels; not scripts, JSON data, URLs or
class names). Words that stay English in Chinese are allowed: codes, ids, the fixtures' names and e-mails,
units and vendor terms (docs/UI.md "Chinese completeness")."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from plans.models import BillingItem, Plan
from tests.auth import login_staff
from tests.factories import UserFactory
from tests.security.test_headers import journey, journey_urls  # noqa: F401  (the fixture and its URLs)
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db

# Words that are not English prose in a Chinese page: product and vendor terms the Chinese documentation
# keeps in Latin letters, units, codes, formats, the brand-free fixture names, and the language switcher.
ALLOWED = {
    # vendor terms and units kept in Latin letters in the Chinese documentation
    "trace", "pv", "api", "sms", "datakit", "id", "csv", "pdf", "url", "webhook", "webhooks", "http", "https",
    "json", "hmac", "sha", "totp", "cny", "vat", "gb", "mb", "kb", "utc", "iso", "yyyy", "mm", "dd", "hh",
    "asia", "shanghai", "standard", "secret", "whsec", "key", "token", "ip", "ok",
    # the language switcher and the fixtures (names, usernames, e-mails, domains)
    "english", "csp", "enterprise", "owner", "finance", "example", "com", "invalid", "test", "free", "ws",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]")
SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp"}


class VisibleText(HTMLParser):
    """The text a person reads: text nodes outside scripts and code, plus title, aria-label, placeholder and
    button values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self._skip += 1
        for name, value in attrs:
            if value and name in ("title", "aria-label", "placeholder", "alt", "data-confirm",
                                  "data-confirm-button"):
                self.parts.append(value)
            if value and name == "value" and tag == "input" and dict(attrs).get("type") in ("submit", "button"):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(html: str, also_allowed: set[str] = frozenset()) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    text = re.sub(r"\S+@\S+", " ", text)  # e-mail addresses
    text = re.sub(r"\b[A-Z]{2,}\d[\w-]*\b|\b\w*\d\w*\b", " ", text)  # order numbers, codes with digits
    words = {w for w in WORD.findall(text)}
    return {w for w in words if w.lower() not in ALLOWED and w.lower() not in also_allowed}


def ascii_colons_after_chinese(html: str) -> list[str]:
    """Where visible text has an ASCII colon right after a Chinese character or a full-width bracket (a label's
    colon must be the reader's, {% colon %}: full-width in Chinese), or Chinese words in ASCII brackets."""
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    colons = [m.group(0) for m in re.finditer(r".{0,12}[\u4e00-\u9fff\uff09] ?:(?!//)", text)]
    brackets = re.findall(r"\([\u4e00-\u9fff\uff0c\s]+\)", text)  # Chinese words in ASCII brackets, e.g. (默认)
    return colons + brackets


def test_the_colon_finder_sees_a_half_width_colon_after_chinese():
    assert ascii_colons_after_chinese("<p>工作空间: A</p><p>工作空间\uff1aA https://x</p>") == ["工作空间:"]
    assert ascii_colons_after_chinese("<p>14 天 (默认) (PV)</p>") == ["(默认)"]


def test_the_finder_sees_english_prose_and_allows_codes():
    html = ('<p>储值卡 Startup Acceleration <code>whatever here</code> SO20261207001 ops@example.com</p>'
            '<script>var english = 1;</script><button aria-label="Close">x</button>')
    assert english_words(html) == {"Startup", "Acceleration", "Close"}


def test_every_page_is_chinese(journey):  # noqa: F811
    client = Client()
    client.force_login(journey["owner"])
    fixture_names = {journey["owner"].username.lower(), *journey["account"].name.lower().split(),
                     *(name.lower() for name in Workspace.objects.values_list("name", flat=True))}
    failures = []
    checked = 0
    for url in journey_urls(journey):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        checked += 1
        words = english_words(response.content.decode(), fixture_names)
        if words:
            failures.append(f"{url}: {sorted(words)}")
        colons = ascii_colons_after_chinese(response.content.decode())
        if colons:
            failures.append(f"{url}: ASCII colon after Chinese text in {colons}")
    assert checked >= 25, checked
    assert not failures, "\n".join(failures)


def test_finance_admin_changelists_are_chinese(journey):  # noqa: F811
    """Every finance changelist, and the change page of its first row, in zh-Hans: column headers, filter titles
    ("以 状态"), app and model names, plan and item names; only codes and the fixtures' names stay Latin."""
    user = UserFactory(username="zh-finance", is_staff=True, is_superuser=True)
    client = login_staff(Client(), user)
    # Django draws a boolean column as an icon whose alt text is "True"/"False" in every language; the fixtures'
    # ledger memo is "test funding"; plan codes.
    fixture_names = {"zh-finance", "yyyy-mm-dd", "true", "false", "funding",
                     *(code.lower() for code in Plan.objects.values_list("code", flat=True)),
                     *(part for code in BillingItem.objects.values_list("code", flat=True)
                       for part in code.lower().split("_")),
                     journey["owner"].username.lower(),
                     *journey["account"].name.lower().split(),
                     *(name.lower() for name in Workspace.objects.values_list("name", flat=True))}
    failures = []
    changes = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("payments", "orders", "quota", "statements", "plans", "workspaces",
                                         "notifications", "core"):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        words = english_words(response.content.decode(), fixture_names)
        if words:
            failures.append(f"{url}: {sorted(words)}")
        first = model_admin.get_queryset(response.wsgi_request).order_by("pk").first()
        if first is None:
            continue
        change_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
        response = client.get(change_url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, change_url
        changes += 1
        words = english_words(response.content.decode(), fixture_names)
        if words:
            failures.append(f"{change_url}: {sorted(words)}")
    assert changes >= 10, changes
    assert not failures, "\n".join(failures)
