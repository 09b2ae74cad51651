"""The JSON API: login, logout, /token, /api/me."""

from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, user_logged_in
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from knox import views as knox_views
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens import errors
from tokens.api import docs
from tokens.api.authentication import (
    ApiTokenAuthentication,
    AuthenticatedRequest,
    allowed_web_origin,
    from_other_site,
)
from tokens.api.parsers import DuplicateKey
from tokens.api.serializers import LoginSerializer
from tokens.credentials import DEMO_WARNING, current_credentials, current_limits
from tokens.issuing import audit
from tokens.issuing.flow import refuse, request_token
from tokens.issuing.params import TOKEN_FIELDS
from tokens.issuing.summary import current_summary
from tokens.limits import lockout
from tokens.limits.throttles import LoginRateThrottle, TokenRateThrottle, client_ip
from tokens.timeutil import iso_utc


class NoStoreMixin(APIView):
    """Responses that carry credentials must never be cached."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(NoStoreMixin, APIView):
    """Exchange a username and password for a new API token."""

    # Listed so that a failed login's 401 carries `WWW-Authenticate: Token`.
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    def perform_authentication(self, request: Request) -> None:
        """Ignore any API token sent: a stale one must not stop a new login."""

    def check_throttles(self, request: Request) -> None:
        # The login takes form bodies without CSRF (apps post them), and a
        # page on any site can make its visitors' browsers post a form: each
        # would spend the visitor's address budget, shared with the login
        # pages, and failures would lock the address out. Refused before
        # anything is counted, unless the page is on an allowed CORS origin.
        if from_other_site(request) and not allowed_web_origin(
            request.META.get("HTTP_ORIGIN")
        ):
            raise errors.CrossSiteRequest(
                "Log in from this site's pages, an app, or an allowed web "
                "origin: another site's page cannot log in here."
            )
        super().check_throttles(request)

    @docs.login
    @sensitive_variables()  # the password, then the new API token
    def post(self, request: Request) -> Response:
        data = _mapping_body(request)
        serializer = LoginSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        password = serializer.validated_data["password"]

        def verify():  # its frame is hidden too: post's sensitive_variables()
            return authenticate(request._request, username=username, password=password)

        user = lockout.check_password(
            username=username, ip=client_ip(request), verify=verify
        )
        if user is None:
            raise exceptions.AuthenticationFailed(
                "Unable to log in with the given username and password.",
                code="invalid_credentials",
            )
        if not password_login_allowed(user):
            raise exceptions.PermissionDenied(
                "Password login is for staff here: sign in with your identity "
                "provider.",
                code="password_login_disabled",
            )
        return self._login(request, user, serializer.validated_data)

    def _login(self, request: Request, user, data: Mapping) -> Response:
        with transaction.atomic():
            _check_session_limit(user, knox_settings.TOKEN_LIMIT_PER_USER)
            instance, token = get_token_model().objects.create(
                user=user,
                expiry=knox_settings.TOKEN_TTL,
                device=data.get("device", ""),
                platform=data.get("platform", ""),
            )
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(
            {
                "token": token,
                "expiry": iso_utc(instance.expiry),
                "identity": user.twilio_identity,
            }
        )


@docs.logout
class LogoutView(knox_views.LogoutView):
    authentication_classes = [ApiTokenAuthentication]


@docs.logout_all
class LogoutAllView(knox_views.LogoutAllView):
    authentication_classes = [ApiTokenAuthentication]


class TokenView(NoStoreMixin, APIView):
    """Issue a Twilio Access Token to the authenticated user."""

    throttle_classes = [TokenRateThrottle]
    # HEAD would sign, record and throw a token away.
    http_method_names = ["get", "post", "options"]

    @docs.token_get
    def get(self, request: AuthenticatedRequest) -> Response:
        return self._issue(request, request.query_params)

    @docs.token_post
    def post(self, request: AuthenticatedRequest) -> Response:
        try:
            raw = _post_params(request)
        except errors.TokenRefused as refusal:  # recorded like any refusal
            refuse(
                user=request.user,
                refusal=refusal,
                client=_audit_client(request),
                now=timezone.now(),
            )
            raise
        return self._issue(request, raw)

    def _issue(self, request: AuthenticatedRequest, raw: Mapping) -> Response:
        result = request_token(
            user=request.user,
            raw_params=raw,
            credentials=current_credentials(),
            limits=current_limits(),
            client=_audit_client(request),
            now=timezone.now(),
            session_platform=_session_platform(request),
        )
        decision = result.decision
        return Response(
            {
                "identity": request.user.twilio_identity,
                "token": result.issued.jwt,
                "ttl": decision.ttl,
                "expires_at": iso_utc(decision.expires_at),
                "grants": list(decision.grants),
                "room": decision.room,
            }
        )


class MeView(NoStoreMixin, APIView):
    """The user's identity, the grants they may get now and the rooms they may join."""

    @docs.me
    def get(self, request: AuthenticatedRequest) -> Response:
        summary, demo = current_summary(
            request.user, now=timezone.now(), platform=_session_platform(request)
        )
        body = summary.as_json()
        body["demo"] = demo
        if demo:
            body["warning"] = DEMO_WARNING
        return Response(body)


def password_login_allowed(user) -> bool:
    """TOKENSERVER_PASSWORD_LOGIN: everyone, or staff only (the others use SSO)."""
    return settings.TOKENSERVER_PASSWORD_LOGIN == "everyone" or user.is_staff  # noqa: S105


def _session_platform(request: Request) -> str:
    """The platform the API session's login named ("" for a browser session)."""
    return getattr(request.auth, "platform", "") or ""


def _audit_client(request: Request) -> audit.Client:
    return audit.Client(
        ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")
    )


def _check_session_limit(user, limit: int | None) -> None:
    """Refuse a login past the per-user limit of live API tokens.

    The user's row is locked first, so parallel logins are counted one after
    the other (on SQLite, immediate transactions serialize them anyway).
    """
    if limit is None:
        return
    list(
        get_user_model()
        .objects.select_for_update()
        .filter(pk=user.pk)
        .values_list("pk")
    )
    live = user.auth_token_set.exclude(expiry__lte=timezone.now())
    if live.count() >= limit:
        raise errors.TooManySessions()


def _post_params(request: Request) -> Mapping:
    """The body of a POST /token; parameters in its query string are refused."""
    stray = sorted(set(request.query_params) & set(TOKEN_FIELDS))
    if stray:
        raise errors.InvalidParameter(
            stray[0], "With POST, send parameters in the body."
        )
    try:
        return request.data
    except DuplicateKey as exc:
        raise errors.InvalidParameter(
            exc.key, "Give this parameter only once."
        ) from exc
    except exceptions.ParseError as exc:
        raise errors.InvalidParameter("body", str(exc.detail)) from exc
    except exceptions.UnsupportedMediaType as exc:
        raise errors.UnsupportedBody() from exc
    except (RequestDataTooBig, TooManyFieldsSent) as exc:
        raise errors.InvalidParameter("body", "The body is too large.") from exc


def _mapping_body(request: Request) -> Mapping:
    try:
        data = request.data
    except (RequestDataTooBig, TooManyFieldsSent) as exc:
        raise exceptions.ValidationError({"body": ["The body is too large."]}) from exc
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError({"body": ["Send a JSON object or a form."]})
    return data
