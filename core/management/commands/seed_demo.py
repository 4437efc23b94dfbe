"""`manage.py seed_demo [--reset] [--finance-code]`: the demo's story, told through the services on the days
it happens (README.md "The demo's story"), and a summary printed from the data.

Each app contributes its chapters in `<app>/demo.py`; STORY lists them in the order they happen. Every chapter
sets the demo clock (core/demo.py) to its own day, so every row carries the day of the story it belongs to.

- Seeded already: nothing changes; the summary of what is there is printed (use --reset to start over).
- `--reset`: deletes the demo accounts, their users and finance's demo code batch, then seeds again.
- `--finance-code`: prints the demo finance login's current authenticator code and stops.
"""

from __future__ import annotations

import importlib
from argparse import ArgumentParser
from datetime import timedelta
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.utils import translation

from core.days import month_start, previous_month
from core.demo import DemoClock, triggers_off

APPS = ["workspaces", "payments", "orders", "quota", "statements", "notifications", "advisor"]
# (app, chapter) in the order the story happens; the days are chosen in `_story_days`.
STORY = [
    ("workspaces", "seed"),            # first day: the account, its people, Workspaces A, B (Commercial), C (Free)
    ("payments", "first_recharge"),    # first day: a remittance confirmed by finance, to pay as you go
    ("quota", "payg"),                 # the three days after: usage billed as you go, settled from cash
    ("quota", "before_package"),       # every day up to the purchase: A logs heavily, still pay as you go
    ("payments", "seed"),              # purchase day: remittance, welcome voucher, codes, a prepaid card
    ("orders", "seed"),                # purchase day: the package for A then B, paid at once
    ("notifications", "seed"),         # purchase day: a high-spending alert on Workspace A
    ("quota", "week"),                 # the purchase day (still pay as you go), then the last 8 days in the package
    ("workspaces", "new_workspace"),   # two days ago: Workspace D, Commercial, no package yet
    ("statements", "seed"),            # last month's bill made final on its day; this month's refreshed
]
PURCHASE_DAYS_AGO = 9  # bought 9 days ago, the package started 8 days ago; the week of usage is inside it


def _module(app: str) -> ModuleType:
    return importlib.import_module(f"{app}.demo")


def _story_days(context: dict) -> None:
    """The first day is the 10th of last month: always at least 16 days ago, before the purchase."""
    clock = context["clock"]
    context["first_day"] = previous_month(month_start(clock.today)) + timedelta(days=9)
    context["purchase_day"] = clock.day(PURCHASE_DAYS_AGO)


class Command(BaseCommand):
    help = "Seed the demo story (or, when seeded, print its summary); --reset starts it over."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--reset", action="store_true", help="delete the demo data, then seed it again")
        parser.add_argument("--finance-code", action="store_true",
                            help="print the demo finance login's current authenticator code")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="where the demo is served; the summary's links start with it")

    def handle(self, *args: Any, **options: Any) -> None:
        workspaces_demo = _module("workspaces")
        if options["finance_code"]:
            code = workspaces_demo.finance_code()
            if code is None:
                raise CommandError("The demo is not seeded: run `manage.py seed_demo` first.")
            self.stdout.write(code)
            return
        context: dict = {"clock": DemoClock(workspaces_demo.TIME_ZONE),
                         "base_url": options.get("base_url") or "http://127.0.0.1:8000"}
        if options["reset"]:
            self._reset(context)
        elif workspaces_demo.exists():
            self.stdout.write(self.style.WARNING(
                "The demo is already seeded; nothing changed. Run `manage.py seed_demo --reset` to start over."))
            self._summary(context)
            return
        _story_days(context)
        for app, chapter in STORY:
            getattr(_module(app), chapter)(context)
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: the story runs from {context['first_day']} to {context['clock'].today}."))
        self._summary(context)

    def _reset(self, context: dict) -> None:
        try:
            with transaction.atomic(), triggers_off():
                for app in reversed(APPS):
                    reset = getattr(_module(app), "reset", None)
                    if reset:
                        reset(context)
        except DatabaseError as error:
            raise CommandError(
                f"Could not delete the demo data ({error}). The reset needs a PostgreSQL superuser; otherwise "
                "drop and re-create the database, then run `manage.py migrate` and `manage.py seed_demo`."
            ) from error
        self.stdout.write("The demo data was deleted.")

    def _summary(self, context: dict) -> None:
        with translation.override("en"):
            self._print_summary(context)

    def _print_summary(self, context: dict) -> None:
        modules = [_module(app) for app in APPS]
        for module in modules:
            hook = getattr(module, "before_summary", None)
            if hook:
                hook(context)
        for module in modules:
            hook = getattr(module, "summary", None)
            for line in hook(context) if hook else []:
                self.stdout.write(line)
        base = str(context.get("base_url") or "http://127.0.0.1:8000").rstrip("/")
        self.stdout.write(f"Open {base}/ and sign in with one of the logins above.")
