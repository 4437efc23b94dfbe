"""The demo's wallet (`manage.py seed_demo`), with no payment gateway involved: every recharge is an offline
remittance (a bank transfer the owner declares) that finance confirms, through the same services as admin.

- `first_recharge`: on the story's first day, 50,000.00 to pay as you go (Workspace A logs heavily).
- `seed`: the day before the package starts, 600,000.00 (declared the evening before, confirmed by finance in
  the morning), a 30,000.00 prepaid card bought with cash (it earns the 5,000.00 full-reduction voucher), a
  2,000.00 welcome voucher from finance and finance's five 500.00 activation codes.
- Finance's notes and memos are stored in English and marked for translation, so the demo reads in the reader's
  language (pages translate a stored note or memo that is a catalogued phrase; anything else shows as written).
- `reset`, `summary`: the code batch (the only demo data outside an account) and the balances, from the data.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext_noop

from core.demo import purge
from payments import selectors
from payments.cards import prepaid_card_buy
from payments.models import Voucher, VoucherCodeBatch, VoucherStatus
from payments.recharges import recharge_confirm, recharge_submit_offline
from payments.vouchers import voucher_batch_generate, voucher_issue

BATCH_NAME = "Demo activation codes"


def _remittance(context: dict, amount: str, reference: str, declared, confirmed) -> None:
    clock, account = context["clock"], context["account"]
    with clock.at(*declared):
        recharge = recharge_submit_offline(account=account, amount=Decimal(amount),
                                                    transfer_reference=reference, actor=context["users"]["owner"])
    with clock.at(*confirmed):
        recharge_confirm(recharge=recharge, actor=context["finance"], note=gettext_noop("Seen on the bank statement"))


def first_recharge(context: dict) -> None:
    day = context["first_day"]
    _remittance(context, "50000", "DEMO-BANK-0001", (day, 9, 30), (day, 11))


def seed(context: dict) -> None:
    clock, account, owner = context["clock"], context["account"], context["users"]["owner"]
    day = context["purchase_day"]
    _remittance(context, "600000", "DEMO-BANK-0002", (day - timedelta(days=1), 17), (day, 9))
    with clock.at(day, 9, 30) as now:
        voucher_issue(account=account, face_value=Decimal("2000"), valid_until=now + timedelta(days=180),
                               actor=context["finance"], memo=gettext_noop("Welcome voucher"))
        voucher_batch_generate(name=BATCH_NAME, face_value=Decimal("500"), quantity=5,
                                        valid_until=now + timedelta(days=90), actor=context["finance"])
    with clock.at(day, 10):
        prepaid_card_buy(account=account, face_value=Decimal("30000"), quantity=1, actor=owner)


def reset(context: dict) -> None:
    purge(VoucherCodeBatch.objects.filter(name=BATCH_NAME))


def summary(context: dict) -> list[str]:
    lines = []
    for account in context.get("summary_accounts", []):
        wallet = selectors.wallet_summary(account=account)
        lines.append(
            f"Wallet of {account.name}: cash {wallet.cash_balance:,.2f}, arrears {wallet.arrears:,.2f}, "
            f"{wallet.card_count} prepaid card(s) {wallet.card_balance:,.2f}, "
            f"{wallet.voucher_count} voucher(s) {wallet.voucher_balance:,.2f}"
        )
    codes = list(Voucher.objects.filter(batch__name=BATCH_NAME, status=VoucherStatus.UNACTIVATED)
                 .order_by("code").values_list("code", flat=True)[:3])
    if codes:
        lines.append("Unused voucher activation codes (500.00 each): " + ", ".join(codes))
    return lines
