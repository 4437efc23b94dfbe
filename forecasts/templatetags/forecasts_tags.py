from django import template

from forecasts.selectors import month_forecast

register = template.Library()


@register.simple_tag
def forecasts_home_summary(account):
    """The forecast card of the home page."""
    return month_forecast(account=account)
