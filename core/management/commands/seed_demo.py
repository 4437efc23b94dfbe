"""`manage.py seed_demo`: a demo account with an owner login it prints, workspaces, wallet, a package and a
week of usage and bills. Each app contributes its part in `<app>/demo.py` (a `seed(context)` function), in
dependency order; running it twice is safe (it starts over for the demo account)."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_STEPS = [
    "workspaces.demo",
    "payments.demo",
    "orders.demo",
    "quota.demo",
    "statements.demo",
    "notifications.demo",
]


class Command(BaseCommand):
    help = "Create the demo account, its users, wallet, package and a week of usage and bills."

    def handle(self, *args, **options):
        context: dict = {"stdout": self.stdout, "style": self.style}
        with transaction.atomic():
            for module_name in DEMO_STEPS:
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError:
                    continue
                module.seed(context)
        # Steps that must run after commit (e.g. the nights, which take their own locks).
        for module_name in DEMO_STEPS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            after = getattr(module, "after_commit", None)
            if after:
                after(context)
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        for line in context.get("logins", []):
            self.stdout.write(line)
