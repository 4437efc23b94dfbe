"""The Fee Center's sidebar and breadcrumb: one list of sections, each with its pages (by URL name), which
the layout (templates/base.html) draws. A page belongs to the item whose `match` holds its URL name, so a
detail page highlights its list and shows "Account > Section > Page" in the breadcrumb (docs/UI.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from workspaces.models import Capability, Membership, Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    icon: str
    capability: str = Capability.VIEW_BILLING
    owner_only: bool = False
    account_url: bool = True  # the URL takes the account id
    account_query: bool = False  # a person's page (not the account's) that keeps the account's shell: ?account=<id>
    match: tuple[str, ...] = field(default_factory=tuple)

    def matches(self, url_name: str | None) -> bool:
        return url_name is not None and (url_name == self.url_name or url_name in self.match)


@dataclass(frozen=True)
class NavSection:
    key: str
    label: Promise
    items: tuple[NavItem, ...]


SECTIONS: tuple[NavSection, ...] = (
    NavSection("overview", _("Overview"), (
        NavItem("account-home", _("Home"), "house"),
        NavItem("workspace-list", _("Workspaces"), "grid",
                match=("workspace-detail", "workspace-storage-policies", "workspace-upgrade")),
    )),
    NavSection("buy", _("Buy and renew"), (
        NavItem("orders-buy", _("Purchase plan package"), "cart-plus", capability=Capability.SPEND,
                match=("orders-buy-traffic", "orders-buy-workspaces", "orders-buy-confirm")),
        NavItem("orders-packages", _("Plan management"), "box-seam",
                match=("orders-package-workspaces", "orders-package-upgrade", "orders-package-traffic",
                       "orders-package-renew", "orders-package-auto-renew", "quota-package-usage")),
        NavItem("advisor", _("Package advisor"), "lightbulb"),
        NavItem("orders-list", _("Orders"), "receipt",
                match=("orders-detail", "orders-pay", "orders-success", "orders-cancel")),
    )),
    NavSection("money", _("Money"), (
        NavItem("payments-wallet", _("Wallet"), "wallet2", match=("payments-cards", "payments-vouchers")),
        NavItem("payments-ledger", _("Revenue and expenditure"), "journal-text"),
        NavItem("payments-recharge", _("Recharge"), "plus-circle", capability=Capability.SPEND),
    )),
    NavSection("usage", _("Usage and bills"), (
        NavItem("quota-bills", _("Consumption details"), "list-columns-reverse", match=("quota-bill-detail",)),
        NavItem("quota-usage", _("Usage"), "bar-chart"),
        NavItem("monthly-bill-list", _("Monthly bills"), "calendar3", match=("monthly-bill-detail",)),
        NavItem("invoice-list", _("Invoices"), "file-earmark-text"),
        NavItem("forecast", _("Forecast and warnings"), "graph-up-arrow",
                match=("forecast-warnings", "forecast-warning-edit", "forecast-warning-delete")),
        NavItem("alert-list", _("Alerts"), "bell", match=("alert-edit",)),
    )),
    NavSection("people", _("People and security"), (
        NavItem("people", _("People"), "people",
                match=("membership-role", "membership-remove", "invitation-revoke", "ownership-transfer")),
        NavItem("security", _("Security"), "shield-lock", capability=Capability.SEE_ACCOUNT, account_url=False,
                account_query=True),
        NavItem("audit-trail", _("Audit trail"), "clock-history", owner_only=True),
    )),
    NavSection("developers", _("Developers"), (
        NavItem("webhook-list", _("Webhooks"), "broadcast",
                match=("webhook-endpoint", "webhook-delivery", "webhook-rotate", "webhook-delete", "webhook-resend")),
        NavItem("api-docs", _("API documentation"), "code-slash", account_url=False),
    )),
)


def _visible(item: NavItem, membership: Membership) -> bool:
    if item.owner_only and membership.role != Role.OWNER:
        return False
    return membership.can(item.capability)


def _url(item: NavItem, account_id: int) -> str | None:
    try:
        if item.account_url:
            return reverse(item.url_name, kwargs={"account_id": account_id})
        url = reverse(item.url_name)
        return f"{url}?{urlencode({'account': account_id})}" if item.account_query else url
    except NoReverseMatch:  # an app left out of this deployment's URLs
        return None


def navigation(membership: Membership | None, url_name: str | None) -> dict[str, Any]:
    """The sidebar's sections (only the pages the role may open) and the breadcrumb of the current page."""
    if membership is None:
        return {}
    sections: list[dict[str, Any]] = []
    crumbs: list[dict[str, Any]] = []
    for section in SECTIONS:
        links = []
        for item in section.items:
            current = item.matches(url_name)
            visible = _visible(item, membership)
            url = _url(item, membership.account_id) if visible or current else None
            if url is None:
                continue
            if visible:
                links.append({"label": item.label, "icon": item.icon, "url": url, "current": current,
                              "exact": url_name == item.url_name})
            if current and not crumbs and item.url_name != "account-home":
                # A page the sidebar does not offer this role (an administrator reading Recharge) still names
                # its place; its parent is a link only where the role may open it.
                crumbs = [{"label": section.label, "url": None},
                          {"label": item.label, "url": None if url_name == item.url_name or not visible else url}]
        if links:
            sections.append({"key": section.key, "label": section.label, "links": links})
    return {"nav_sections": sections, "breadcrumb": crumbs}
