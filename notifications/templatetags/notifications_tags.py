from django import template

from notifications.models import AlertEvent, AlertRule

register = template.Library()


@register.simple_tag
def notifications_home_summary(account):
    return {
        "rules": AlertRule.objects.for_account(account).count(),
        "last_event": AlertEvent.objects.filter(account=account).select_related("workspace").order_by("-day", "-pk")
        .first(),
    }
