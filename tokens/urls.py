from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tokens import health
from tokens.api import views as api
from tokens.metrics import views as metrics_views
from tokens.sso import views as sso_views
from tokens.twilio import views as twilio_views
from tokens.voice import views as voice_views
from tokens.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("get-token/", web.get_token, name="get-token"),
    path("sessions/revoke-all/", web.revoke_all_sessions, name="revoke-all-sessions"),
    path("sessions/<str:digest>/revoke/", web.revoke_session, name="revoke-session"),
    path("token", api.TokenView.as_view(), name="token"),
    path("metrics", metrics_views.metrics, name="metrics"),
    path("api/auth/login/", api.LoginView.as_view(), name="api-login"),
    path("api/auth/oidc/", sso_views.OidcLoginView.as_view(), name="api-oidc-login"),
    path("api/auth/logout/", api.LogoutView.as_view(), name="api-logout"),
    path("api/auth/logoutall/", api.LogoutAllView.as_view(), name="api-logoutall"),
    path("api/me/", api.MeView.as_view(), name="api-me"),
    path(
        "webhooks/twilio/video",
        twilio_views.video_status,
        name="twilio-video-status",
    ),
    path("webhooks/twilio/voice", voice_views.voice_outgoing, name="twilio-voice"),
    path(
        "webhooks/twilio/voice/incoming",
        voice_views.voice_incoming,
        name="twilio-voice-incoming",
    ),
    path(
        "webhooks/twilio/voice/status",
        voice_views.voice_status,
        name="twilio-voice-status",
    ),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]
