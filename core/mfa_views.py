"""The two-step verification pages: status, set up, recovery codes, turn off, and the code after signing in."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from core import mfa
from core.access import landing_url

# The new recovery codes wait here for the one page view that shows them.
NEW_CODES_KEY = "_mfa_new_recovery_codes"

TURNED_ON = "Two-step verification is on. Keep your recovery codes somewhere safe."
TURNED_OFF = "Two-step verification is off. You will sign in with your password alone."
CODES_REPLACED = "You have 10 new recovery codes. The old ones no longer work."


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your app",
        max_length=12,
        error_messages={"required": mfa.SETUP_CODE_FORMAT},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "mfa-code"}),
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="Enter the 6-digit code from your authenticator app, or a recovery code.",
        error_messages={"required": mfa.CODE_MISSING},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "class": "mfa-code"}),
    )


def next_path(request) -> str:
    """Return the page to go on to after a two-step page (?next=, if it is on this site), else ''."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed else ""


def _with_next(name: str, request):
    wanted = next_path(request)
    url = reverse(f"{mfa.NAMESPACE}:{name}")
    return redirect(f"{url}?{urlencode({'next': wanted})}" if wanted else url)


def _needs_code_first(request) -> bool:
    """A change to a second factor that exists needs a session that has passed it (or single sign-on)."""
    return mfa.has_authenticator(request.user) and not mfa.session_verified(request)


class TwoFactorStatusView(LoginRequiredMixin, TemplateView):
    template_name = "registration/two_factor.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "status": mfa.two_factor_status_for(self.request.user),
            "required_for": mfa.required_for_whom(),
            "sso": mfa.signed_in_with_sso(self.request),
        }


class TwoFactorSetupView(LoginRequiredMixin, FormView):
    """Show a new secret (QR code and text) and turn it on when a code from it is entered."""

    template_name = "registration/two_factor_setup.html"
    form_class = SetupCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and _needs_code_first(request):
            return _with_next("verify", request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = mfa.authenticator_start(user=self.request.user)
        status = mfa.two_factor_status_for(self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "qr_code": mfa.qr_code_svg(device),
            "secret": mfa.secret_text(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            "status": status,
            "required_for": mfa.required_for_whom(),
            "next": next_path(self.request),
        }

    def form_valid(self, form):
        try:
            device, codes = mfa.authenticator_confirm(user=self.request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
            return self.form_invalid(form)
        self.request.session.cycle_key()
        otp_login(self.request, device)
        self.request.session.pop(mfa.PENDING_KEY, None)
        self.request.session[NEW_CODES_KEY] = codes
        messages.success(self.request, TURNED_ON)
        return _with_next("recovery_codes", self.request)


class RecoveryCodesView(LoginRequiredMixin, View):
    """New recovery codes, shown once; and a button that replaces them all."""

    template_name = "registration/two_factor_recovery_codes.html"

    def get(self, request):
        if not mfa.has_authenticator(request.user):
            return _with_next("setup", request)
        context = {
            "codes": request.session.pop(NEW_CODES_KEY, None),
            "status": mfa.two_factor_status_for(request.user),
            "next": next_path(request),
        }
        return render(request, self.template_name, context)

    def post(self, request):
        if _needs_code_first(request):
            return _with_next("verify", request)
        try:
            request.session[NEW_CODES_KEY] = mfa.recovery_codes_regenerate(user=request.user)
        except ValidationError:
            return _with_next("setup", request)
        messages.success(request, CODES_REPLACED)
        return _with_next("recovery_codes", request)


class TwoFactorTurnOffView(LoginRequiredMixin, TemplateView):
    """Turn two-step verification off, after a confirmation; refused for whom it is required."""

    template_name = "registration/two_factor_turn_off.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        if mfa.two_factor_required(request.user):
            raise PermissionDenied(mfa.TURN_OFF_REFUSED.format(whom=mfa.required_for_whom()))
        if not mfa.has_authenticator(request.user):
            return redirect(f"{mfa.NAMESPACE}:status")
        if _needs_code_first(request):
            return _with_next("verify", request)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request):
        mfa.two_factor_turn_off(user=request.user)
        messages.success(request, TURNED_OFF)
        return redirect(f"{mfa.NAMESPACE}:status")


class TwoFactorVerifyView(LoginRequiredMixin, FormView):
    """The step after the password: a code from the authenticator app, or a recovery code."""

    template_name = "registration/two_factor_verify.html"
    form_class = VerifyCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not mfa.has_authenticator(request.user):
                request.session.pop(mfa.PENDING_KEY, None)
                return self._go_on() if not mfa.two_factor_required(request.user) else _with_next("setup", request)
            if mfa.session_verified(request):
                return self._go_on()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": next_path(self.request)}

    def form_valid(self, form):
        try:
            mfa.code_verify(request=self.request, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
            return self.form_invalid(form)
        return self._go_on()

    def _go_on(self):
        # As the sign-in itself: the page asked for, else the person's first page (core.access.landing_url).
        wanted = next_path(self.request) or resolve_url(settings.LOGIN_REDIRECT_URL)
        return redirect(landing_url(self.request.user, wanted))


two_factor_status = TwoFactorStatusView.as_view()
two_factor_setup = TwoFactorSetupView.as_view()
recovery_codes = RecoveryCodesView.as_view()
two_factor_turn_off = TwoFactorTurnOffView.as_view()
two_factor_verify = TwoFactorVerifyView.as_view()
