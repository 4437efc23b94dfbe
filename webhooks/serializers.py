from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from webhooks.events import EventType
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class EndpointInputSerializer(serializers.Serializer):
    """Validated again by the service (URL rules, known events): this only shapes the input."""

    url = serializers.CharField(max_length=2000, trim_whitespace=False)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices), max_length=20)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False)


class EndpointUpdateSerializer(EndpointInputSerializer):
    url = serializers.CharField(max_length=2000, required=False, trim_whitespace=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), max_length=20, required=False
    )
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class EndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    previous_secret_valid_until = serializers.DateTimeField(source="previous_secret_until", read_only=True,
                                                            allow_null=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "event_types", "is_active", "secret_rotated_at",
                  "previous_secret_valid_until", "consecutive_failures", "auto_disabled_at", "created_at",
                  "updated_at"]
        read_only_fields = ["consecutive_failures", "auto_disabled_at"]


class EndpointWithSecretSerializer(EndpointSerializer):
    """Answered once, on creation and rotation: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True)

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "manual", "started_at", "duration_ms", "status_code", "response_body", "error",
                  "succeeded"]


class DeliverySerializer(serializers.ModelSerializer):
    endpoint_id = serializers.IntegerField(read_only=True)
    payload = serializers.SerializerMethodField()
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "endpoint_id", "event_type", "message_id", "status", "attempt_count", "next_attempt_at",
                  "created_at", "last_attempt_at", "payload", "attempts"]

    @extend_schema_field({"type": "object", "description": "the message body sent (type, timestamp, data)"})
    def get_payload(self, obj):
        return json.loads(obj.body)
