"""The demo's people and workspaces (`manage.py seed_demo`, the story in README.md "The demo's story").

- `seed`: on the story's first day, the account "Demo Enterprise" with its owner, administrator and member,
  Workspaces A and B upgraded to Commercial, Workspace C left Free; the owner's second account "Demo
  Subsidiary" (the account switcher); the finance staff login with a known TOTP authenticator (demo only).
- `new_workspace`: two days ago the owner added Workspace D and upgraded it to Commercial: no package covers
  it, so a new purchase works at once.
- `reset`, `exists`, `summary`: what `seed_demo --reset` deletes and what the summary prints, from the data.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.days import DEFAULT_TIME_ZONE
from core.demo import purge
from core.finance import FINANCE_GROUP, sync_finance_group
from workspaces.models import Account, Membership, Role, Workspace, WorkspacePlan
from workspaces.services import account_create, membership_set, workspace_create, workspace_upgrade_to_commercial
from workspaces.two_factor import TOTP_NAME, totp_secret_base32

DEMO_ACCOUNT = "Demo Enterprise"
SECOND_ACCOUNT = "Demo Subsidiary"
DEMO_ACCOUNTS = (DEMO_ACCOUNT, SECOND_ACCOUNT)
DEMO_PASSWORD = "demo-password-2026"
USERS = [("owner", Role.OWNER), ("admin", Role.ADMINISTRATOR), ("member", Role.MEMBER)]
FINANCE_USERNAME = "demo-finance"
DEMO_USERNAMES = [f"demo-{name}" for name, _role in USERS] + [FINANCE_USERNAME]
# The demo finance login's authenticator key (hex, 20 bytes). Demo only: a real finance login enrols its own.
FINANCE_TOTP_KEY = "3132333435363738393031323334353637383930"
WORKSPACE_NEW = "Workspace D"
TIME_ZONE = DEFAULT_TIME_ZONE  # the demo accounts' zone: the story's days are counted in it


def _user(username: str, password_hash: str):
    user = get_user_model().objects.create_user(username=username, email=f"{username}@demo.invalid")
    user.password = password_hash  # hashed once for the four demo logins (hashing is slow on purpose)
    user.save(update_fields=["password"])
    return user


def exists() -> bool:
    return Account.objects.filter(name=DEMO_ACCOUNT).exists()


def reset(context: dict) -> None:
    """Delete the demo accounts (everything they own cascades) and the demo users (inside triggers_off)."""
    purge(Account.objects.filter(name__in=DEMO_ACCOUNTS))
    purge(get_user_model().objects.filter(username__in=DEMO_USERNAMES))


def seed(context: dict) -> None:
    clock = context["clock"]
    with clock.at(context["first_day"], 9):
        password_hash = make_password(DEMO_PASSWORD)
        users = {name: _user(f"demo-{name}", password_hash) for name, _role in USERS}
        finance = _user(FINANCE_USERNAME, password_hash)
        finance.is_staff = True
        finance.save(update_fields=["is_staff"])
        sync_finance_group()
        finance.groups.add(Group.objects.get(name=FINANCE_GROUP))
        TOTPDevice.objects.create(user=finance, name=TOTP_NAME, key=FINANCE_TOTP_KEY, confirmed=True)
        account = account_create(name=DEMO_ACCOUNT, owner=users["owner"])
        for name, role in USERS:
            membership_set(account=account, user=users[name], role=role)
        second = account_create(name=SECOND_ACCOUNT, owner=users["owner"])
        workspace_create(account=second, name="Subsidiary workspace")
        workspaces = {}
        for name in ("Workspace A", "Workspace B", "Workspace C (free)"):
            ws = workspace_create(account=account, name=name)
            if not name.endswith("(free)"):
                ws = workspace_upgrade_to_commercial(workspace=ws)
            workspaces[name] = ws
    context.update(account=account, second_account=second, users=users, finance=finance, workspaces=workspaces)


def new_workspace(context: dict) -> None:
    with context["clock"].at(context["clock"].day(2), 15):
        ws = workspace_create(account=context["account"], name=WORKSPACE_NEW)
        context["workspaces"][WORKSPACE_NEW] = workspace_upgrade_to_commercial(workspace=ws)


def finance_code() -> str | None:
    """The demo finance login's current authenticator code (`seed_demo --finance-code`)."""

    device = TOTPDevice.objects.filter(user__username=FINANCE_USERNAME, confirmed=True).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def before_summary(context: dict) -> None:
    context["summary_accounts"] = list(Account.objects.filter(name__in=DEMO_ACCOUNTS).order_by("pk"))


def base_url(context: dict) -> str:
    """Where the demo serves (`seed_demo --base-url`, which `make demo HOST=... PORT=...` passes)."""
    return str(context.get("base_url") or "http://127.0.0.1:8000").rstrip("/")


def summary(context: dict) -> list[str]:
    lines = []
    for account in context["summary_accounts"]:
        lines.append(f"Account {account.name} (id {account.pk}, time zone {account.time_zone}): "
                     f"{base_url(context)}/a/{account.pk}/")
        members = Membership.objects.filter(account=account).select_related("user").order_by("role", "user__username")
        for membership in members:
            lines.append(f"  {membership.get_role_display():<14} {membership.user.username} / {DEMO_PASSWORD}")
        for ws in Workspace.objects.filter(account=account).order_by("pk"):
            plan = "Commercial" if ws.plan == WorkspacePlan.COMMERCIAL else "Free"
            cover = context.get("coverage", {}).get(ws.pk, "no package" if plan == "Commercial" else "-")
            lines.append(f"  workspace {ws.name!r}: {plan}, {cover}")
    device = TOTPDevice.objects.filter(user__username=FINANCE_USERNAME, confirmed=True).first()
    if device is not None:
        lines += [
            f"Finance staff: {FINANCE_USERNAME} / {DEMO_PASSWORD} at {base_url(context)}/admin/",
            f"  second factor (demo-only authenticator key, base32): {totp_secret_base32(device)}",
            "  add it to an authenticator app, or print the current code with "
            "`.venv/bin/python manage.py seed_demo --finance-code`",
        ]
    return lines
