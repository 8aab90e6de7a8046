"""The users' admin, with who has two-step verification and the action that resets it (a lost phone)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.mfa import two_factor_reset
from core.people import person_changes_record
from core.roles import ROLES, is_administrator

# The device admins django-otp registers would show and edit secrets: every change goes through the
# two-step pages, and a reset through the action below.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

RESET_DONE = "Reset two-step verification for {names}. They set it up again at their next sign-in if they must use it."


class TwoFactorUserAdmin(UserAdmin):
    list_display = (*UserAdmin.list_display, "two_factor_on")
    actions = ("reset_two_factor",)

    def get_queryset(self, request):
        authenticator = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(two_factor=Exists(authenticator))

    @admin.display(description="Two-step verification", boolean=True, ordering="two_factor")
    def two_factor_on(self, obj) -> bool:
        return obj.two_factor

    def save_model(self, request, obj, form, change):
        # Roles and the active flag as they were, so that save_related can record what the admin changed.
        before = User.objects.filter(pk=obj.pk).first() if change else None
        request.person_before_admin_change = (
            set(before.groups.filter(name__in=ROLES).values_list("name", flat=True)) if before else set(),
            before.is_active if before else obj.is_active,
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        had_roles, was_active = getattr(request, "person_before_admin_change", (set(), form.instance.is_active))
        person_changes_record(by=request.user, person=form.instance, had_roles=had_roles, was_active=was_active)

    def has_reset_two_factor_permission(self, request) -> bool:
        return is_administrator(request.user)

    @admin.action(permissions=["reset_two_factor"], description="Reset two-step verification (a lost phone)")
    def reset_two_factor(self, request, queryset):
        people = list(queryset)
        for person in people:
            two_factor_reset(person=person, by=request.user, via="in the admin")
        names = ", ".join(person.get_username() for person in people)
        self.message_user(request, RESET_DONE.format(names=names), messages.SUCCESS)


admin.site.unregister(User)
admin.site.register(User, TwoFactorUserAdmin)
