"""Signals of the orders app: news about packages for the apps above (notifications mails them; webhooks
deliver them). Each is sent inside the transaction that made the change, so a receiver that calls an outside
system (mail, HTTP) must defer it with transaction.on_commit. Every one is sent with sender=Package.

- `package_expiring(package, days_before, ends_on)`: an expiry reminder is due, `days_before` is 30, 7 or 1
  (sent once per package and value; see orders/reminders.py).
- `package_renewed(package, renewal, order, automatic)`: `package` was renewed by the paid `order`; `renewal`
  is the new package, starting the day after `package` ends; `automatic` when auto-renew paid it.
- `package_expired(package, renewed)`: the daily status pass expired `package` (its end day has passed);
  `renewed` says whether a renewal continues it (otherwise its workspaces are now billed pay-as-you-go).
- `auto_renew_failed(package, day, amount, shortfall, message)`: the day's automatic renewal could not be
  paid; `shortfall` is what the wallet lacked (None when something else than money stopped it, then
  `message` says what). Sent at most once per package and day; retried the next day until the end.
"""

from django.dispatch import Signal

package_expiring = Signal()
package_renewed = Signal()
package_expired = Signal()
auto_renew_failed = Signal()
