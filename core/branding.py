"""The deployment's brand: its name (`BRAND_NAME`, default "Fee Center") and the billing centre's domain
(`BILLING_DOMAIN`, empty by default), both settings read from the environment. Pages get them from the
`brand` context processor; mail, the invoice PDF and the admin call these functions (docs/UI.md "Brand")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext

DEFAULT_BRAND = "Fee Center"


def brand_name() -> str:
    """The brand in the active language: the default name is translated (费用中心), a configured one is shown
    as written."""
    name = getattr(settings, "BRAND_NAME", "") or DEFAULT_BRAND
    return gettext(DEFAULT_BRAND) if name == DEFAULT_BRAND else name


def billing_domain() -> str:
    return getattr(settings, "BILLING_DOMAIN", "") or ""


def rebrand(text: str) -> str:
    """`text` with the default brand (in the active language) replaced by the configured one: mail subjects
    and bodies written with "[Fee Center]" read "[Acme Billing]" when BRAND_NAME says so."""
    name = brand_name()
    if name == gettext(DEFAULT_BRAND):
        return text
    return text.replace(gettext(DEFAULT_BRAND), name).replace(DEFAULT_BRAND, name)


def _admin_title() -> str:
    return gettext("%(brand)s finance") % {"brand": brand_name()}


admin_title = lazy(_admin_title, str)


def brand(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `brand_name` and `billing_domain` for every template."""
    return {"brand_name": brand_name(), "billing_domain": billing_domain()}
