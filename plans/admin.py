"""Admin for the plans app: every model, with useful columns, filters, search and inlines.

Plans, key actions, quarter RAGs and updates are saved and deleted through plans.services, so versions, history,
who set a RAG and the quarter lock are kept one way whether a change comes from the pages or the admin. A
service's refusal (the quarter lock's sentence) is shown beside the admin's form, nothing saved.
"""

import functools

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from core.admin_lists import BoundedChangeListMixin
from plans import services
from plans.models import (
    ActionUpdate,
    KeyAction,
    KeyPriority,
    MediumTermDevelopment,
    Objective,
    OfstedRecommendation,
    Plan,
    QuarterRag,
    RagGuidance,
    Theme,
)
from plans.selectors import plan_reporting_quarter


class ThemeInline(admin.TabularInline):
    model = Theme
    fields = ("number", "title", "overview_rag")
    extra = 0
    show_change_link = True


class KeyPriorityInline(admin.TabularInline):
    model = KeyPriority
    extra = 0


class MediumTermDevelopmentInline(admin.TabularInline):
    model = MediumTermDevelopment
    extra = 0


class RagGuidanceInline(admin.TabularInline):
    model = RagGuidance
    extra = 0


def _refused(error: ValidationError) -> ValidationError:
    """The service's refusal as errors of the whole form (its field names may not be the form's)."""
    return ValidationError(error.messages)


def _refusing_form(form_class, error: ValidationError):
    class RefusedForm(form_class):
        def clean(self):
            super().clean()
            raise _refused(error)

    return RefusedForm


def _refusals_as_messages(action):
    """Wrap a bulk action (delete_selected) so a service's refusal undoes it all and is said on the list."""

    @functools.wraps(action)
    def run(modeladmin, request, queryset):
        try:
            with transaction.atomic():
                return action(modeladmin, request, queryset)
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
            return None

    return run


class ServiceRefusalsMixin:
    """Show a service's refusal (ValidationError) beside the form instead of a server error: the add, change and
    history-revert views run again with the refusal as the form's error, keeping what was typed; the write
    is rolled back, so nothing changes. A refused delete says so on the object's page; a refused bulk delete
    deletes none of the rows and says so on the list."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refusals_beside_the_form(
            super().changeform_view, request, object_id, form_url=form_url, extra_context=extra_context
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return self._refusals_beside_the_form(
            super().history_form_view, request, object_id, version_id, extra_context=extra_context
        )

    def _refusals_beside_the_form(self, view, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except ValidationError as error:
            request.service_refusal = error  # read by get_form, as the view runs again
            return view(request, *args, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "service_refusal", None)
        return form_class if error is None else _refusing_form(form_class, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            action, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_refusals_as_messages(action), name, description)
        return actions


class ServiceWritesMixin:
    """Save and delete the admin's own objects through `services.<service_writes>_save/_delete`."""

    service_writes = ""

    def _service(self, verb):
        return getattr(services, f"{self.service_writes}_{verb}")

    def save_model(self, request, obj, form, change):
        self._service("save")(user=request.user, **{self.service_writes: obj})

    def delete_model(self, request, obj):
        self._service("delete")(user=request.user, **{self.service_writes: obj})

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Plan)
class PlanAdmin(BoundedChangeListMixin, ServiceRefusalsMixin, ServiceWritesMixin, SimpleHistoryAdmin):
    list_display = (
        "title",
        "council",
        "senior_responsible_officer",
        "report_date",
        "reporting_quarter_shown",
        "overall_status",
    )
    list_filter = ("overall_status", "council")
    search_fields = ("title", "council", "senior_responsible_officer")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "report_date"
    inlines = (ThemeInline, KeyPriorityInline, MediumTermDevelopmentInline, RagGuidanceInline)

    service_writes = "plan"

    @admin.display(description="Reporting quarter")
    def reporting_quarter_shown(self, obj):
        # What "this quarter" means for the plan: the one set, or the default from its report date.
        label = plan_reporting_quarter(obj).label
        if obj.reporting_quarter_set:
            return label
        return f"{label} (from the report date)" if obj.report_date else f"{label} (the quarter before today's)"


class ObjectiveInline(admin.StackedInline):
    model = Objective
    fields = ("order", "lead_officer", "description")
    extra = 0
    show_change_link = True


