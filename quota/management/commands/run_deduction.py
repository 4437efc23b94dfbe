"""`manage.py run_deduction --date YYYY-MM-DD [--account ID] [--dry-run]`: one night's deduction and
settlement, chunk by chunk with a progress bar; the same service the nightly Celery tasks call."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.exceptions import ApplicationError
from core.parsing import parse_day
from quota import night
from workspaces.models import Account


class Command(BaseCommand):
    help = "Run (or re-run) one day's deduction and settlement. Re-runs settle only the difference."

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="the billing day, YYYY-MM-DD (account time zone)")
        parser.add_argument("--account", type=int, help="only this account id")
        parser.add_argument("--dry-run", action="store_true", help="compute and print the bills, write nothing")
        parser.add_argument("--chunk-size", type=int, default=night.CHUNK_SIZE)

    def handle(self, *args, **options):
        day = parse_day(options["date"])
        if day is None:
            raise CommandError("--date must be YYYY-MM-DD.")
        account_ids = None
        if options["account"] is not None:
            if not Account.objects.filter(pk=options["account"]).exists():
                raise CommandError(f"No account {options['account']}.")
            account_ids = [options["account"]]
        dry_run = options["dry_run"]

        def progress(chunks):
            return tqdm(chunks, desc=f"night {day}", unit="chunk", file=self.stderr._out)

        try:
            result = night.night_run(
                day=day, account_ids=account_ids, dry_run=dry_run, chunk_size=max(1, options["chunk_size"]),
                progress=progress,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        if dry_run or options["verbosity"] >= 2:
            for outcome in result.outcomes:
                self.stdout.write(
                    f"account {outcome.account_id}  bill {outcome.bill_id}  total {outcome.total}  "
                    f"charged before {outcome.charged_before}  difference {outcome.difference:+}"
                )
        prefix = "DRY RUN (nothing written): " if dry_run else ""
        self.stdout.write(
            f"{prefix}{day}: {result.accounts} accounts, {result.bills} bills, "
            f"{result.lines} lines written (new or changed), "
            f"charged {result.charged}, credited {result.credited}, {result.settlements} settlements, "
            f"{result.countdowns_started} arrears countdowns started"
        )
