"""Finance reads every account's trail (and the catalogue's) in admin, from the trail's index (one table, newest
first, keyed on time); nothing can be added, changed or deleted (the tables refuse it anyway)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit import selectors
from audit.models import TrailEntry
from core.admin import FinanceModelAdmin, IdSearchMixin, ReadOnlyAdminMixin


class ActionFilter(admin.SimpleListFilter):
    """The action, from the fixed list of the trail's labels: Django's own filter on the column would read every
    entry (SELECT DISTINCT) on each page."""

    title = _("Action")
    parameter_name = "label"

    def lookups(self, request, model_admin):
        return list(selectors.ACTION_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(label=self.value()) if self.value() in selectors.ACTION_LABELS else queryset


@admin.register(TrailEntry)
class TrailEntryAdmin(IdSearchMixin, ReadOnlyAdminMixin, FinanceModelAdmin):
    list_display = ["created_at", "obj_model", "obj_id", "label", "scope_account_id", "person", "url", "change"]
    list_filter = [ActionFilter]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    search_fields = ["scope_account_id"]  # an account id: the index leading with it
    search_help_text = _("An account id.")
    fields = ["created_at", "obj_model", "obj_id", "label", "scope_account_id", "person", "url", "change"]

    def get_queryset(self, request):
        return selectors.all_events()

    def get_changelist_instance(self, request):
        """Every row's sentence written for the page at once (the names it needs read once per kind of object)."""
        changelist = super().get_changelist_instance(request)
        for entry, row in zip(changelist.result_list, selectors.rows(changelist.result_list), strict=True):
            entry.sentence = row.sentence
        return changelist

    @admin.display(description=_("person"))
    def person(self, entry):
        return entry.user_id or ""

    @admin.display(description=_("URL"))
    def url(self, entry):
        return entry.url or ""

    @admin.display(description=_("change"))
    def change(self, entry):
        return getattr(entry, "sentence", None) or selectors.rows([entry])[0].sentence
