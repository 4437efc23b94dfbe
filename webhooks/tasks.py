"""Celery tasks of the webhooks app (thin: ids in, webhooks/delivery.py does the work)."""

from celery import shared_task


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver_webhook(delivery_id: int, manual: bool = False) -> None:
    from webhooks.delivery import attempt_delivery

    attempt_delivery(delivery_id=delivery_id, manual=manual)
