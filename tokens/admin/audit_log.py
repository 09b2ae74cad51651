"""The audit log in the admin: read-only, filtered, exportable as CSV."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q
from django.urls import path
from django.utils import timezone

from tokens import policy
from tokens.admin import views as admin_views
from tokens.admin.audit_counts import EstimatedCountPaginator
from tokens.admin.columns import clipped
from tokens.issuing import audit
from tokens.models import TokenEvent


class GrantFilter(admin.SimpleListFilter):
    title = "grant"
    parameter_name = "grant"

    def lookups(self, request, model_admin):
        return [(name, name) for name in policy.GRANT_NAMES]

    def queryset(self, request, queryset):
        name = self.value()
        if name not in policy.GRANT_NAMES:
            return queryset
        return queryset.filter(
            Q(grants=name)
            | Q(grants__startswith=f"{name},")
            | Q(grants__endswith=f",{name}")
            | Q(grants__contains=f",{name},")
        )


class OutcomeFilter(admin.SimpleListFilter):
    """Outcomes from the code, not the log.

    Django's filter for a field lists its values with SELECT DISTINCT over the
    whole audit log on every changelist view (10 ms at 100,000 rows and
    growing; docs/performance.md).
    """

    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [(code, code) for code in audit.outcomes()]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # Only outcomes the log can hold: PostgreSQL refuses some text (a NUL)
        # outright, which would read as the database failing.
        return (
            queryset.filter(outcome=value)
            if value in audit.outcomes()
            else queryset.none()
        )


def exact_match(term: str) -> Q:
    """The search: an identity, a room or a JWT hash equal to the text.

    Only the columns that hold the text (one probe of each index) go into
    the filter: an OR over two columns cannot walk either index newest
    first, and sorts every match of a busy room.
    """
    columns = {"identity": term, "room": term}
    if len(term) == 64:
        columns["jwt_sha256"] = term.lower()
    held = [
        Q(**{name: value})
        for name, value in columns.items()
        if TokenEvent.objects.filter(**{name: value}).exists()
    ]
    if not held:
        return Q(pk__in=[])
    found = held[0]
    for other in held[1:]:
        found |= other
    return found


@admin.register(TokenEvent)
class TokenEventAdmin(admin.ModelAdmin):
    """The audit log: read-only, exportable as CSV with the current filters."""

    list_display = [
        "created",
        clipped("identity"),
        clipped("outcome"),
        clipped("grants"),
        clipped("room"),
        clipped("device"),
        "ttl",
        clipped("client_ip", description="address"),
    ]
    list_filter = [OutcomeFilter, GrantFilter, "created_at"]

    @admin.display(description="created at", ordering="created_at")
    def created(self, event: TokenEvent) -> str:
        # One width whatever the month or the hour ("Sept. 30, 2026, 10:59
        # a.m." is wider than "May 1, 2026, 1 a.m."): the columns at 1280 px
        # fit at every time of day.
        return timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S")

    # Exact matches, each served by an index (tokens/models.py): an infix
    # search read every row of a year of events (seconds at 10 million).
    search_fields = ["identity", "room", "jwt_sha256"]
    search_help_text = (
        "Finds events whose identity, room or JWT hash (SHA-256, hex) is"
        " exactly the text."
    )
    paginator = EstimatedCountPaginator
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(exact_match(term)), False

    def get_changelist_instance(self, request):
        # Django's date drill-down turns ?created_at__year=9999 into a date
        # past year 9999 and fails with ValueError/OverflowError: answered
        # as any bad filter is (the changelist's ?e=1, the CSV's 400).
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError) as exc:
            drilled = f"{self.date_hierarchy}__"
            if not any(key.startswith(drilled) for key in request.GET):
                raise  # not the drill-down's: a bug to see, not a bad filter
            raise IncorrectLookupParameters(str(exc)) from exc

    def get_urls(self):
        view = self.admin_site.admin_view(
            lambda request: admin_views.audit_csv(self, request)
        )
        return [
            path("export.csv", view, name="tokens_tokenevent_csv"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
