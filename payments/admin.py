"""Finance's admin of the wallet. Balances are never edited here: every money movement is an action or a form
that calls a service (ledger entry included). Ledger, payments, cards and vouchers are read-only."""

from __future__ import annotations

from functools import partial
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import (
    FinanceModelAdmin,
    FinanceTabularInline,
    IdSearchMixin,
    NoDeleteAdminMixin,
    ReadOnlyAdminMixin,
)
from core.csv import csv_response
from core.finance import FINANCE_GROUP
from payments.maintenance import wallet_adjust
from payments.models import (
    CardGiftTier,
    GatewayCallback,
    LedgerEntry,
    Payment,
    PaymentTender,
    PrepaidCard,
    Recharge,
    RechargeMethod,
    RechargeStatus,
    Voucher,
    VoucherCodeBatch,
    Wallet,
)
from payments.recharges import recharge_confirm, recharge_reject
from payments.vouchers import voucher_batch_generate, voucher_issue


def can_adjust(user) -> bool:
    return user.is_active and user.is_staff and (
        user.is_superuser or user.has_perm("payments.adjust_wallet")
        or user.groups.filter(name=FINANCE_GROUP).exists()
    )


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (positive credits, negative debits the cash balance)"),
                                max_digits=16, decimal_places=2)
    reason = forms.CharField(label=_("Reason (mandatory, shown in the ledger)"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["account", "cash_balance", "arrears", "arrears_since", "updated_at", "adjust_link"]
    search_fields = ["account__name", "account__id"]
    list_select_related = ["account"]
    readonly_fields = ["account", "cash_balance", "arrears", "arrears_since", "updated_at", "adjust_link"]

    @admin.display(description=_("Manual adjustment"))
    def adjust_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_wallet_adjust", args=[obj.pk]),
                           _("Adjust cash"))

    def get_urls(self):
        return [path("<int:wallet_id>/adjust/", self.admin_site.admin_view(self.adjust_view),
                     name="payments_wallet_adjust"), *super().get_urls()]

    def adjust_view(self, request, wallet_id: int):
        if not can_adjust(request.user):
            raise PermissionDenied
        wallet = get_object_or_404(Wallet.objects.select_related("account"), pk=wallet_id)
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            adjusted, _none = self.run_service(
                request, lambda: wallet_adjust(account=wallet.account, amount=form.cleaned_data["amount"],
                                                        reason=form.cleaned_data["reason"], actor=request.user),
                success=_("Adjustment recorded in the ledger."))
            if adjusted:
                return HttpResponseRedirect(reverse("admin:payments_wallet_change", args=[wallet.pk]))
        context = {**self.admin_site.each_context(request), "title": _("Adjust the cash balance"),
                   "wallet": wallet, "form": form, "opts": self.model._meta}
        return TemplateResponse(request, "payments/admin/adjust.html", context)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Reason for the rejection"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Recharge)
class RechargeAdmin(NoDeleteAdminMixin, FinanceModelAdmin):
    list_display = ["id", "account", "method", "amount", "status", "transfer_reference", "provider", "created_at",
                    "decided_by"]
    list_filter = ["method", "status"]
    search_fields = ["account__name", "transfer_reference", "gateway_reference"]
    list_select_related = ["account", "decided_by"]
    actions = ["confirm_remittances", "reject_remittances"]
    fields = ["account", "method", "status", "amount", "provider", "gateway_reference", "transfer_reference",
              "requested_by", "decided_by", "decision_note", "created_at", "completed_at"]
    readonly_fields = cast(list[str], fields)  # field names only

    @admin.action(description=_("Confirm the selected offline remittances (credit cash once)"),
                  permissions=["change"])
    def confirm_remittances(self, request, queryset):
        done = 0
        for recharge in queryset.order_by("pk"):
            if self.run_service(request, partial(recharge_confirm, recharge=recharge, actor=request.user),
                                subject=f"#{recharge.pk}")[0]:
                done += 1
        if done:
            self.message_user(request, _("%(n)d remittance(s) confirmed and credited.") % {"n": done},
                              messages.SUCCESS)

    @admin.action(description=_("Reject the selected offline remittances"), permissions=["change"])
    def reject_remittances(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for recharge in queryset.order_by("pk"):
                if self.run_service(request, partial(recharge_reject, recharge=recharge, actor=request.user,
                                                     note=form.cleaned_data["note"]),
                                    subject=f"#{recharge.pk}")[0]:
                    done += 1
            if done:
                self.message_user(request, _("%(n)d remittance(s) rejected.") % {"n": done}, messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": _("Reject remittances"), "form": form,
                   "recharges": queryset.filter(method=RechargeMethod.OFFLINE, status=RechargeStatus.PENDING),
                   "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME), "opts": self.model._meta}
        return TemplateResponse(request, "payments/admin/reject_remittances.html", context)


class VoucherIssueForm(forms.ModelForm):
    memo = forms.CharField(required=False, max_length=500, label=_("Memo (shown in the ledger)"))

    class Meta:
        model = Voucher
        fields = ["account", "face_value", "valid_from", "valid_until"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Read-only list; "Add" issues an ordinary voucher to an account through the service (ledger entry)."""

    list_display = ["id", "code", "account", "kind", "status", "face_value", "balance", "valid_from", "valid_until",
                    "batch"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "account__name"]
    list_select_related = ["account", "batch"]
    autocomplete_fields = ["account"]
    # adding issues through the service; never change (ModelAdmin's own: the mixin's signature also serves inlines)
    has_add_permission = admin.ModelAdmin.has_add_permission  # type: ignore[assignment]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = VoucherIssueForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["account", "face_value", "valid_from", "valid_until", "memo"]
        return ["account", "kind", "status", "face_value", "balance", "valid_from", "valid_until", "code", "batch",
                "activated_at", "activated_by", "issued_by", "source_payment", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        voucher = voucher_issue(
            account=form.cleaned_data["account"], face_value=form.cleaned_data["face_value"],
            valid_from=form.cleaned_data["valid_from"], valid_until=form.cleaned_data["valid_until"],
            actor=request.user, memo=form.cleaned_data.get("memo") or "",
        )
        obj.pk = voucher.pk
        obj._state.adding = False


class VoucherCodeBatchForm(forms.ModelForm):
    class Meta:
        model = VoucherCodeBatch
        fields = ["name", "face_value", "quantity", "valid_from", "valid_until"]


@admin.register(VoucherCodeBatch)
class VoucherCodeBatchAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """"Add" generates a batch of activation codes; each batch offers its codes as CSV."""

    form = VoucherCodeBatchForm
    list_display = ["id", "name", "face_value", "quantity", "valid_from", "valid_until", "created_by", "created_at",
                    "codes_link"]
    list_select_related = ["created_by"]
    # adding generates through the service (ModelAdmin's own: the mixin's signature also serves inlines)
    has_add_permission = admin.ModelAdmin.has_add_permission  # type: ignore[assignment]

    @admin.display(description=_("Codes"))
    def codes_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_vouchercodebatch_codes", args=[obj.pk]),
                           _("Download CSV"))

    def get_readonly_fields(self, request, obj=None):
        return ["name", "face_value", "quantity", "valid_from", "valid_until", "codes_link"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        batch = voucher_batch_generate(
            name=data["name"], face_value=data["face_value"], quantity=data["quantity"],
            valid_from=data["valid_from"], valid_until=data["valid_until"], actor=request.user,
        )
        obj.pk = batch.pk
        obj._state.adding = False

    def get_urls(self):
        return [path("<int:batch_id>/codes.csv", self.admin_site.admin_view(self.codes_view),
                     name="payments_vouchercodebatch_codes"), *super().get_urls()]

    def codes_view(self, request, batch_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(VoucherCodeBatch, pk=batch_id)
        rows = (
            [v.code, v.face_value, v.valid_from, v.valid_until, v.status, v.account_id, v.activated_at]
            for v in batch.vouchers.order_by("code").iterator()
        )
        return csv_response(filename=f"voucher-codes-{batch.pk}.csv",
                            header=["code", "face_value", "valid_from", "valid_until", "status", "account_id",
                                    "activated_at"], rows=rows)


@admin.register(PrepaidCard)
class PrepaidCardAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["number", "account", "face_value", "balance", "status", "purchased_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["number", "account__name"]
    list_select_related = ["account"]


class PaymentTenderInline(ReadOnlyAdminMixin, FinanceTabularInline):
    model = PaymentTender
    extra = 0
    can_delete = False
    fields = ["kind", "card", "voucher", "amount"]
    readonly_fields = cast(list[str], fields)  # field names only


# What a payment or ledger entry came from, as finance reads it (the column keeps the code).
SOURCE_TYPE_LABELS = {
    "bill": _("daily bill"), "recharge": _("recharge"), "card_purchase": _("prepaid card purchase"),
    "order": _("order"), "expiry": _("expiry"), "adjustment": _("adjustment"), "voucher_issue": _("voucher issue"),
    "voucher_code": _("voucher code"), "payment": _("payment"),
}


def source_type_label(obj) -> str:
    return str(SOURCE_TYPE_LABELS.get(obj.source_type, obj.source_type))


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["id", "account", "purpose", "source_type", "source_id", "amount", "refunded_payment",
                    "created_at"]
    field_displays = {"source_type": source_type_label}
    list_filter = ["purpose"]
    search_fields = ["account__name", "source_id"]
    list_select_related = ["account", "refunded_payment"]
    inlines = [PaymentTenderInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(IdSearchMixin, ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["id", "created_at", "account", "amount", "balance_after", "balance_kind", "reason", "card",
                    "voucher", "source_type", "source_id", "memo"]
    field_displays = {"source_type": source_type_label}
    list_filter = ["balance_kind", "reason"]
    search_fields = ["account_id", "id"]  # exact ids on indexed columns (a big table)
    list_select_related = ["account", "card", "voucher"]
    date_hierarchy = "created_at"


@admin.register(GatewayCallback)
class GatewayCallbackAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["id", "provider", "outcome", "signature_valid", "recharge", "received_at"]
    list_select_related = ["recharge"]
    list_filter = ["provider", "outcome", "signature_valid"]


@admin.register(CardGiftTier)
class CardGiftTierAdmin(FinanceModelAdmin):
    list_display = ["min_purchase", "voucher_value"]
