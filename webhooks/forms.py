from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.events import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=2000, strip=True,
                          widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "https://"}))
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.TextInput(attrs={"class": "form-control"}))
    event_types = forms.MultipleChoiceField(label=_("Events"), choices=EventType.choices,
                                            widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def add_service_error(self, error) -> None:
        """An ApplicationError from the service: each message next to its field (or on top)."""
        placed = False
        for field, messages in (error.fields or {}).items():
            if field in self.fields:
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(field, str(message))
                placed = True
        if not placed:
            self.add_error(None, error.message)
