"""Every write of the wallet, by topic. This module only re-exports them, so `payments.services.<name>` keeps
working for the other apps and the tests; new code may import from the topic module directly.

- payments/tenders.py      paying with chosen tenders, refunds, cash credits
- payments/settlement.py   the set-based settlement of bills (its SQL: payments/settlement_sql.py)
- payments/cards.py        buying prepaid cards
- payments/vouchers.py     issuing vouchers, activation code batches, activating a code
- payments/recharges.py    online and offline recharges, finance's decisions, gateway callbacks
- payments/maintenance.py  expiry of cards and vouchers, finance's manual adjustments
- payments/ledger.py       the ledger-entry writer and the one cash credit they share
- payments/amounts.py      how amounts are checked (through core.money)
- payments/locks.py        the one place that locks wallets, cards and vouchers, in the one order

Rules: docs/RULES-payments.md.
"""

from payments.cards import MAX_CARDS_PER_PURCHASE, CardPurchase, prepaid_card_buy
from payments.maintenance import instruments_expire, wallet_adjust
from payments.recharges import (
    CallbackOutcome,
    gateway_callback_handle,
    recharge_confirm,
    recharge_reject,
    recharge_start_online,
    recharge_submit_offline,
)
from payments.settlement import SettlementDemand, settle_demands
from payments.tenders import (
    TENDER_KINDS,
    RefundLeg,
    RefundTo,
    TenderSpec,
    cash_credit,
    payment_pay,
    payment_refund,
    payment_refund_preview,
    settle_credit,
)
from payments.vouchers import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_BATCH,
    normalize_code,
    voucher_activate,
    voucher_batch_generate,
    voucher_issue,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MAX_BATCH",
    "MAX_CARDS_PER_PURCHASE",
    "TENDER_KINDS",
    "CallbackOutcome",
    "CardPurchase",
    "RefundLeg",
    "RefundTo",
    "SettlementDemand",
    "TenderSpec",
    "cash_credit",
    "gateway_callback_handle",
    "instruments_expire",
    "normalize_code",
    "payment_pay",
    "payment_refund",
    "payment_refund_preview",
    "prepaid_card_buy",
    "recharge_confirm",
    "recharge_reject",
    "recharge_start_online",
    "recharge_submit_offline",
    "settle_credit",
    "settle_demands",
    "voucher_activate",
    "voucher_batch_generate",
    "voucher_issue",
    "wallet_adjust",
]
