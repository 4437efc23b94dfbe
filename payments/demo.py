"""The demo wallet: a 600,000 recharge through the sandbox gateway's flow, a 30,000 prepaid card (which earns
the 5,000 full-reduction voucher), a 2,000 ordinary voucher from finance and a few unused activation codes.
Safe to run twice: an account that already has ledger entries is left as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from payments import services
from payments.gateways.sandbox import signed_payload
from payments.models import LedgerEntry, Voucher, VoucherCodeBatch, VoucherStatus

BATCH_NAME = "Demo activation codes"


def seed(context: dict) -> None:
    account = context["account"]
    owner = context["users"]["owner"]
    finance = get_user_model().objects.filter(username="demo-finance").first() or owner
    if not LedgerEntry.objects.for_account(account).exists():
        recharge, _url = services.recharge_start_online(account=account, amount=Decimal("600000"), actor=owner)
        payload = signed_payload(reference=recharge.gateway_reference, status="succeeded", amount=recharge.amount)
        services.gateway_callback_handle(provider="sandbox", data=payload)
        services.prepaid_card_buy(account=account, face_value=Decimal("30000"), quantity=1, actor=owner)
        services.voucher_issue(account=account, face_value=Decimal("2000"),
                               valid_until=timezone.now() + timedelta(days=180), actor=finance,
                               memo="Welcome voucher")
    batch = VoucherCodeBatch.objects.filter(name=BATCH_NAME).first() or services.voucher_batch_generate(
        name=BATCH_NAME, face_value=Decimal("500"), quantity=5, valid_until=timezone.now() + timedelta(days=90),
        actor=finance,
    )
    codes = list(Voucher.objects.filter(batch=batch, status=VoucherStatus.UNACTIVATED)
                 .order_by("code").values_list("code", flat=True)[:3])
    context["voucher_codes"] = codes
    if codes:
        context.setdefault("logins", []).append(
            "  unused voucher activation codes (500.00 each): " + ", ".join(codes)
        )
