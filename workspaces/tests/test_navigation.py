"""The sidebar and the breadcrumb (workspaces/navigation.py, docs/UI.md "Navigation")."""

import pytest
from django.utils import translation

from workspaces.models import Membership
from workspaces.navigation import navigation

pytestmark = pytest.mark.django_db


def crumbs(user, account, url_name):
    with translation.override("en"):
        nav = navigation(Membership.objects.get(user=user, account=account), url_name)
        return ([(str(c["label"]), c["url"]) for c in nav["breadcrumb"]],
                [str(link["label"]) for section in nav["nav_sections"] for link in section["links"]])


def test_a_page_under_an_entry_links_back_to_it(account, owner):
    trail, _ = crumbs(owner, account, "payments-cards")
    assert trail == [("Money", None), ("Wallet", f"/a/{account.pk}/wallet/")]


def test_a_page_the_sidebar_does_not_offer_still_names_its_place(account, administrator):
    trail, links = crumbs(administrator, account, "payments-recharge")
    assert "Recharge" not in links
    assert trail == [("Money", None), ("Recharge", None)]
    trail, links = crumbs(administrator, account, "audit-trail")
    assert "Audit trail" not in links and trail == [("People and security", None), ("Audit trail", None)]


def test_the_sidebars_security_link_keeps_the_accounts_shell(client, account, owner):
    """Security is the person's page, not the account's: the sidebar's link names the account, so the page keeps
    that account's sidebar, breadcrumb and switcher label instead of "Choose an account"."""
    with translation.override("en"):
        nav = navigation(Membership.objects.get(user=owner, account=account), "security")
        [link] = [link for section in nav["nav_sections"] for link in section["links"]
                  if str(link["label"]) == "Security"]
    assert link["url"] == f"/account/security/?account={account.pk}"
    client.force_login(owner)
    html = client.get(link["url"]).content.decode()
    assert account.name in html and f'href="/a/{account.pk}/wallet/"' in html
