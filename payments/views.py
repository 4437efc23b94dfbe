"""Fee Center pages of the wallet under /a/<account_id>/wallet/..., and the sandbox gateway's payment page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core import formatting
from core.exceptions import ApplicationError
from core.idempotency import IdempotentPageMixin
from core.models import FinanceSettings
from core.money import parse_page_amount
from core.pagination import EstimatedCountPaginator
from core.parsing import parse_id
from payments import selectors
from payments.cards import prepaid_card_buy
from payments.exports import ledger_csv_response
from payments.forms import LedgerFilterForm
from payments.gateways import online_payment_available, sandbox_enabled
from payments.gateways.sandbox import signed_payload
from payments.ledger_display import ledger_rows
from payments.models import CardGiftTier, Recharge, RechargeMethod, RechargeStatus
from payments.recharges import gateway_callback_handle, recharge_start_online, recharge_submit_offline
from payments.throttling import voucher_activation_allowed
from payments.vouchers import voucher_activate
from workspaces.models import Capability
from workspaces.tenancy import AccountScopedMixin, require, resolve_membership

PAGE_SIZE = 50


def _page(request, queryset):
    return EstimatedCountPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _post_once(view: IdempotentPageMixin, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a money-moving POST once per hidden idempotency key (core.idempotency) and show the work's "message"
    as a success (an ApplicationError is the page's to show: core.pages)."""
    request = view.request  # type: ignore[attr-defined]
    _status, result = view.run_once(lambda: (200, work()))
    if result.get("message"):
        messages.success(request, result["message"])
    return result


def _named_field_errors(error: ApplicationError, names: tuple[str, ...], default: str) -> dict[str, list[str]]:
    """The error's messages for the form's own fields; its message under `default` when it names none of them."""
    fields = {name: [str(m) for m in (value if isinstance(value, list) else [value])]
              for name, value in (error.fields or {}).items() if name in names}
    return fields or {default: [error.message]}


class WalletView(AccountScopedMixin, TemplateView):
    template_name = "payments/wallet.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.wallet_summary(account=self.account)
        context["cards"] = list(selectors.usable_cards(account=self.account)[:20])
        context["vouchers"] = list(selectors.usable_vouchers(account=self.account)[:20])
        context["entries"] = list(selectors.ledger_list(account=self.account)[:10])
        context["ledger_rows"] = ledger_rows(context["entries"], self.account.pk)
        context["pending_recharges"] = list(
            selectors.recharge_list(account=self.account).filter(status=RechargeStatus.PENDING)[:10]
        )
        return context


def _safe_next(request, account_id: int, raw: str | None) -> str:
    """A page of this account to come back to after a recharge (the cashier with its allocation), or ""."""
    raw = (raw or "").strip()
    if raw.startswith(f"/a/{account_id}/") and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}):
        return raw
    return ""


def _page_amount(raw: Any) -> tuple[Any, list[str]]:
    """(amount, []) or (None, [message]): an amount as people type it (core.money.parse_page_amount)."""
    try:
        return parse_page_amount(raw), []
    except ValueError as error:
        return None, [str(error)]


class RechargeView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
    """Recharge online or declare a bank transfer. `?amount=` fills the amount and `?next=` (a page of this
    account, the cashier with its allocation) is where an online payment comes back to. Errors are shown next to
    the field, with what was typed kept."""

    template_name = "payments/recharge.html"
    NEXT_SESSION_KEY = "recharge_next:%s"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.wallet_summary(account=self.account)
        context["page"] = _page(self.request, selectors.recharge_list(account=self.account))
        context["online_available"] = online_payment_available()
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        context.setdefault("next_url", _safe_next(self.request, self.account.pk, source.get("next")))
        context.setdefault("posted", {"method": source.get("method", ""), "amount": source.get("amount", ""),
                                      "transfer_reference": source.get("transfer_reference", "")})
        context.setdefault("field_errors", {})
        return context

    def _refused(self, method: str, field_errors: dict[str, list[str]], status: int = 400):
        errors = {f"{method}_{name}": messages_ for name, messages_ in field_errors.items()}
        return self.render_to_response(self.get_context_data(field_errors=errors), status=status)

    def application_error(self, request, error: ApplicationError):
        """The service's refusal next to the field, with what was typed kept."""
        fields = _named_field_errors(error, ("amount", "transfer_reference"), "amount")
        return self._refused(request.POST.get("method", ""), fields, status=error.status_code)

    def post(self, request, account_id: int):
        method = request.POST.get("method")
        if method == RechargeMethod.ONLINE and not online_payment_available():
            # Said next to the method, on the page itself; nothing is recorded.
            context = self.get_context_data(online_error=_(
                "Online payment is not configured on this Fee Center. Use an offline remittance instead."))
            return self.render_to_response(context, status=409)
        if method not in (RechargeMethod.ONLINE, RechargeMethod.OFFLINE):
            messages.error(request, _("Choose online payment or offline remittance."))
            return redirect("payments-recharge", account_id=self.account.pk)
        amount, amount_errors = _page_amount(request.POST.get("amount"))
        reference = (request.POST.get("transfer_reference") or "").strip()
        errors: dict[str, list[str]] = {"amount": amount_errors} if amount_errors else {}
        if method == RechargeMethod.OFFLINE and not reference:
            errors["transfer_reference"] = [_("Enter the bank transfer reference.")]
        if errors:
            return self._refused(method, errors)
        next_url = _safe_next(request, self.account.pk, request.POST.get("next"))

        def work() -> tuple[int, dict[str, Any]]:
            if method == RechargeMethod.ONLINE:
                recharge, url = recharge_start_online(account=self.account, amount=amount,
                                                               actor=request.user)
                return 200, {"redirect": url, "recharge": recharge.pk}
            recharge = recharge_submit_offline(account=self.account, amount=amount,
                                                        transfer_reference=reference, actor=request.user)
            return 200, {"message": _("Remittance of %(amount)s recorded; finance will confirm it once the "
                                      "transfer arrives.") % {"amount": formatting.money(recharge.amount)}}

        _status, result = self.run_once(work)
        if result.get("redirect"):
            if next_url and result.get("recharge"):
                request.session[self.NEXT_SESSION_KEY % result["recharge"]] = next_url
            return HttpResponseRedirect(result["redirect"])
        messages.success(request, result["message"])
        return redirect("payments-recharge", account_id=self.account.pk)


