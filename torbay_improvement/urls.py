"""Root URLs: sign-in, the admin, and one include per app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.access import no_role
from core.health import healthz
from core.sso_views import SignOutView
from core.views import SignInView, admin_login
from report.attention_views import attention_view
from report.paper_views import PaperDocxView, PaperPdfView
from report.views import HighlightReportView

urlpatterns = [
    path("", HighlightReportView.as_view(), name="report"),
    path("attention/", attention_view, name="attention"),
    path("report/pdf/", PaperPdfView.as_view(), name="report_pdf"),
    path("report/docx/", PaperDocxView.as_view(), name="report_docx"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    # Django's sign-out, which also ends a single sign-on session at the provider when it has a logout URL.
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    # Password reset by email: the same answer whether or not an account has the address.
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/no-role/", no_role, name="no_role"),
    path("accounts/two-step/", include("core.mfa_urls")),
    # Single sign-on (OpenID Connect): both answer 404 unless it is configured (core/sso_views.py).
    path("oidc/", include("core.sso_views")),
    path("healthz", healthz, name="healthz"),
    # Before the admin's own URLs: its login box gives way to the app's sign-in and 403 page.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("published/", include("report.published_urls")),
    path("", include("plans.urls")),
    path("kpis/", include("kpis.urls")),
    path("risks/", include("risks.urls")),
    path("audit/", include("core.audit_views")),
    path("people/", include("core.people_urls")),
]

admin.site.site_header = "Improvement Tracker administration"
admin.site.site_title = "Improvement Tracker"
admin.site.index_title = "Plans, KPIs and risks"
