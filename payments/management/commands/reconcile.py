"""`manage.py reconcile`: every cash, arrears, card and voucher balance against the sum of its ledger entries,
each ledger entry's balance_after chain, and (when quota provides `quota.reconcile.check_bills()`) every bill
against its lines. Prints a report; exits non-zero on any mismatch."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandError

from payments.reconcile import check_balances


def _bill_problems() -> tuple[list[str], bool]:
    try:
        module = importlib.import_module("quota.reconcile")
    except ModuleNotFoundError:
        return [], False
    check = getattr(module, "check_bills", None)
    if check is None:
        return [], False
    return list(check()), True


class Command(BaseCommand):
    help = "Check every balance against the ledger (and bills against their lines); non-zero exit on a mismatch."

    def handle(self, *args, **options):
        problems = check_balances()
        self.stdout.write(f"Balances against the ledger: {len(problems)} problem(s).")
        bill_problems, checked_bills = _bill_problems()
        if checked_bills:
            self.stdout.write(f"Bills against their lines: {len(bill_problems)} problem(s).")
        else:
            self.stdout.write("Bills against their lines: not checked (quota.reconcile.check_bills not available).")
        everything = problems + bill_problems
        for problem in everything:
            self.stdout.write(f"  - {problem}")
        if everything:
            raise CommandError(f"reconcile found {len(everything)} mismatch(es).")
        self.stdout.write(self.style.SUCCESS("Reconcile clean."))