class CardsView(IdempotentPageMixin, AccountScopedMixin, TemplateView):
    """Buy prepaid cards with the cash balance. The face value is read as people type it ("10,000", "¥10,000");
    errors are shown next to the field, with what was typed kept."""

    template_name = "payments/cards.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.wallet_summary(account=self.account)
        context["page"] = _page(self.request, selectors.card_list(account=self.account))
        context["tiers"] = list(CardGiftTier.objects.order_by("min_purchase"))
        context["validity_days"] = FinanceSettings.load().card_validity_days
        context.setdefault("posted", {"face_value": "10000", "quantity": "1"})
        context.setdefault("field_errors", {})
        return context

    def post(self, request, account_id: int):
        face, face_errors = _page_amount(request.POST.get("face_value"))
        raw_quantity = (request.POST.get("quantity") or "1").strip()
        quantity = parse_id(raw_quantity, max_digits=4)  # ASCII digits only
        errors: dict[str, list[str]] = {"face_value": face_errors} if face_errors else {}
        if quantity is None:
            errors["quantity"] = [_("Enter a whole number of cards.")]

        def work() -> tuple[int, dict[str, Any]]:
            # work() runs only without errors: quantity is then a number
            purchase = prepaid_card_buy(account=self.account, face_value=face, quantity=cast(int, quantity),
                                                 actor=request.user)
            message = _("Bought %(n)s prepaid card(s) for %(total)s.") % {
                "n": len(purchase.cards), "total": formatting.money(purchase.total)}
            if purchase.gift_voucher:
                message += " " + _("You received a full-reduction voucher of %(value)s.") % {
                    "value": formatting.money(purchase.gift_voucher.face_value)}
            return 200, {"message": message}

        if errors:
            return self._refused(request, errors, status=400)
        _status, result = self.run_once(work)
        messages.success(request, result["message"])
        return redirect("payments-cards", account_id=self.account.pk)

    def application_error(self, request, error: ApplicationError):
        return self._refused(request, _named_field_errors(error, ("face_value", "quantity"), "form"),
                             status=error.status_code)

    def _refused(self, request, errors: dict[str, list[str]], *, status: int):
        """The form again with what was typed kept and each error next to its field."""
        posted = {"face_value": request.POST.get("face_value", ""),
                  "quantity": (request.POST.get("quantity") or "1").strip()}
        return self.render_to_response(self.get_context_data(posted=posted, field_errors=errors), status=status)


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
            voucher = voucher_activate(account=self.account, code=request.POST.get("code", ""),
                                                actor=request.user)
            return {"message": _("Code activated: a voucher of %(value)s, valid until %(until)s.") % {
                "value": formatting.money(voucher.face_value),
                "until": formatting.day(voucher.valid_until, self.account)}}

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
        page = _page(request, entries)
        context = self.get_context_data(form=form, page=page, query=request.GET.urlencode(),
                                        ledger_rows=ledger_rows(page.object_list, self.account.pk))
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
        result = gateway_callback_handle(provider="sandbox", data=payload)
        next_url = request.session.pop(RechargeView.NEXT_SESSION_KEY % recharge.pk, "")
        if result.outcome == "succeeded":
            messages.success(request, _("Recharge of %(amount)s succeeded.")
                             % {"amount": formatting.money(recharge.amount)})
            if next_url:  # started from the cashier: back to it, with the allocation
                return redirect(next_url)
        elif result.outcome == "failed":
            messages.error(request, _("The payment failed; nothing was charged."))
        else:
            messages.warning(request, _("This payment was already processed."))
        return redirect(back)
