"""The two-step verification pages, under /accounts/two-step/ (namespace "mfa")."""

from django.urls import path

from core import mfa_views

app_name = "mfa"
urlpatterns = [
    path("", mfa_views.two_factor_status, name="status"),
    path("set-up/", mfa_views.two_factor_setup, name="setup"),
    path("recovery-codes/", mfa_views.recovery_codes, name="recovery_codes"),
    path("turn-off/", mfa_views.two_factor_turn_off, name="turn_off"),
    path("verify/", mfa_views.two_factor_verify, name="verify"),
]
