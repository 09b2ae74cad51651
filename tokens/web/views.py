"""Web pages for users, and the health check."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tokens.credentials import DEMO_WARNING
from tokens.issuing.summary import Summary, current_summary
from tokens.models import ApiToken, User
from tokens.web.forms import LockoutAuthenticationForm, with_refusal_status

# "My access" lists windows that ended this recently, so users see what closed.
ENDED_SHOWN_FOR = timedelta(days=7)


class AuthenticatedHttpRequest(HttpRequest):
    """A request that login_required let in (for annotations: its user is a User)."""

    user: User


class LoginPage(auth_views.LoginView):
    """The browser login; refusals by rate or lockout answer 429, as the API's."""

    authentication_form = LockoutAuthenticationForm

    def post(self, request, *args, **kwargs):
        return with_refusal_status(super().post(request, *args, **kwargs))


def _summary(
    request: AuthenticatedHttpRequest, *, ended_after=None
) -> tuple[Summary, str]:
    summary, demo = current_summary(
        request.user, now=timezone.now(), ended_after=ended_after
    )
    return summary, DEMO_WARNING if demo else ""


@login_required
@never_cache
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My access: identity, grants and why, rooms, API sessions."""
    now = timezone.now()
    summary, demo_warning = _summary(request, ended_after=now - ENDED_SHOWN_FOR)
    sessions = ApiToken.objects.filter(user=request.user).exclude(expiry__lte=now)
    context = {
        "summary": summary,
        "demo_warning": demo_warning,
        "sessions": sessions.order_by("-created"),
    }
    return render(request, "tokens/home.html", context)


@login_required
@require_POST
def revoke_session(request: HttpRequest, digest: str) -> HttpResponse:
    deleted, _ = ApiToken.objects.filter(user=request.user, digest=digest).delete()
    if deleted:
        messages.success(request, "The API session is revoked.")
    else:
        messages.error(request, "No such API session.")
    return redirect("home")


@login_required
@require_POST
def revoke_all_sessions(request: HttpRequest) -> HttpResponse:
    deleted, _ = ApiToken.objects.filter(user=request.user).delete()
    messages.success(request, f"{deleted} API session(s) revoked.")
    return redirect("home")


@login_required
@never_cache
def get_token(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A form that asks /token for a token, with what the user may choose."""
    summary, demo_warning = _summary(request)
    rooms = [room for room in summary.rooms if room.state == "open"]
    context = {"summary": summary, "demo_warning": demo_warning, "rooms": rooms}
    return render(request, "tokens/get_token.html", context)
