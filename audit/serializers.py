from rest_framework import serializers

from audit.kinds import Kind


class AuditEventSerializer(serializers.Serializer):
    """One change: when, what (kind, object, action), who (user id and name, URL), before and after."""

    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    model = serializers.CharField(help_text="the changed model, app_label.Model")
    object_id = serializers.CharField(allow_null=True)
    action = serializers.CharField(help_text="insert, update, delete, refund, adjustment, recipient_added, ...")
    action_label = serializers.CharField(help_text="the action in the request's language")
    user_id = serializers.IntegerField(allow_null=True, help_text="null: a system job (night, beat, command)")
    person = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    sentence = serializers.CharField(help_text="the change as one sentence in the request's language, ids named")
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
