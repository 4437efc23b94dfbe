"""`manage.py usage_retention [--months N] [--dry-run]`: drop the raw usage older than the months finance keeps
(FinanceSettings.usage_retention_months): whole month partitions of the usage table, and the default
partition's rows before the cutoff. Bills, bill lines and monthly bills stay (quota/partitions.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from quota import partitions


class Command(BaseCommand):
    help = "Drop raw usage older than FinanceSettings.usage_retention_months (bills and lines stay)."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, help="override FinanceSettings.usage_retention_months")
        parser.add_argument("--dry-run", action="store_true", help="only print what would be dropped")

    def handle(self, *args, **options):
        months = options["months"]
        if months is not None and months < 1:
            raise CommandError("--months must be at least 1.")
        result = partitions.usage_retention(months=months, dry_run=options["dry_run"])
        verb = "would drop" if result.dry_run else "dropped"
        names = ", ".join(result.dropped) or "no partition"
        self.stdout.write(f"usage before {result.cutoff}: {verb} {names} ({result.rows_dropped} rows)")
