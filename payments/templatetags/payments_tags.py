from django import template

from payments import selectors

register = template.Library()


@register.simple_tag
def wallet_summary(account):
    """{% wallet_summary account as summary %}: cash, arrears, card and voucher balances usable now."""
    return selectors.wallet_summary(account=account)
