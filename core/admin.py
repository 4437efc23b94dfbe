"""Finance's admin: the site's branding, the one display helper for money, months and days, the base class every
app's admin uses, and the one place that says what "read-only in admin" means.

- `FinanceModelAdmin` / `FinanceTabularInline` (or `FinanceAdminMixin` on any admin class): money columns show
  as ¥42,000.00 (core.money.format_cny), unit prices as ¥0.0500, a `month` day as 2026-11, days as 2026-11-21
  and moments as 2026-11-21 09:33 (Beijing time), in lists, read-only form fields and inlines alike. A new
  admin gets this by inheriting; nothing to list.
- `FinanceAdminMixin.run_service(request, call, ...)`: the one place admin answers a service's ApplicationError
  (an action, a custom admin view, save_model): the error becomes an error message next to the row it concerns
  and the call's result None. `FinanceModelAdmin` also answers one raised while saving a change form (a message,
  and the form again).
- `ReadOnlyAdminMixin` (no add, change or delete) and `NoDeleteAdminMixin` (no add or delete) serve model
  admins and inlines alike: every app's admin uses them instead of repeating the permission methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import flatten_fieldsets, label_for_field
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core import formatting
from core.branding import admin_title
from core.exceptions import ApplicationError
from core.formatting import format_cny
from core.models import FinanceSettings, IdempotencyKey
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, PRICE_DECIMAL_PLACES, quantize
from core.pagination import EstimatedCountPaginator
from core.parsing import parse_id

if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin

    _AdminBase = BaseModelAdmin[Any]
else:
    _AdminBase = object

_T = TypeVar("_T")

admin.site.site_header = admin_title()
admin.site.site_title = admin_title()
admin.site.index_title = _("Finance back office")


# --------------------------------------------------------------------------------------------------------------
# one display helper


def format_price(value: Decimal) -> str:
    """A unit price as everywhere else (core.formatting.price): ¥0.05, ¥0.0125."""
    return formatting.price(value)


def field_kind(field: Any) -> str | None:
    """How a model field is shown in admin: "money", "price", "quantity", "month", "moment", "day" or None (as
    Django shows it)."""
    if getattr(field, "choices", None):
        return None
    if isinstance(field, models.DecimalField):
        if field.decimal_places == MONEY_DECIMAL_PLACES and field.max_digits == MONEY_MAX_DIGITS:
            return "money"
        if field.decimal_places == PRICE_DECIMAL_PLACES and "price" in field.name:
            return "price"
        return None
    if (isinstance(field, models.BigIntegerField) and not isinstance(field, models.AutoField)
            and not field.name.endswith("id")):
        return "quantity"  # usage and capacities: 35,000,000
    if isinstance(field, models.DateTimeField):
        return "moment"
    if isinstance(field, models.DateField):
        return "month" if field.name == "month" or field.name.endswith("_month") else "day"
    return None


def admin_display(value: Any, kind: str | None) -> Any:
    """The one formatter of finance's admin (None stays None: admin shows its empty mark)."""
    if value is None or value == "":
        return None
    if kind == "money":
        return format_html('<span class="money">{}</span>', format_cny(quantize(value)))
    if kind == "price":
        return format_html('<span class="money">{}</span>', format_price(Decimal(value)))
    if kind == "quantity":
        return format_html('<span class="money">{}</span>', formatting.number(value))
    if kind == "month":
        return formatting.month(value)
    if kind == "moment":  # finance works in the vendor's zone (core.days' default)
        return formatting.moment(value) if isinstance(value, dt.datetime) else str(value)
    if kind == "day":
        return formatting.day(value)
    return value


