from django import template

from orders import selectors

register = template.Library()


@register.inclusion_tag("orders/_home_panel_body.html")
def live_packages_panel(account):
    """The account home's panel: pending and active packages with their workspaces in order."""
    packages = list(selectors.live_packages(account=account))
    for package in packages:
        package.open_rows = selectors.current_workspaces(package)
    return {"account": account, "packages": packages}
