"""`manage.py reconcile`: every cash, arrears, card and voucher balance against the sum of its ledger entries,
each ledger entry's balance_after chain (payments.reconcile), and every bill against its lines and settlements
(quota.reconcile). Prints a report; exits non-zero on any mismatch. It lives in quota, the lower of the two apps
it reads that may import both (layers: payments <- quota)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from payments.reconcile import check_balances
from quota.reconcile import check_bills


class Command(BaseCommand):
    help = "Check every balance against the ledger and bills against their lines; non-zero exit on a mismatch."

    def handle(self, *args, **options):
        problems = check_balances()
        self.stdout.write(f"Balances against the ledger: {len(problems)} problem(s).")
        bill_problems = check_bills()
        self.stdout.write(f"Bills against their lines: {len(bill_problems)} problem(s).")
        everything = problems + bill_problems
        for problem in everything:
            self.stdout.write(f"  - {problem}")
        if everything:
            raise CommandError(f"reconcile found {len(everything)} mismatch(es).")
        self.stdout.write(self.style.SUCCESS("Reconcile clean."))
