"""Signals of the payments app.

`arrears_cleared(sender=Wallet, account=account)` is sent inside the transaction that brought an account's
arrears from above zero to zero (a recharge, a remittance, a refund or a bill adjustment credited to cash).
Receivers run inside that transaction; anything that calls an outside system must use transaction.on_commit.

`recharge_credited(sender=Recharge, recharge=recharge)` is sent inside the transaction that credited a
recharge (online callback or finance's confirmation of a remittance) to the cash balance, exactly once per
recharge. The webhooks app listens (and queues its deliveries after commit).
"""

from django.dispatch import Signal

arrears_cleared = Signal()
recharge_credited = Signal()