@admin.register(Theme)
class ThemeAdmin(ServiceRefusalsMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "plan", "overview_rag", "objective_count")
    list_filter = ("plan", "overview_rag")
    search_fields = ("title", "overview_narrative")
    list_select_related = ("plan",)
    inlines = (ObjectiveInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(objectives_counted=Count("objectives"))

    @admin.display(description="Objectives", ordering="objectives_counted")
    def objective_count(self, obj):
        return obj.objectives_counted


class KeyActionInline(admin.StackedInline):
    model = KeyAction
    fields = ("order", "description", "owner", "owner_name", "due_date", "by_when")
    extra = 0
    show_change_link = True
    autocomplete_fields = ("owner",)


class KeyActionServicesMixin:
    """Save and delete key actions, and the quarter RAGs inline under them, through the services."""

    def save_formset(self, request, form, formset, change):
        if formset.model is KeyAction:
            self._save_through(request, formset, services.key_action_save, services.key_action_delete, "key_action")
        elif formset.model is QuarterRag:
            self._save_through(request, formset, services.quarter_rag_save, services.quarter_rag_delete, "quarter_rag")
        else:
            super().save_formset(request, form, formset, change)

    @staticmethod
    def _save_through(request, formset, save, delete, name):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete(user=request.user, **{name: obj})
        for obj in instances:
            save(user=request.user, **{name: obj})
        formset.save_m2m()


@admin.register(Objective)
class ObjectiveAdmin(ServiceRefusalsMixin, KeyActionServicesMixin, admin.ModelAdmin):
    list_display = ("__str__", "theme", "lead_officer")
    list_filter = ("theme__plan", "theme", "lead_officer")
    search_fields = ("description", "lead_officer")
    list_select_related = ("theme__plan",)
    inlines = (KeyActionInline,)


class QuarterRagInline(admin.TabularInline):
    model = QuarterRag
    fields = ("financial_year", "quarter", "rag", "set_by", "set_at")
    readonly_fields = ("set_by", "set_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ActionUpdateInline(admin.StackedInline):
    model = ActionUpdate
    fields = ("financial_year", "quarter", "progress", "barriers", "next_steps", "author_name", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KeyAction)
class KeyActionAdmin(ServiceRefusalsMixin, ServiceWritesMixin, KeyActionServicesMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "owner_name", "owner", "due_date", "by_when", "theme_number", "updated_at")
    list_filter = ("objective__theme__plan", "objective__theme", "owner")
    search_fields = ("description", "owner_name", "owner__username", "owner__last_name")
    list_select_related = ("owner", "objective__theme")
    autocomplete_fields = ("owner", "objective")
    readonly_fields = ("version", "updated_at")
    inlines = (QuarterRagInline, ActionUpdateInline)

    @admin.display(description="Theme", ordering="objective__theme__number")
    def theme_number(self, obj):
        return obj.objective.theme.number

    service_writes = "key_action"  # an admin edit moves the version on: open forms become stale


@admin.register(QuarterRag)
class QuarterRagAdmin(ServiceRefusalsMixin, ServiceWritesMixin, SimpleHistoryAdmin):
    list_display = ("key_action", "financial_year", "quarter", "rag", "set_by", "set_at")
    list_filter = ("financial_year", "quarter", "rag", "key_action__objective__theme__plan")
    search_fields = ("key_action__description",)
    list_select_related = ("key_action", "set_by")
    autocomplete_fields = ("key_action",)
    readonly_fields = ("set_by", "set_at")

    service_writes = "quarter_rag"


@admin.register(ActionUpdate)
class ActionUpdateAdmin(BoundedChangeListMixin, ServiceRefusalsMixin, ServiceWritesMixin, admin.ModelAdmin):
    list_display = ("__str__", "key_action", "author_name", "created_at")
    list_filter = ("financial_year", "quarter", "key_action__objective__theme__plan")
    search_fields = ("progress", "barriers", "next_steps", "author_name", "key_action__description")
    list_select_related = ("key_action",)
    date_hierarchy = "created_at"
    autocomplete_fields = ("key_action", "author")

    service_writes = "action_update"  # refuses a locked quarter's update, as the update form does


@admin.register(KeyPriority)
class KeyPriorityAdmin(admin.ModelAdmin):
    list_display = ("ref", "plan", "owner_name", "by_when")
    list_filter = ("plan",)
    search_fields = ("description", "owner_name")


@admin.register(MediumTermDevelopment)
class MediumTermDevelopmentAdmin(admin.ModelAdmin):
    list_display = ("ref", "plan", "by_when")
    list_filter = ("plan",)
    search_fields = ("description",)


@admin.register(RagGuidance)
class RagGuidanceAdmin(admin.ModelAdmin):
    list_display = ("plan", "rag", "overall_rating", "action_rating")
    list_filter = ("plan", "rag")


@admin.register(OfstedRecommendation)
class OfstedRecommendationAdmin(SimpleHistoryAdmin):
    list_display = ("number", "plan", "rag", "snapshot_date")
    list_filter = ("plan", "rag")
    search_fields = ("recommendation", "comments")
    # Linked to the key actions answering it on its page in the app (plans.editing.recommendations).
    exclude = ("key_actions",)

    def save_model(self, request, obj, form, change):
        from plans.editing.recommendations import ofsted_recommendation_save

        ofsted_recommendation_save(user=request.user, recommendation=obj)
