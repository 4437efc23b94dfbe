"""Finance's admin: branding, one formatter for money, months and days, readable names, and the Finance group
limited to finance's models (docs/UI.md "Admin")."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.admin import admin_display, format_price
from core.finance import FINANCE_GROUP, FINANCE_PERMISSIONS, sync_finance_group
from payments.models import Recharge, VoucherCodeBatch, Wallet
from payments.tests.factories import fund_cash
from statements.invoices import InvoiceLineSpec, invoice_request_create
from statements.models import MonthlyBill
from statements.tests import factories as f
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db



def _index_apps(html: str) -> set[str]:
    return set(re.findall(r'<div class="app-(\w+) module', html))


def test_the_finance_group_is_exactly_finances_models():
    sync_finance_group()
    group = Group.objects.get(name=FINANCE_GROUP)
    # A permission granted by hand is taken back by the next sync.

    group.permissions.add(Permission.objects.get(codename="change_periodictask"))
    sync_finance_group()
    labels = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert labels == set(FINANCE_PERMISSIONS)
    assert not labels & {"django_celery_beat", "auth", "authtoken", "otp_totp", "otp_static", "webhooks"}
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert not codenames & {"view_servicetoken", "add_servicetoken", "view_idempotencykey", "view_nightmark",
                            "view_membership"}
    assert {"view_planversion", "add_planversion", "adjust_wallet", "add_vouchercodebatch",
            "change_invoicerequest", "view_arrearsaccount", "change_financesettings"} <= codenames


def test_finance_sees_its_apps_and_gets_403_elsewhere(finance_client):
    index = finance_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    html = index.content.decode()
    assert index.status_code == 200
    assert _index_apps(html) == {"workspaces", "plans", "core", "payments", "orders", "quota", "statements", "audit"}
    assert "Fee Center finance" in html and "Django administration" not in html
    assert "img/logo.svg" in html and "css/admin.css" in html
    assert "Periodic tasks" not in html and "Service tokens" not in html and "Idempotency keys" not in html
    for url in ("/admin/django_celery_beat/periodictask/", "/admin/django_celery_beat/periodictask/add/",
                "/admin/quota/servicetoken/", "/admin/quota/servicetoken/add/", "/admin/auth/user/",
                "/admin/auth/group/", "/admin/core/idempotencykey/"):
        assert finance_client.get(url).status_code == 403, url


def test_the_header_in_chinese(finance_client):
    html = finance_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "费用中心 财务后台" in html
    assert "代金券兑换码批次" in html and "Voucher code batchs" not in html


def test_the_one_formatter():
    assert str(admin_display(Decimal("42000"), "money")) == '<span class="money">¥42,000.00</span>'
    assert str(admin_display(Decimal("-12.5"), "money")) == '<span class="money">-¥12.50</span>'
    assert format_price(Decimal("0.0500")) == "¥0.05" and format_price(Decimal("1234.0125")) == "¥1,234.0125"
    assert admin_display(date(2026, 11, 1), "month") == "2026-11"
    assert admin_display(date(2026, 11, 21), "day") == "2026-11-21"
    moment = timezone.make_aware(timezone.datetime(2026, 12, 1, 13, 33), timezone.get_fixed_timezone(0))
    assert admin_display(moment, "moment") == "2026-12-01 21:33"  # Beijing time
    assert admin_display(None, "money") is None


def test_changelists_show_money_months_and_days(finance_client, account):
    MonthlyBill.objects.create(account=account, month=date(2026, 11, 1), total=Decimal("42000"),
                               consumption_total=Decimal("42000"), refreshed_at=timezone.now())
    html = finance_client.get("/admin/statements/monthlybill/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "¥42,000.00" in html and ">2026-11<" in html
    assert "Nov. 1, 2026" not in html and "42000.00" not in html
    assert 'class="sortable column-total' in html  # formatted columns keep their sorting


def test_inlines_and_read_only_fields_are_readable(finance_client, account, owner):
    f.recharge(account, "1000")
    invoice = invoice_request_create(
        account=account, requested_by=owner, lines=_lines(account), title="示例科技有限公司",
        tax_id="91110000123456789X", email="finance@example.com",
    )
    html = finance_client.get(f"/admin/statements/invoicerequest/{invoice.pk}/change/",
                              HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "object (" not in html
    assert "¥1,000.00" in html
    assert "Invoice request lines" in html or "invoice request lines" in html.lower()


def _lines(account):
    recharge = Recharge.objects.filter(account=account).get()
    return [InvoiceLineSpec("recharge", recharge.pk, Decimal("1000"))]


def test_every_registered_model_has_readable_names():
    """Names are set, not derived ("voucher code batchs"), and every row has a readable __str__ (inlines show
    it: never "InvoiceRequestLine object (1)")."""
    ours = set(FINANCE_PERMISSIONS) - {"audit"}
    for model in [m for m in admin.site._registry if m._meta.app_label in ours]:
        opts = model._meta
        assert "verbose_name_plural" in opts.original_attrs or opts.proxy, opts.label
        assert "__str__" in {k for c in model.__mro__ if c.__module__.split(".")[0] != "django"
                             for k in vars(c)}, opts.label

    assert str(VoucherCodeBatch._meta.verbose_name_plural) in ("voucher code batches", "代金券兑换码批次")


def test_view_only_pages_are_formatted_too(finance_client, account):

    fund_cash(account, "42000")
    wallet = Wallet.objects.get(account=account)
    html = finance_client.get(f"/admin/payments/wallet/{wallet.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content
    assert "¥42,000.00" in html.decode()


@pytest.mark.parametrize("url", ["/admin/statements/monthlybill/", "/admin/payments/ledgerentry/",
                                 "/admin/statements/invoicerequest/", "/admin/payments/wallet/"])
def test_changelists_run_a_constant_number_of_queries(finance_client, url, django_assert_max_num_queries):
    def rows(n):
        for _ in range(n):
            account = AccountFactory()
            f.recharge(account, "100")
            MonthlyBill.objects.create(account=account, month=date(2026, 11, 1), total=Decimal("1"),
                                       consumption_total=Decimal("1"), refreshed_at=timezone.now())

    rows(1)

    with CaptureQueriesContext(connection) as one:
        assert finance_client.get(url).status_code == 200
    rows(4)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert finance_client.get(url).status_code == 200
