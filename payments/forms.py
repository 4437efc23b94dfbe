from django import forms
from django.utils.translation import gettext_lazy as _

from core.parsing import DAY_VALIDATORS, DayFormField
from payments.models import BalanceKind


class LedgerFilterForm(forms.Form):
    date_from = DayFormField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                validators=DAY_VALIDATORS)
    date_to = DayFormField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              validators=DAY_VALIDATORS)
    balance_kind = forms.ChoiceField(label=_("Balance"), required=False,
                                     choices=[("", _("All balances")), *BalanceKind.choices])

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data
