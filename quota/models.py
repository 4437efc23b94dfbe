"""Usage and the nightly deduction: usage records, daily bills with their lines, and each settlement run.

Quantities are integers in the item's unit; amounts CNY with two places, each line rounded half up."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.formatting import format_cny
from core.money import money_field, price_field
from core.querysets import AccountScopedQuerySet


class UsageRecord(models.Model):
    """One workspace's reported quantity of one billing item on one day (account time zone). Upserted."""

    # One composite foreign key (workspace_id, account_id) -> the workspace's (id, account_id) stands for both
    # (migration 0008): the workspace exists and the record's account is that workspace's account. One check
    # per inserted row instead of two, and a stronger invariant than two separate keys.
    # Its index is (account, day) below (migration 0013): it serves every lookup by account, and the admin's
    # search by account in the order of its days.
    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
        verbose_name=_("account"),
    )
    # (workspace, billing_item, day) is unique: that index serves lookups by workspace too.
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="usage", db_index=False, db_constraint=False,
        verbose_name=_("workspace")
    )
    billing_item = models.ForeignKey(
        "plans.BillingItem", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("billing item"),
    )
    day = models.DateField(verbose_name=_("day"))
    quantity = models.BigIntegerField(verbose_name=_("quantity"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        # In PostgreSQL the table is partitioned by month on `day` (migration 0005, quota/partitions.py): the
        # primary key there is (id, day), and every unique constraint must include `day`, as this one does.
        constraints = [
            models.UniqueConstraint(fields=["workspace", "billing_item", "day"], name="usage_unique_per_day"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="usage_quantity_non_negative"),
        ]
        indexes = [
            models.Index(fields=["day", "account"]),
            models.Index(fields=["account", "day"], name="quota_usage_account_day_idx"),
        ]

    def __str__(self) -> str:
        return gettext("%(day)s · workspace %(workspace)s · %(quantity)s") % {
            "day": f"{self.day:%Y-%m-%d}", "workspace": self.workspace_id, "quantity": f"{self.quantity:,}"}


class Bill(models.Model):
    """The daily bill of an account: one per account and day. `total` is the sum of the current lines;
    `charged` the sum of its settlements (re-runs settle only `total - charged`)."""

    account = models.ForeignKey(
        "workspaces.Account", on_delete=models.PROTECT, related_name="bills", verbose_name=_("account"),
    )
    day = models.DateField(verbose_name=_("day"))
    total = money_field(verbose_name=_("total"))
    voucher_payable_total = money_field(
        help_text=_("the part of the total vouchers may pay (all but SMS)"), verbose_name=_("voucher payable total"),
    )
    charged = money_field(verbose_name=_("charged"))
    voucher_payable_charged = money_field(
        help_text=_("the part of `charged` that vouchers were allowed to pay (re-runs settle the difference)"),
        verbose_name=_("voucher payable charged")
    )
    runs = models.PositiveIntegerField(default=1, verbose_name=_("runs"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily bill")
        verbose_name_plural = _("daily bills")
        ordering = ["-day", "-id"]
        # finance's list of every account's bills, newest first, and its date drill-down (first and last day)
        indexes = [models.Index(fields=["day", "id"], name="bill_day")]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="bill_unique_account_day"),
            models.CheckConstraint(condition=Q(total__gte=0), name="bill_total_non_negative"),
            models.CheckConstraint(
                condition=Q(voucher_payable_total__lte=F("total")) & Q(voucher_payable_total__gte=0),
                name="bill_voucher_part_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"


class BillLine(models.Model):
    """One workspace and billing item on a bill. Convention (docs/RULES-quota.md):
    amount = round_half_up(overage / pricing_unit * unit_price, 2,
    verbose_name=_("amount")) on every line. For a workspace a package
    covers, `overage` is converted usage no capacity covered and `unit_price` the default policy's price; for an
    uncovered commercial workspace `package` is null, nothing is covered, `overage` is the raw usage and
    `unit_price` its own policy's price."""

    # Only the unique (bill, workspace, billing_item) index and no database FK constraints: the night inserts
    # 500,000 of these rows from one SELECT that joins the very bill, workspace, item, policy and package rows
    # it references (valid by construction), and per-row FK checks and single-column indexes cost more than
    # the allocation itself. Django still cascades/PROTECTs on delete (bills are never deleted: settlements
    # PROTECT them); quota.reconcile reports any orphan (docs/RULES-quota.md).
    bill = models.ForeignKey(
        Bill, on_delete=models.CASCADE, related_name="lines", db_index=False, db_constraint=False,
        verbose_name=_("bill")
    )
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
        verbose_name=_("workspace")
    )
    billing_item = models.ForeignKey(
        "plans.BillingItem", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
        verbose_name=_("billing item")
    )
    storage_policy = models.ForeignKey(
        "plans.StoragePolicy", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False,
        verbose_name=_("storage policy")
    )
    package = models.ForeignKey(
        "orders.Package", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
verbose_name=_("package"),
    )
    # The bill's day, denormalised: the table is partitioned by month on it (migration 0010), so every read of
    # lines filters on it as well as on the bill. Database triggers keep it equal to the bill's day.
    day = models.DateField(_("day"), editable=False, help_text=_("Its bill's day (the partition key)."))
    usage = models.BigIntegerField(verbose_name=_("usage"))
    factor = models.PositiveSmallIntegerField(verbose_name=_("factor"))
    converted = models.BigIntegerField(verbose_name=_("converted"))
    covered_by_package = models.BigIntegerField(default=0, verbose_name=_("covered by package"))
    covered_by_traffic = models.BigIntegerField(default=0, verbose_name=_("covered by traffic"))
    overage = models.BigIntegerField(default=0, verbose_name=_("overage"))
    unit_price = price_field(verbose_name=_("unit price"))
    amount = money_field(verbose_name=_("amount"))

    class Meta:
        verbose_name = _("daily bill line")
        verbose_name_plural = _("daily bill lines")
        ordering = ["bill_id", "workspace_id", "billing_item__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "workspace", "billing_item", "day"], name="bill_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="bill_line_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(covered_by_package__gte=0) & Q(covered_by_traffic__gte=0) & Q(overage__gte=0),
                name="bill_line_quantities_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return gettext("workspace %(workspace)s · %(amount)s") % {
            "workspace": self.workspace_id, "amount": format_cny(self.amount)}

    def save(self, *args, **kwargs) -> None:
        """A line written through the ORM (admin, tests) takes its bill's day, the partition key, when none was
        given; the night's set-based INSERT writes it itself, and the triggers refuse any other day."""
        if self.day is None and self.bill_id is not None:
            self.day = self.bill.day
        super().save(*args, **kwargs)


class BillSettlement(models.Model):
    """One settlement of a bill: the first night, then each re-run that changed the total (the difference,
    positive as a charge, negative as a credit back)."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("bill"))
    sequence = models.PositiveIntegerField(verbose_name=_("sequence"))
    amount = money_field(verbose_name=_("amount"))
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="bill_settlement",
        verbose_name=_("payment")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("bill settlement")
        verbose_name_plural = _("bill settlements")
        ordering = ["bill_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "sequence"], name="bill_settlement_unique_sequence"),
            models.CheckConstraint(condition=~Q(amount=0), name="bill_settlement_non_zero"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} · {format_cny(self.amount)}"


class NightMark(models.Model):
    """The last day whose night ran for an account (the hourly beat starts the nights not yet run)."""

    account = models.OneToOneField(
        "workspaces.Account", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("account"),
    )
    last_day = models.DateField(verbose_name=_("last day"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("night mark")
        verbose_name_plural = _("night marks")

    def __str__(self) -> str:
        return f"{self.account_id} {self.last_day}"


class ServiceToken(models.Model):
    """A token the metering pipeline uses to post usage. Only its SHA-256 is stored."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        verbose_name = _("service token")
        verbose_name_plural = _("service tokens")

    def __str__(self) -> str:
        return self.name
