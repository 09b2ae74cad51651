"""Web pages and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tokens import access
from tokens.api import current_limits
from tokens.config import DEMO_WARNING, current_credentials


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse(
            {
                "status": "unavailable",
                "detail": "The database does not answer.",
                "code": "database_unavailable",
            },
            status=503,
        )
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    credentials = current_credentials()
    summary = access.summarize(
        request.user,
        capabilities=credentials.capabilities,
        limits=current_limits(),
        now=timezone.now(),
    )
    context = {
        "summary": summary,
        "demo_warning": DEMO_WARNING if credentials.demo else "",
    }
    return render(request, "tokens/home.html", context)
