"""ApplicationError is answered in one place per surface: core.api.exception_handler for the API, core.pages for
pages (the mixin's dispatch, and `attempt` for a page or form that shows why something cannot be done) and
core.admin's `run_service` for finance's admin. No view, form or admin module catches it itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "workspaces", "plans", "payments", "orders", "quota", "statements", "notifications", "advisor",
        "forecasts", "audit", "webhooks", "billing_center"]
HANDLERS = {"core/pages.py", "core/admin.py", "core/api.py"}


def _page_modules() -> list[Path]:
    """Modules of views, forms and admin: views.py, *_views.py, views/*, forms.py, forms_*.py, admin.py."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or relative in HANDLERS:
                continue
            name = path.stem
            if ("/views/" in relative or name in ("views", "forms", "admin") or name.endswith("_views")
                    or name.startswith("forms_")):
                found.append(path)
    return found


def _catches_application_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught is not None else []
    for node in names:
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
        if name in ("ApplicationError", "Conflict", "Unprocessable", "Locked"):
            return True
    return False


def test_the_walk_sees_the_page_modules():
    relative = {p.relative_to(ROOT).as_posix() for p in _page_modules()}
    assert {"workspaces/views.py", "workspaces/people_views.py", "orders/views/cashier.py", "orders/forms.py",
            "payments/admin.py"} <= relative


def test_no_view_form_or_admin_module_catches_application_error():
    offenders = []
    for path in _page_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and _catches_application_error(node):
                offenders.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}")
    assert offenders == [], (
        "Let the page mixin (core.pages: override application_error()), core.pages.attempt or "
        f"FinanceAdminMixin.run_service handle ApplicationError: {offenders}"
    )
