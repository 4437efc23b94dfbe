"""Signals of the payments app.

`arrears_cleared(sender=Wallet, account=account)` is sent inside the transaction that brought an account's
arrears from above zero to zero (a recharge, a remittance, a refund or a bill adjustment credited to cash).
Receivers run inside that transaction; anything that calls an outside system must use transaction.on_commit.
"""

from django.dispatch import Signal

arrears_cleared = Signal()
