"""The demo's tenant: account, users (owner, administrator, member), workspaces A, B, C."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from workspaces.models import Account, Role, Workspace, WorkspacePlan
from workspaces.services import (
    account_create,
    membership_set,
    workspace_create,
    workspace_upgrade_to_commercial,
)

DEMO_ACCOUNT = "Demo Enterprise"
DEMO_PASSWORD = "demo-password-2026"
USERS = [("owner", Role.OWNER), ("admin", Role.ADMINISTRATOR), ("member", Role.MEMBER)]


def _user(username: str):
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.invalid"})
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def seed(context: dict) -> None:
    users = {name: _user(f"demo-{name}") for name, _role in USERS}
    finance = _user("demo-finance")
    finance.is_staff = True
    finance.save(update_fields=["is_staff"])
    from django.contrib.auth.models import Group

    from core.finance import FINANCE_GROUP, sync_finance_group

    sync_finance_group()
    finance.groups.add(Group.objects.get(name=FINANCE_GROUP))
    account = Account.objects.filter(name=DEMO_ACCOUNT).first()
    if account is None:
        account = account_create(name=DEMO_ACCOUNT, owner=users["owner"])
    for name, role in USERS:
        membership_set(account=account, user=users[name], role=role)
    # A second account the owner also belongs to, to show the account switcher.
    second = Account.objects.filter(name="Demo Subsidiary").first() or account_create(
        name="Demo Subsidiary", owner=users["owner"]
    )
    workspaces = {}
    for name in ("Workspace A", "Workspace B", "Workspace C (free)"):
        ws = Workspace.objects.filter(account=account, name=name).first()
        ws = ws or workspace_create(account=account, name=name)
        if not name.endswith("(free)") and ws.plan == WorkspacePlan.FREE:
            ws = workspace_upgrade_to_commercial(workspace=ws)
        workspaces[name] = ws
    if not Workspace.objects.filter(account=second).exists():
        workspace_create(account=second, name="Subsidiary workspace")
    context.update(account=account, second_account=second, users=users, workspaces=workspaces)
    context.setdefault("logins", []).extend(
        [
            f"Demo account: {account.name} (id {account.pk})",
            f"  owner login:         demo-owner / {DEMO_PASSWORD}",
            f"  administrator login: demo-admin / {DEMO_PASSWORD}",
            f"  member login:        demo-member / {DEMO_PASSWORD}",
            f"  finance staff login: demo-finance / {DEMO_PASSWORD} (Django admin at /admin/)",
            "  open http://127.0.0.1:8000/",
        ]
    )
