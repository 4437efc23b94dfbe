"""Row locks of the wallet, in the one documented order (docs/ARCHITECTURE.md, docs/RULES-payments.md):

    Wallet rows by account id  ->  PrepaidCard rows by id  ->  Voucher rows by id  ->  documents

Every service that moves money takes its locks through these helpers, inside a transaction, in that order.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from payments.models import PrepaidCard, Voucher, Wallet


def lock_wallets(account_ids: Iterable[int]) -> dict[int, Wallet]:
    """Lock the wallets of these accounts (creating a missing one), ordered by account id."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    existing = set(Wallet.objects.filter(account_id__in=ids).values_list("account_id", flat=True))
    missing = [account_id for account_id in ids if account_id not in existing]
    if missing:
        Wallet.objects.bulk_create([Wallet(account_id=a) for a in missing], ignore_conflicts=True)
    wallets = Wallet.objects.select_for_update().filter(account_id__in=ids).order_by("account_id")
    return {wallet.account_id: wallet for wallet in wallets}


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
