"""Staff pages inside the admin: effective access, configuration, audit CSV."""

import csv
import os
import re

from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from tokens.admin.calls import answering_text
from tokens.credentials import ENABLES, current_credentials, find_problems
from tokens.issuing.summary import current_summary
from tokens.models import User
from tokens.timeutil import iso_utc
from tokens.twilio.conf import enforcement_missing, webhook_config
from tokens.voice.parties import answering_group, calls_of
from tokens.voice.policy import is_e164


def effective_access(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """Every grant and room a user would get now, with the rule behind it."""
    if not (object_id.isascii() and object_id.isdigit()):  # "²".isdigit() too
        raise Http404
    user = get_object_or_404(User, pk=object_id)
    if not may_see_effective_access(model_admin, request, user):
        raise PermissionDenied
    summary, demo = current_summary(user, now=timezone.now())
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Effective access of {user}",
        "subject": user,
        "summary": summary,
        "calls": calls_of(user),
        "opts": model_admin.model._meta,
        "demo": demo,
    }
    return TemplateResponse(request, "admin/tokens/effective_access.html", context)


# The page shows the user's grant rules and room access: staff who may not
# view those models (their inlines are hidden) may not read them here either.
ACCESS_PERMISSIONS = ("tokens.view_grantrule", "tokens.view_roomaccess")


def may_see_effective_access(model_admin, request: HttpRequest, user=None) -> bool:
    return model_admin.has_view_permission(request, user) and request.user.has_perms(
        ACCESS_PERMISSIONS
    )


def masked(value: str) -> str:
    """Show a SID only in part: its prefix and last four characters."""
    return f"{value[:4]}…{value[-4:]}" if len(value) > 8 else "…"


def configuration_rows() -> list[dict[str, str]]:
    raw = settings.TWILIO
    problems = {problem.variable: problem for problem in find_problems(raw)}
    rows = []
    for variable, found in raw.items():
        problem = problems.get(variable)
        if problem is None:
            status = "present"
        else:
            status = "missing" if problem.missing else "malformed"
        value = found[1].strip() if found else ""
        shown = ""
        if status == "present":
            shown = "set (hidden)" if variable == "TWILIO_API_SECRET" else masked(value)
        rows.append(
            {
                "variable": variable,
                "source": found[0] if found else "",
                "status": status,
                "shown": shown,
                "enables": ENABLES.get(variable, "every token (required)"),
            }
        )
    return rows


def rooms_rows() -> list[dict[str, str]]:
    """The rooms settings: set or not (the auth tokens never shown), and why."""
    from tokens.twilio.checks import AUTH_TOKENS, usable_auth_tokens

    usable = usable_auth_tokens()
    rows = []
    for name in AUTH_TOKENS:
        value = getattr(settings, name)
        status = "present" if value in usable else "malformed"
        rows.append(_row(name, status if value else "missing", "set (hidden)"))
    for name in ("TOKENSERVER_PUBLIC_URL", "TWILIO_API_BASE_URL"):
        value = getattr(settings, name)  # origins, not secrets
        rows.append(_row(name, "present" if value else "missing", value))
    return rows


WORKER_SETTINGS = (
    ("TOKENSERVER_EVICTION_BOUND", "longest delay from access end to removal"),
    ("TOKENSERVER_RECONCILE_INTERVAL", "how often Twilio's lists are read"),
    ("TOKENSERVER_WORKER_LEASE", "how long a stopped worker keeps the others idle"),
)


def worker_rows() -> list[dict[str, str]]:
    """The enforcement worker's timings (numbers, never secret)."""
    return [
        {"variable": name, "shown": f"{getattr(settings, name)} s", "meaning": text}
        for name, text in WORKER_SETTINGS
    ]


def voice_rows() -> list[dict[str, str]]:
    """The voice settings: a phone number and a group name, neither secret."""
    caller_id = settings.TWILIO_CALLER_ID
    status = "present" if is_e164(caller_id) else "malformed"
    group = settings.TWILIO_INCOMING_CALL_GROUP
    return [
        _row("TWILIO_CALLER_ID", status if caller_id else "missing", caller_id),
        _row("TWILIO_INCOMING_CALL_GROUP", "present" if group else "missing", group),
    ]


def push_rows(credentials) -> list[dict[str, str]]:
    """Each product on each platform: the credential its tokens carry, or none."""
    from tokens.credentials import PUSH_PLATFORM_NAMES, PUSH_PRODUCTS

    rows = []
    for product in PUSH_PRODUCTS:
        for platform, name in PUSH_PLATFORM_NAMES.items():
            source = credentials.push_source(product, platform)
            sid = credentials.push_credential_for(product, platform)
            rows.append(
                {
                    "product": "voice" if product == "voice" else "Conversations",
                    "platform": name,
                    "login": platform,
                    "source": source,
                    "shown": masked(sid) if source else "",
                }
            )
    return rows


def _row(variable: str, status: str, shown: str) -> dict[str, str]:
    return {
        "variable": variable,
        "status": status,
        "shown": shown if status == "present" else "",
    }


# Which variables are set and their SIDs in part: not for every staff account.
CONFIGURATION_PERMISSION = "tokens.view_twilio_configuration"


def configuration(admin_site, request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(CONFIGURATION_PERMISSION):  # superusers have all
        raise PermissionDenied
    credentials = current_credentials()
    context = {
        **admin_site.each_context(request),
        "title": "Twilio configuration",
        "rows": configuration_rows(),
        "demo": credentials.demo,
        "demo_requested": settings.TOKENSERVER_DEMO,
        "misnamed": settings.TWILIO_MISNAMED,
        "rooms": rooms_rows(),
        "rooms_followed": not webhook_config().missing,
        "enforcement_missing": enforcement_missing(),
        "worker": worker_rows(),
        "voice": voice_rows(),
        "push": push_rows(credentials),
        "metrics_on": bool(settings.TOKENSERVER_METRICS_TOKEN),
        "metrics_multiprocess": bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")),
        "answering": answering_text(answering_group()),
        "may_choose_answering": request.user.has_perm("tokens.change_incomingcalls"),
    }
    return TemplateResponse(request, "admin/tokens/configuration.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_FIELDS = [
    "id", "created_at", "user_id", "identity", "outcome", "grants", "room",
    "device", "ttl", "expires_at", "client_ip", "user_agent", "jwt_sha256",
]  # fmt: skip


# A formula starts a cell: at the start of a value, or after any character a
# spreadsheet may split on (',' ';' tab, a line break), spaces and quotes
# between. A value such as `Mozilla;=cmd|' /C calc'!A0` becomes two cells in
# a locale that splits on ';': each place gets a leading "'", read as text.
_FORMULA_START = re.compile(r"""(\A|[,;\t\r\n])([ "']*)(?=[=+\-@\t\r])""")


def _cell(value):
    """A CSV cell no spreadsheet runs as a formula, whatever it splits on."""
    if hasattr(value, "tzinfo"):
        return iso_utc(value)
    if isinstance(value, str):
        return _FORMULA_START.sub(r"\1\2'", value)
    return value


def audit_csv(model_admin, request: HttpRequest) -> HttpResponseBase:
    """The audit rows the changelist shows with its current filters, as CSV."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        return HttpResponseBadRequest(
            "These filters are not valid: export from the audit log's own links.",
            content_type="text/plain",
        )
    rows = (
        changelist.get_queryset(request)
        .values_list(*CSV_FIELDS)
        .iterator(chunk_size=2000)
    )
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(CSV_FIELDS)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="token-events.csv"'
    return response
