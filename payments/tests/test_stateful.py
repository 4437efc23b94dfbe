"""Hypothesis stateful test: any sequence of recharges, card purchases, payments, refunds, settlements and
expiries keeps every balance equal to the sum of its ledger entries, and cards and vouchers never negative."""

from decimal import Decimal

import pytest
from django.db.models import Min
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.exceptions import ApplicationError
from payments.cards import prepaid_card_buy
from payments.gateways.sandbox import signed_payload
from payments.maintenance import instruments_expire
from payments.models import Payment, PrepaidCard, Voucher, Wallet
from payments.recharges import gateway_callback_handle, recharge_start_online
from payments.reconcile import check_balances
from payments.settlement import SettlementDemand, settle_demands
from payments.tenders import TenderSpec, payment_pay, payment_refund
from payments.tests.factories import expire_now, give_voucher
from tests.factories import AccountFactory, MembershipFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000"), places=2)


class Wallet_(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.account = AccountFactory()
        self.owner = MembershipFactory(account=self.account, role=Role.OWNER).user
        self.sequence = 0

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence

    @rule(amount=amounts)
    def recharge(self, amount):
        recharge, _url = recharge_start_online(account=self.account, amount=amount, actor=self.owner)
        gateway_callback_handle(provider="sandbox", data=signed_payload(
            reference=recharge.gateway_reference, status="succeeded", amount=amount))

    @rule(hundreds=st.integers(min_value=1, max_value=40), quantity=st.integers(min_value=1, max_value=2))
    def buy_card(self, hundreds, quantity):
        try:
            prepaid_card_buy(account=self.account, face_value=Decimal(hundreds * 100), quantity=quantity,
                             actor=self.owner)
        except ApplicationError as error:
            if error.code != "insufficient_balance":  # the one refusal allowed; anything else fails the run
                raise

    @rule(amount=amounts)
    def issue_voucher(self, amount):
        give_voucher(self.account, amount)

    @rule(cash=st.one_of(st.none(), amounts), card=st.one_of(st.none(), amounts),
          voucher=st.one_of(st.none(), amounts), pick=st.integers(min_value=0, max_value=5))
    def pay(self, cash, card, voucher, pick):
        tenders = []
        if cash is not None:
            tenders.append(TenderSpec("cash", cash))
        cards = list(PrepaidCard.objects.for_account(self.account).order_by("pk").values_list("pk", flat=True))
        vouchers = list(Voucher.objects.for_account(self.account).order_by("pk").values_list("pk", flat=True))
        if card is not None and cards:
            tenders.append(TenderSpec("card", card, cards[pick % len(cards)]))
        if voucher is not None and vouchers:
            tenders.append(TenderSpec("voucher", voucher, vouchers[pick % len(vouchers)]))
        if not tenders:
            return
        total = sum(t.amount for t in tenders)
        before = Payment.objects.count()
        try:
            payment_pay(account=self.account, amount=total, tenders=tenders, purpose="order", source_type="order",
                        source_id=self._next(), actor=self.owner)
        except ApplicationError:
            assert Payment.objects.count() == before

    @rule(amount=amounts, sms=st.decimals(min_value=0, max_value=Decimal("50"), places=2))
    def settle(self, amount, sms):
        vpa = max(Decimal("0"), amount - sms)
        settle_demands(demands=[SettlementDemand(self.account.pk, amount, vpa, "bill", self._next())])

    @rule()
    def refund_latest(self):
        payment = Payment.objects.for_account(self.account).filter(purpose="order", refund__isnull=True).first()
        if payment is not None:
            payment_refund(payment=payment, actor=None, reason="test")

    @rule(kind=st.sampled_from(["card", "voucher"]))
    def expire_one(self, kind):
        model = PrepaidCard if kind == "card" else Voucher
        first = model.objects.for_account(self.account).exclude(status="expired").aggregate(pk=Min("pk"))["pk"]
        if first is not None:
            expire_now(model.objects.get(pk=first))
            instruments_expire()

    @invariant()
    def balances_equal_ledger(self):
        assert check_balances() == []

    @invariant()
    def nothing_negative(self):
        assert not PrepaidCard.objects.filter(balance__lt=0).exists()
        assert not Voucher.objects.filter(balance__lt=0).exists()
        wallet = Wallet.objects.get(account=self.account)
        assert wallet.cash_balance >= 0 and wallet.arrears >= 0


def test_wallet_state_machine():
    run_state_machine_as_test(
        Wallet_,
        settings=settings(max_examples=30, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]),
    )
