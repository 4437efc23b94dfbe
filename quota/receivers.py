"""What quota does when the apps below it send news (connected in QuotaConfig.ready())."""

from quota.arrears import workspaces_unlock


def unlock_on_arrears_cleared(sender, account, **kwargs) -> None:
    """Arrears paid (inside the paying transaction): the account's workspaces are active again at once."""
    workspaces_unlock(account_id=getattr(account, "pk", account))
