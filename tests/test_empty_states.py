"""Every list of the Fee Center console that can be empty shows the designed empty state
(templates/core/_empty_state.html: an icon, a sentence, what to do next) rather than a bare table, in both
languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from quota.models import Bill
from webhooks import services as webhook_services

pytestmark = pytest.mark.django_db
MARK = 'class="empty-state'

# page -> how many of its lists are empty for a new account
PAGES = {
    "orders/": 1,
    "orders/?status=paid": 1,  # a filter that finds nothing says so, with the way back to every status
    "packages/": 1,
    "bills/daily/": 1,
    "bills/monthly/": 1,
    "invoices/": 1,
    "wallet/": 2,  # usable cards and usable vouchers (previews of the paged lists)
    "workspaces/": 1,
    "wallet/details/": 1,
    "wallet/recharge/": 1,
    "wallet/cards/": 1,
    "wallet/vouchers/": 1,
    "usage/": 1,  # the per-workspace table
    "audit/?date_from=2000-01-01&date_to=2000-01-02": 1,
    "people/": 1,  # pending invitations (the owner is always a member)
    "webhooks/": 2,  # endpoints and deliveries
    "alerts/": 2,  # rules and alerts sent
    "forecast/": 1,  # open warnings
    "forecast/warnings/": 1,  # warnings sent (a new account has its default warning rules)
}


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_empty_list_shows_the_designed_empty_state(owner_client, account, path, language):
    owner_client.cookies["django_language"] = language
    response = owner_client.get(f"/a/{account.pk}/{path}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(MARK) >= PAGES[path], path
    assert '<table class="table table-sm" id="invitations"' not in html


def test_a_bill_without_lines_and_an_endpoint_without_deliveries(owner_client, owner, account):
    bill = Bill.objects.create(account=account, day="2026-03-10")
    assert MARK in owner_client.get(f"/a/{account.pk}/bills/daily/{bill.pk}/").content.decode()
    endpoint = webhook_services.endpoint_create(account=account, actor=owner, url="https://hooks.example.com/x",
                                                event_types=["package.expired"])
    assert MARK in owner_client.get(f"/a/{account.pk}/webhooks/{endpoint.pk}/").content.decode()


def test_no_api_tokens(owner_client):
    html = owner_client.get("/account/security/").content.decode()
    assert 'id="no-tokens"' in html and MARK in html


def test_the_new_empty_sentences_are_translated():
    with translation.override("zh-hans"):
        for sentence in [
            "No orders with this status.",
            "No lines: nothing was used on this day.",
            "No alert has been sent yet.",
            "No warning has been sent yet.",
            "No warning is open.",
            "No pending invitations.",
            "No changes recorded.",
            "No deliveries yet. A delivery appears here when a subscribed event happens or a test event is sent.",
            "No endpoints yet. Register one below to receive signed messages when events happen in this account.",
            "Send a test event",
            "Previous",
            "Next",
        ]:
            assert translation.gettext(sentence) != sentence, sentence


@pytest.mark.parametrize("path", ["people/", "webhooks/"])
def test_an_empty_list_beside_its_form_has_no_button_to_that_form(owner_client, account, path):
    html = owner_client.get(f"/a/{account.pk}/{path}").content.decode()
    assert MARK in html
    assert 'href="#invite-form"' not in html and 'href="#endpoint-new"' not in html
