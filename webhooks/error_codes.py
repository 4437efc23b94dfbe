"""Every error code the webhooks app raises (values are part of the API: never change one)."""

from enum import StrEnum


class WebhooksErrorCode(StrEnum):
    INVALID_URL = "webhook_invalid_url"
    INSECURE_URL = "webhook_insecure_url"
    URL_CREDENTIALS = "webhook_url_credentials"
    PRIVATE_ADDRESS = "webhook_private_address"
    UNKNOWN_EVENT = "webhook_unknown_event"
    NO_EVENTS = "webhook_no_events"
    TOO_MANY_ENDPOINTS = "webhook_too_many_endpoints"
    DESCRIPTION_TOO_LONG = "webhook_description_too_long"
    ENDPOINT_INACTIVE = "webhook_endpoint_inactive"