def _formatted_column(field: Any, display: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    kind = field_kind(field)

    def column(obj: Any) -> Any:
        shown = display(obj) if display is not None else admin_display(getattr(obj, field.name), kind)
        return admin.site.empty_value_display if shown is None or shown == "" else shown

    column.__name__ = field.name
    column.__dict__["short_description"] = field.verbose_name  # what admin reads off a column function
    column.__dict__["admin_order_field"] = field.name
    return column


class FinanceAdminMixin(_AdminBase):
    """Shows model fields through `admin_display` wherever admin would print them raw: list columns, read-only
    fields of a change form, inline rows. Works with `list_display`, `readonly_fields`, `fields`/`fieldsets` as
    usual (names of model fields); editable fields are left to their widgets.

    `field_displays` maps a field whose column keeps a code (no choices) to a function of the row that shows it
    as finance reads it (e.g. a source type's label): the field keeps its name, title and ordering everywhere."""

    field_displays: dict[str, Callable[[Any], Any]] = {}

    def run_service(self, request: HttpRequest, call: Callable[[], _T], *, subject: Any = None,
                    success: str | Promise | None = None) -> tuple[bool, _T | None]:
        """Run one service call for finance: (True, its result), or (False, None) after showing its
        ApplicationError as an error message ("<subject>: <message>" when it concerns one row). `success` is shown
        when the call succeeds."""
        try:
            result = call()
        except ApplicationError as error:
            text = f"{subject}: {error.message}" if subject is not None else error.message
            self.message_user(request, text, messages.ERROR)  # type: ignore[attr-defined]
            return False, None
        if success is not None:
            self.message_user(request, success, messages.SUCCESS)  # type: ignore[attr-defined]
        return True, result

    def _formatted(self, names: Iterable[Any]) -> list[Any]:
        cache = self.__dict__.setdefault("_formatted_columns", {})
        out = []
        for name in names:
            if isinstance(name, str) and name not in cache:
                try:
                    field = self.model._meta.get_field(name)
                except FieldDoesNotExist:  # a method, a property, "__str__"
                    field = None
                display = self.field_displays.get(name)
                cache[name] = (_formatted_column(field, display) if field is not None and (display or field_kind(field))
                               else None)
            column = cache.get(name) if isinstance(name, str) else None
            out.append(column or name)
        return out

    def _plain_names(self, readonly: Iterable[Any]) -> list[Any]:
        return [getattr(f, "__name__", f) for f in readonly if callable(f) and getattr(f, "__name__", "") in
                self.__dict__.get("_formatted_columns", {})]

    # get_list_display*: ModelAdmin's (this mixin also serves inlines, whose base has none)
    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return self._formatted(cast(Any, super()).get_list_display(request))

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        links = cast(Any, super()).get_list_display_links(request, list_display)
        return self._formatted(links) if links else links

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self._formatted(super().get_readonly_fields(request, obj))

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[Any] | None:
        # Formatted read-only fields stand in for the model fields: keep the fields themselves out of the form.
        excluded: Any = super().get_exclude(request, obj)
        if excluded is None and hasattr(self.form, "_meta") and self.form._meta.exclude:
            excluded = self.form._meta.exclude
        names = self._plain_names(self.get_readonly_fields(request, obj))
        if self._view_only(request, obj):  # the fieldsets show every field through the formatter
            names += [column for column in self.__dict__.get("_formatted_columns", {}).values() if column]
        return [*(excluded or []), *names] if names or excluded is not None else None

    def _view_only(self, request: HttpRequest, obj: Any) -> bool:
        return not self.has_change_permission(request, obj) and (obj is not None or isinstance(self, InlineModelAdmin))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fieldsets = super().get_fieldsets(request, obj)
        if self._view_only(request, obj):  # admin shows every field read-only: all of them through the formatter
            readonly: set[Any] = {name for _title, options in fieldsets for name in flatten_fieldsets([(None, options)])
                        if isinstance(name, str)}
        else:
            readonly = {getattr(f, "__name__", None) for f in self.get_readonly_fields(request, obj) if callable(f)}
        out = []
        for title, options in fieldsets:
            fields = [self._formatted([f])[0] if isinstance(f, str) and f in readonly else
                      (tuple(self._formatted([x])[0] if x in readonly else x for x in f)
                       if isinstance(f, (list, tuple)) else f)
                      for f in options.get("fields", ())]
            out.append((title, {**options, "fields": fields}))
        return out

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """An admin that overrides get_readonly_fields still gets formatted fields."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("get_readonly_fields")
        if own is not None and not getattr(own, "_finance_formatted", False):
            def get_readonly_fields(
                self: FinanceAdminMixin, request: HttpRequest, obj: Any = None, _own: Any = own
            ) -> list[Any]:
                return self._formatted(_own(self, request, obj))

            get_readonly_fields.__dict__["_finance_formatted"] = True
            cls.get_readonly_fields = get_readonly_fields  # type: ignore[method-assign]  # wraps the subclass's own


class IdSearchMixin:
    """Search of a big table by exact ids on indexed columns: a number (core.parsing.parse_id) matches any of
    `search_fields` (plain foreign-key or id column names, e.g. "account_id"); anything else matches nothing.
    Django's own `=field` search compares UPPER(column::text) and so reads the whole table."""

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet, search_term: str
    ) -> tuple[models.QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        value = parse_id(search_term.strip())
        if value is None:
            return queryset.none(), False
        match = models.Q()
        for name in getattr(self, "search_fields", ()):
            match |= models.Q(**{name: value})
        return queryset.filter(match), False


def _periods_between(first: dt.date, last: dt.date, kind: str) -> list[dt.date]:
    """Every year, month or day from `first` to `last` (each as its first day)."""
    if kind == "year":
        return [dt.date(year, 1, 1) for year in range(first.year, last.year + 1)]
    if kind == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
        return [dt.date(m // 12, m % 12 + 1, 1) for m in months]
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


class BoundedDatesQuerySet(models.QuerySet):
    """The date drill-down's choices without reading the table: Django's `date_hierarchy` lists the years (months,
    days) that have rows with a SELECT DISTINCT over every row in range (a scan of a big table on each page). Here
    they are the periods between the first and the last row (MIN and MAX: two probes of the column's index), so a
    period without rows may be offered and shows an empty list."""

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        bounds = self.aggregate(first=models.Min(field_name), last=models.Max(field_name))
        if bounds["first"] is None:
            return []
        periods = _periods_between(bounds["first"], bounds["last"], kind)
        return periods if order == "ASC" else periods[::-1]

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None, **kwargs: Any) -> Any:
        bounds = self.aggregate(first=models.Min(field_name), last=models.Max(field_name))
        if bounds["first"] is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first, last = (timezone.localtime(bounds[k], zone).date() for k in ("first", "last"))
        periods = [dt.datetime.combine(day, dt.time.min, tzinfo=zone) for day in _periods_between(first, last, kind)]
        return periods if order == "ASC" else periods[::-1]


_BOUNDED: dict[str, type[models.QuerySet]] = {}


def _bounded(queryset_class: type[models.QuerySet]) -> type[models.QuerySet]:
    """`queryset_class` with the bounded date choices (one class per queryset class)."""
    key = f"{queryset_class.__module__}.{queryset_class.__qualname__}"
    if key not in _BOUNDED:
        _BOUNDED[key] = type("Bounded" + queryset_class.__name__, (BoundedDatesQuerySet, queryset_class), {})
    return _BOUNDED[key]


def readonly_table(model: type[models.Model], columns: list[str], rows: Iterable[tuple[str, ...]], *,
                   figures_from: int) -> SafeString:
    """Rows written by services, shown on their parent's change page as one read-only table (a bill's lines):
    one format_html per row, the columns from `figures_from` on right-aligned in tabular figures. A read-only
    inline formset builds a form per row and displays each field through the admin: about 1/3 s for a bill's
    80 lines on a year of history (BENCHMARKS.md "History at scale"). The headings are the fields' names."""
    labels = [label_for_field(name, model) for name in columns]
    cells = ["<td>{}</td>" if n < figures_from else '<td class="num">{}</td>' for n in range(len(columns))]
    head = format_html_join("", "<th scope=\"col\">{}</th>", ((label,) for label in labels))
    body = format_html_join("", "<tr>" + "".join(cells) + "</tr>", rows)
    return format_html('<div class="readonly-table"><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>',
                       head, body)


class FinanceModelAdmin(FinanceAdminMixin, admin.ModelAdmin):
    """The base of every model admin in finance's back office. Built for big tables: no full count of the
    unfiltered table beside the filtered one, a bounded or estimated count for the pages, and a date drill-down
    whose choices come from the first and last row (`BoundedDatesQuerySet`), never from a scan."""

    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        if self.date_hierarchy:  # only the date_hierarchy tag reads cl.queryset's dates after this point
            queryset = changelist.queryset._chain()
            queryset.__class__ = _bounded(type(queryset))
            changelist.queryset = queryset
        return changelist

    def _changeform_view(self, request: HttpRequest, object_id: Any, form_url: Any,
                         extra_context: Any) -> HttpResponse:
        """A service refusing a save (save_model calls services): its message, and the form again."""
        _saved, response = self.run_service(
            request, lambda: super(FinanceModelAdmin, self)._changeform_view(  # type: ignore[misc]  # not in stubs
                request, object_id, form_url, extra_context))
        return response if response is not None else HttpResponseRedirect(request.get_full_path())


class FinanceTabularInline(FinanceAdminMixin, admin.TabularInline):
    """The base of every inline: read rows show formatted, and no blank extra rows."""

    extra = 0


class NoDeleteAdminMixin:
    """Rows that finance may look at and edit through their form, but never add or delete by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdminMixin(NoDeleteAdminMixin):
    """Rows written only by services (ledger, settlements, bills, logs): finance reads them."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, FinanceTabularInline):
    """An inline of rows written by services: every field shown (formatted), nothing editable."""

    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [f.name for f in self.model._meta.fields if f.name != "id"]


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(FinanceModelAdmin):
    list_display = ["__str__", "card_validity_days", "order_payment_minutes", "arrears_countdown_days"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not FinanceSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdminMixin, FinanceModelAdmin):
    """Read-only: the stored first answers of money-moving requests. Deleting a key would let a replayed
    request move money again. Superusers only: it is not finance's (core/finance.py)."""

    list_display = ["key", "user", "status_code", "created_at"]
    search_fields = ["key", "user__username"]
    list_select_related = ["user"]


class PermissionsSelect(FilteredSelectMultiple):
    """The permissions picker of users and groups (about 450 permissions): the admin's two-box filter, its
    options written in one pass instead of a template include per option (Django's select renders each option
    through its own template: about 150 ms for 450 options on every user or group page)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (option["value"], " selected" if option["selected"] else "", option["label"])
            for _group, choices, _index in widget["optgroups"] for option in choices))
        return format_html("<select name=\"{}\"{}>{}</select>", widget["name"], flatatt(widget["attrs"]), options)


class PermissionsPickerMixin(_AdminBase):
    """Users' and groups' permissions with the one-pass picker (the stock admins otherwise unchanged)."""

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["widget"] = PermissionsSelect(db_field.verbose_name, is_stacked=False)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class FinanceGroupAdmin(PermissionsPickerMixin, GroupAdmin):
    pass


class FinanceUserAdmin(PermissionsPickerMixin, UserAdmin):
    pass


for _model, _model_admin in ((Group, FinanceGroupAdmin), (get_user_model(), FinanceUserAdmin)):
    admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)
