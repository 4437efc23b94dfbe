"""Celery tasks of the webhooks app (thin: ids in, webhooks/delivery.py does the work and says what comes next).
They run on their own queue, `webhooks` (CELERY_TASK_ROUTES), so a slow endpoint never delays other work."""

from celery import shared_task

from webhooks.delivery import attempt_delivery


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver_webhook(delivery_id: int, manual: bool = False, generation: int | None = None) -> None:
    """One attempt; then, when the delivery says so, the next one of the same chain after its countdown (a retry
    after backoff, or a come-back while another attempt holds the endpoint)."""
    step = attempt_delivery(delivery_id=delivery_id, manual=manual, generation=generation)
    if step.countdown is not None:
        queue_attempt(delivery_id, manual=step.manual, generation=step.generation, countdown=step.countdown)


def queue_attempt(delivery_id: int, *, manual: bool = False, generation: int = 0, countdown: int = 0) -> None:
    deliver_webhook.apply_async(args=[delivery_id], kwargs={"manual": manual, "generation": generation},
                                countdown=countdown or None)
