"""Monthly bills and invoices.

A MonthlyBill summarises one account's month (a calendar month in the account's time zone): the usage
amounts of its daily bills per workspace and billing item (MonthlyBillLine), the settlements it accounts for
(MonthlyBillSettlement: the settlements of the month's daily bills, plus adjustments to months that were
already final when the adjustment was settled) and what each tender kind paid. It is `open` while the month
runs and until the 3rd of the next month, then `final`: a database trigger refuses any change to a final
bill, its lines or its settlements (migration 0002). Amounts are CNY yuan with two places (core.money).

An InvoiceRequest asks finance for an invoice over cash the account paid (see docs/RULES-statements.md);
its lines say which documents (recharges, prepaid-card purchases) it draws on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import format_cny
from core.money import money_field
from core.querysets import AccountScopedQuerySet
from payments.models import PrepaidCard, Voucher, Wallet
from quota.models import Bill


class MonthlyBillStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FINAL = "final", _("Final")


class MonthlyBill(models.Model):
    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="monthly_bills", verbose_name=_("account"),
    )
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    status = models.CharField(
        _("status"), max_length=8, choices=MonthlyBillStatus.choices, default=MonthlyBillStatus.OPEN
    )
    # Usage billed on the month's days (sum of its daily bills' totals = sum of the lines).
    consumption_total = money_field(verbose_name=_("consumption"))
    # Settlements made in this month for days of months that were already final (signed).
    adjustments_total = money_field(verbose_name=_("adjustments"))
    total = money_field(verbose_name=_("total"))
    # What the accounted settlements were paid with (signed: credits back count negative).
    paid_ordinary_voucher = money_field(verbose_name=_("ordinary vouchers"))
    paid_full_reduction_voucher = money_field(verbose_name=_("full-reduction vouchers"))
    paid_prepaid_card = money_field(verbose_name=_("prepaid cards"))
    paid_cash = money_field(verbose_name=_("cash balance"))
    paid_arrears = money_field(verbose_name=_("left owing"))
    arrears_at_month_end = money_field(verbose_name=_("arrears at month end"))
    daily_bill_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("daily bill count"))
    refreshed_at = models.DateTimeField(_("updated at"))
    finalized_at = models.DateTimeField(_("final since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-id"]
        verbose_name = _("monthly bill")
        verbose_name_plural = _("monthly bills")
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="monthly_bill_unique_account_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_bill_month_first_day"),
            models.CheckConstraint(
                condition=Q(total=F("consumption_total") + F("adjustments_total")), name="monthly_bill_total_sum"
            ),
            models.CheckConstraint(condition=Q(consumption_total__gte=0), name="monthly_bill_consumption_non_neg"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(finalized_at__isnull=False), name="monthly_bill_final_has_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}"

    @property
    def paid_voucher(self):
        """Paid by vouchers of both kinds."""
        return self.paid_ordinary_voucher + self.paid_full_reduction_voucher

    @property
    def is_final(self) -> bool:
        return self.status == MonthlyBillStatus.FINAL

    @property
    def paid_total(self):
        return (
            self.paid_ordinary_voucher + self.paid_full_reduction_voucher + self.paid_prepaid_card + self.paid_cash
        )


class MonthlyBillLine(models.Model):
    """The month's usage of one workspace and billing item: sums over the month's daily bill lines."""

    monthly_bill = models.ForeignKey(
        MonthlyBill, on_delete=models.CASCADE, related_name="lines", verbose_name=_("monthly bill"),
    )
    # Copied by the close from the daily bill lines, which reference the same workspace and item (valid by
    # construction, like quota.BillLine): no database FK constraints nor single-column indexes, whose per-row
    # checks cost the set-based close as much as its aggregation (migration 0006). Django still PROTECTs.
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
        verbose_name=_("workspace"),
    )
    billing_item = models.ForeignKey(
        "plans.BillingItem", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
        verbose_name=_("billing item"),
    )
    usage = models.BigIntegerField(default=0, verbose_name=_("usage"))
    covered = models.BigIntegerField(
        default=0, help_text=_("covered by package and traffic packages"), verbose_name=_("covered"),
    )
    overage = models.BigIntegerField(default=0, verbose_name=_("overage"))
    amount = money_field(verbose_name=_("amount"))

    class Meta:
        verbose_name = _("monthly bill line")
        verbose_name_plural = _("monthly bill lines")
        ordering = ["monthly_bill_id", "workspace_id", "billing_item__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["monthly_bill", "workspace", "billing_item"], name="monthly_bill_line_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="monthly_bill_line_amount_non_neg"),
        ]

    def __str__(self) -> str:
        return gettext("workspace %(workspace)s · %(amount)s") % {
            "workspace": self.workspace_id, "amount": format_cny(self.amount)}


class MonthlyBillSettlement(models.Model):
    """A daily-bill settlement this monthly bill accounts for. Each settlement belongs to one monthly bill."""

    monthly_bill = models.ForeignKey(
        MonthlyBill, on_delete=models.CASCADE, related_name="settlements", verbose_name=_("monthly bill"),
    )
    settlement = models.OneToOneField(
        "quota.BillSettlement", on_delete=models.PROTECT, related_name="monthly_bill_link", verbose_name=_("settlement")
    )
    day = models.DateField(help_text=_("the day of the daily bill settled"), verbose_name=_("day"))
    amount = money_field(verbose_name=_("amount"))
    is_adjustment = models.BooleanField(
        default=False, help_text=_("settles a day of an earlier, final month"), verbose_name=_("is adjustment"),
    )

    class Meta:
        verbose_name = _("monthly bill settlement")
        verbose_name_plural = _("monthly bill settlements")
        ordering = ["monthly_bill_id", "day", "settlement_id"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} · {format_cny(self.amount)}"


class InvoiceType(models.TextChoices):
    GENERAL = "general", _("VAT general invoice")
    SPECIAL = "special", _("VAT special invoice")


class InvoiceStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")


class InvoiceRequest(models.Model):
    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="invoice_requests", verbose_name=_("account"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.PENDING
    )
    invoice_type = models.CharField(
        _("invoice type"), max_length=16, choices=InvoiceType.choices, default=InvoiceType.GENERAL
    )
    title = models.CharField(_("invoice title"), max_length=200, help_text=_("the buyer's registered name"))
    tax_id = models.CharField(_("taxpayer ID"), max_length=20)
    email = models.EmailField(_("email for the invoice"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    amount = money_field(verbose_name=_("amount"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    number = models.CharField(_("invoice number"), max_length=32, unique=True, null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False, verbose_name=_("pdf"))

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="issued") | (Q(number__isnull=False) & Q(pdf__isnull=False)),
                name="invoice_issued_has_number_and_pdf",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False), name="invoice_decided_has_at"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"IR{self.pk}"


class InvoiceSourceType(models.TextChoices):
    RECHARGE = "recharge", _("Recharge")
    CARD_PURCHASE = "card_purchase", _("Prepaid card purchase")


class InvoiceRequestLine(models.Model):
    """The part of one paid document (a recharge or a prepaid-card purchase) an invoice request covers."""

    request = models.ForeignKey(
        InvoiceRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("request"),
    )
    source_type = models.CharField(max_length=16, choices=InvoiceSourceType.choices, verbose_name=_("source type"))
    recharge = models.ForeignKey(
        "payments.Recharge", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("recharge")
    )
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("payment")
    )
    amount = money_field(verbose_name=_("amount"))

    class Meta:
        verbose_name = _("invoice request line")
        verbose_name_plural = _("invoice request lines")
        ordering = ["request_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_line_amount_positive"),
            models.CheckConstraint(
                condition=(Q(source_type="recharge") & Q(recharge__isnull=False) & Q(payment__isnull=True))
                | (Q(source_type="card_purchase") & Q(payment__isnull=False) & Q(recharge__isnull=True)),
                name="invoice_line_source_matches_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_type_display()} · {format_cny(self.amount)}"


# Finance views in admin (read-only lists over other apps' tables; no new tables).
class ArrearsAccount(Wallet):
    class Meta:
        proxy = True
        verbose_name = _("account in arrears")
        verbose_name_plural = _("accounts in arrears")


class ExpiringCard(PrepaidCard):
    class Meta:
        proxy = True
        verbose_name = _("expiring prepaid card")
        verbose_name_plural = _("expiring prepaid cards")


class ExpiringVoucher(Voucher):
    class Meta:
        proxy = True
        verbose_name = _("expiring voucher")
        verbose_name_plural = _("expiring vouchers")


class RevenueDay(Bill):
    class Meta:
        proxy = True
        verbose_name = _("revenue per day")
        verbose_name_plural = _("revenue per day")
