from django.urls import path

from tokens import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("token", api.TokenView.as_view(), name="token"),
    path("api/auth/login/", api.LoginView.as_view(), name="api-login"),
    path("api/auth/logout/", api.LogoutView.as_view(), name="api-logout"),
    path("api/auth/logoutall/", api.LogoutAllView.as_view(), name="api-logoutall"),
    path("api/me/", api.MeView.as_view(), name="api-me"),
]
