"""Row locks of the wallet, in the one documented order (docs/ARCHITECTURE.md, docs/RULES-payments.md):

    Wallet rows by account id  ->  PrepaidCard rows by id  ->  Voucher rows by id  ->  documents

Every service that moves money takes its locks through these helpers, inside a transaction, in that order;
`select_for_update` on Wallet, PrepaidCard or Voucher appears nowhere else in Python
(tests/architecture/test_owners.py checks it).

The one exception is set-based: the night's settlement of many bills at once (payments/settlement.py) locks the
rows of all its accounts with SQL `FOR UPDATE` (payments/settlement_sql.py, SETTLE_LOCK), in the same order:
wallets by account id, then cards by id, then vouchers by id, and only then writes payments and ledger
entries. A service that takes these helpers and the settlement can therefore never deadlock each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from payments.models import Payment, PrepaidCard, Recharge, Voucher, Wallet


def lock_wallets(account_ids: Iterable[int]) -> dict[int, Wallet]:
    """Lock the wallets of these accounts (creating a missing one), ordered by account id."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}

    def locked() -> dict[int, Wallet]:
        wallets = Wallet.objects.select_for_update().filter(account_id__in=ids).order_by("account_id")
        return {wallet.account_id: wallet for wallet in wallets}

    wallets = locked()  # one round-trip when every wallet exists (the usual case)
    missing = [account_id for account_id in ids if account_id not in wallets]
    if missing:
        Wallet.objects.bulk_create([Wallet(account_id=a) for a in missing], ignore_conflicts=True)
        wallets = locked()
    return wallets


def lock_wallet(account_id: int) -> Wallet:
    assert transaction.get_connection().in_atomic_block, "lock inside a transaction"
    return lock_wallets([account_id])[account_id]


def lock_cards(card_ids: Iterable[int], *, account_id: int | None = None) -> dict[int, PrepaidCard]:
    """Lock prepaid cards by id (after the wallet). With account_id, another account's card is simply absent."""
    ids = sorted(set(card_ids))
    if not ids:
        return {}
    queryset = PrepaidCard.objects.select_for_update().filter(pk__in=ids)
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    return {card.pk: card for card in queryset.order_by("pk")}


def lock_vouchers(voucher_ids: Iterable[int], *, account_id: int | None = None) -> dict[int, Voucher]:
    """Lock vouchers by id (after the wallet and the cards)."""
    ids = sorted(set(voucher_ids))
    if not ids:
        return {}
    queryset = Voucher.objects.select_for_update().filter(pk__in=ids)
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    return {voucher.pk: voucher for voucher in queryset.order_by("pk")}


def lock_voucher_by_code(code: str) -> Voucher | None:
    """Lock the voucher with this activation code (unactivated codes belong to no account yet, so this is
    taken after the activating account's wallet), or None."""
    return Voucher.objects.select_for_update().filter(code=code).first()


# Documents come last, after every balance row they touch.


def lock_payment(payment_id: int) -> Payment | None:
    """Lock a payment (a refund serialises on the payment it gives back)."""
    return Payment.objects.select_for_update().filter(pk=payment_id).order_by("pk").first()


def lock_recharge(recharge_id: int, *, account_id: int) -> Recharge:
    """Lock a recharge after its account's wallet: the one order of a recharge's decision or callback."""
    lock_wallet(account_id)
    return Recharge.objects.select_for_update().get(pk=recharge_id)
