"""Fee Center pages of the wallet under /a/<account_id>/wallet/..., and the sandbox gateway's payment page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.idempotency import IdempotentPageMixin
from core.models import FinanceSettings
from core.money import format_cny, parse_amount
from core.parsing import parse_id
from workspaces.tenancy import AccountScopedMixin, require, resolve_membership
from payments import selectors, services
from payments.error_codes import PaymentsErrorCode as Code
from payments.exports import ledger_csv_response
from payments.forms import LedgerFilterForm
from payments.gateways import online_payment_available, sandbox_enabled
from payments.gateways.sandbox import signed_payload
from payments.models import CardGiftTier, Recharge, RechargeMethod, RechargeStatus
from payments.throttling import voucher_activation_allowed
from workspaces.models import Capability

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _post_once(view: IdempotentPageMixin, work: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """Run a money-moving POST once per hidden idempotency key (core.idempotency) and show its outcome: the
    work's "message" as a success, an ApplicationError's message as an error (then None)."""
    request = view.request  # type: ignore[attr-defined]
    try:
        _status, result = view.run_once(lambda: (200, work()))
    except ApplicationError as error:
        messages.error(request, error.message)
        return None
    if result.get("message"):
        messages.success(request, result["message"])
    return result


def _amount(raw: Any) -> Any:
    try:
        return parse_amount(raw)
    except ValueError as error:
        raise ApplicationError(_("Amount: %(error)s") % {"error": error}, code=Code.INVALID_AMOUNT) from None


class WalletView(AccountScopedMixin, TemplateView):
    template_name = "payments/wallet.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.wallet_summary(account=self.account)
        context["cards"] = list(selectors.usable_cards(account=self.account)[:20])
        context["vouchers"] = list(selectors.usable_vouchers(account=self.account)[:20])
        context["entries"] = list(selectors.ledger_list(account=self.account)[:10])
        context["pending_recharges"] = list(
            selectors.recharge_list(account=self.account).filter(status=RechargeStatus.PENDING)[:10]
        )
        return context


class RechargeView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
    template_name = "payments/recharge.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.wallet_summary(account=self.account)
        context["page"] = _page(self.request, selectors.recharge_list(account=self.account))
        context["online_available"] = online_payment_available()
        return context

    def post(self, request, account_id: int):
        method = request.POST.get("method")
        if method == RechargeMethod.ONLINE and not online_payment_available():
            # Said next to the method, on the page itself; nothing is recorded.
            context = self.get_context_data(online_error=_(
                "Online payment is not configured on this Fee Center. Use an offline remittance instead."))
            return self.render_to_response(context, status=409)

        def work() -> dict[str, Any]:
            amount = _amount(request.POST.get("amount"))
            if method == RechargeMethod.ONLINE:
                recharge, url = services.recharge_start_online(account=self.account, amount=amount,
                                                               actor=request.user)
                return {"redirect": url, "recharge": recharge.pk}
            if method == RechargeMethod.OFFLINE:
                recharge = services.recharge_submit_offline(
                    account=self.account, amount=amount, transfer_reference=request.POST.get("transfer_reference", ""),
                    actor=request.user,
                )
                return {"message": _("Remittance of %(amount)s recorded; finance will confirm it once the transfer "
                                     "arrives.") % {"amount": format_cny(recharge.amount)}}
            raise ApplicationError(_("Choose online payment or offline remittance."), code=Code.INVALID_METHOD)

        result = _post_once(self, work)
        if result and result.get("redirect"):
            return HttpResponseRedirect(result["redirect"])
        return redirect("payments-recharge", account_id=self.account.pk)


class CardsView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
    template_name = "payments/cards.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.wallet_summary(account=self.account)
        context["page"] = _page(self.request, selectors.card_list(account=self.account))
        context["tiers"] = list(CardGiftTier.objects.order_by("min_purchase"))
        context["validity_days"] = FinanceSettings.load().card_validity_days
        return context

    def post(self, request, account_id: int):
        def work() -> dict[str, Any]:
            face = _amount(request.POST.get("face_value"))
            quantity = parse_id(request.POST.get("quantity") or "1", max_digits=4)  # ASCII digits only
            if quantity is None:
                raise ApplicationError(_("Enter a whole number of cards."), code=Code.INVALID_QUANTITY)
            purchase = services.prepaid_card_buy(account=self.account, face_value=face, quantity=quantity,
                                                 actor=request.user)
            message = _("Bought %(n)s prepaid card(s) for %(total)s.") % {
                "n": len(purchase.cards), "total": format_cny(purchase.total)}
            if purchase.gift_voucher:
                message += " " + _("You received a full-reduction voucher of %(value)s.") % {
                    "value": format_cny(purchase.gift_voucher.face_value)}
            return {"message": message}

        _post_once(self, work)
        return redirect("payments-cards", account_id=self.account.pk)


class VouchersView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
    template_name = "payments/vouchers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.wallet_summary(account=self.account)
        context["page"] = _page(self.request, selectors.voucher_list(account=self.account))
        return context

    def post(self, request, account_id: int):
        allowed, wait = voucher_activation_allowed(request, self)  # the API's limit (payments/throttling.py)
        if not allowed:
            context = self.get_context_data(code_error=_(
                "Too many activation attempts. Try again in %(seconds)s seconds.") % {"seconds": wait or 60})
            return self.render_to_response(context, status=429)

        def work() -> dict[str, Any]:
            voucher = services.voucher_activate(account=self.account, code=request.POST.get("code", ""),
                                                actor=request.user)
            return {"message": _("Code activated: a voucher of %(value)s, valid until %(until)s.") % {
                "value": format_cny(voucher.face_value), "until": f"{voucher.valid_until:%Y-%m-%d}"}}

        _post_once(self, work)
        return redirect("payments-vouchers", account_id=self.account.pk)


class LedgerView(AccountScopedMixin, TemplateView):
    """Revenue and expenditure details with date filters; ?format=csv exports the filtered list."""

    template_name = "payments/ledger.html"

    def get(self, request, *args, **kwargs):
        form = LedgerFilterForm(request.GET or None)
        filters: dict[str, Any] = {}
        if form.is_bound and form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        entries = selectors.ledger_list(account=self.account, **filters)
        if request.GET.get("format") == "csv":
            return ledger_csv_response(entries, self.account)
        context = self.get_context_data(form=form, page=_page(request, entries),
                                        query=request.GET.urlencode())
        return self.render_to_response(context)


class SandboxPayView(LoginRequiredMixin, TemplateView):
    """The sandbox gateway's payment page: it stands in for the bank. "Pay" or "Fail" posts a signed callback
    to the callback service in-process (never an outside address), then sends the payer back to the Fee
    Center."""

    template_name = "payments/sandbox_pay.html"

    def dispatch(self, request, *args, **kwargs):
        if not sandbox_enabled():  # decided per request: off unless PAYMENT_SANDBOX_ENABLED
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _recharge(self, reference: str) -> Recharge:
        recharge = (Recharge.objects.select_related("account")
                    .filter(gateway_reference=reference, provider="sandbox", method=RechargeMethod.ONLINE).first())
        if recharge is None:
            raise Http404
        membership = resolve_membership(self.request.user, recharge.account_id)  # a stranger sees nothing
        require(membership, Capability.VIEW_BILLING)  # a Member has no billing access at all
        return recharge

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recharge"] = self._recharge(kwargs["reference"])
        return context

    def post(self, request, reference: str):
        recharge = self._recharge(reference)
        membership = resolve_membership(request.user, recharge.account_id)  # the same lookup, for its role
        back = reverse("payments-recharge", kwargs={"account_id": recharge.account_id})
        if not membership.can(Capability.SPEND):
            messages.error(request, _("Your role in this account does not allow this."))
            return redirect(back)
        outcome = "succeeded" if request.POST.get("action") == "pay" else "failed"
        payload = signed_payload(reference=reference, status=outcome, amount=recharge.amount)
        result = services.gateway_callback_handle(provider="sandbox", data=payload)
        if result.outcome == "succeeded":
            messages.success(request, _("Recharge of %(amount)s succeeded.") % {"amount": format_cny(recharge.amount)})
        elif result.outcome == "failed":
            messages.error(request, _("The payment failed; nothing was charged."))
        else:
            messages.warning(request, _("This payment was already processed."))
        return redirect(back)
