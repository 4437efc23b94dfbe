from django import template

from core import days
from orders import selectors

register = template.Library()


@register.inclusion_tag("orders/_home_panel_body.html")
def live_packages_panel(account):
    """The account home's panel: pending and active packages with their workspaces in order."""
    packages = list(selectors.live_packages(account=account))
    for package in packages:
        package.open_rows = selectors.current_workspaces(package)
    return {"account": account, "packages": packages}


@register.inclusion_tag("orders/_workspace_coverage.html")
def workspace_coverage_panel(account, workspace, can_spend=False):
    """A workspace page's panel: the live packages that cover the workspace, with its position in each."""
    rows = selectors.workspace_coverage(account=account, workspace=workspace, today=days.account_today(account))
    return {"account": account, "workspace": workspace, "rows": rows, "can_spend": can_spend}
