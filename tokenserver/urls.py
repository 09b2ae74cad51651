from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tokens.admin.views import configuration
from tokens.web.views import LoginPage

urlpatterns = [
    path(
        "admin/configuration/",
        admin.site.admin_view(lambda request: configuration(admin.site, request)),
        name="tokens-configuration",
    ),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        LoginPage.as_view(),
        name="login",
    ),
    # Only login and logout: password reset needs mail, which is not set up,
    # and password changes go through staff.
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("tokens.urls")),
]

handler400 = "tokens.errors.bad_request"
handler403 = "tokens.errors.permission_denied"
handler404 = "tokens.errors.page_not_found"
handler500 = "tokens.errors.server_error"
