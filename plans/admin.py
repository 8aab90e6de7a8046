"""Admin for the plans app: every model, with useful columns, filters, search and inlines.

Plans, key actions and quarter RAGs are saved and deleted through plans.services, so versions, history
and who set a RAG are written one way whether a change comes from the pages or the admin.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count
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
from plans.rounds import locks
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
class PlanAdmin(BoundedChangeListMixin, ServiceWritesMixin, SimpleHistoryAdmin):
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
class ThemeAdmin(SimpleHistoryAdmin):
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
class ObjectiveAdmin(KeyActionServicesMixin, admin.ModelAdmin):
    list_display = ("__str__", "theme", "lead_officer")
    list_filter = ("theme__plan", "theme", "lead_officer")
    search_fields = ("description", "lead_officer")
    list_select_related = ("theme__plan",)
    inlines = (KeyActionInline,)


class QuarterRagAdminForm(forms.ModelForm):
    """A quarter's RAG in the admin: a change to or from a locked quarter is refused beside the form, in the
    services' sentence (quarter_rag_save refuses it too)."""

    class Meta:
        model = QuarterRag
        fields = ("key_action", "financial_year", "quarter", "rag")

    def clean(self):
        data = super().clean()
        action_id = getattr(data.get("key_action"), "pk", None) or self.instance.key_action_id
        plan_id = KeyAction.objects.filter(pk=action_id).values_list("objective__theme__plan_id", flat=True).first()
        quarters = {
            (data.get("financial_year"), data.get("quarter")),
            (self.initial.get("financial_year"), self.initial.get("quarter")),
        }
        for year, quarter in quarters:
            if plan_id and year and quarter and self.has_changed():
                locks.quarter_unlocked(plan_id=plan_id, financial_year=year, quarter=quarter)
        return data


class QuarterRagInline(admin.TabularInline):
    model = QuarterRag
    form = QuarterRagAdminForm
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
class KeyActionAdmin(ServiceWritesMixin, KeyActionServicesMixin, SimpleHistoryAdmin):
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
class QuarterRagAdmin(ServiceWritesMixin, SimpleHistoryAdmin):
    list_display = ("key_action", "financial_year", "quarter", "rag", "set_by", "set_at")
    list_filter = ("financial_year", "quarter", "rag", "key_action__objective__theme__plan")
    search_fields = ("key_action__description",)
    list_select_related = ("key_action", "set_by")
    autocomplete_fields = ("key_action",)
    readonly_fields = ("set_by", "set_at")
    form = QuarterRagAdminForm

    service_writes = "quarter_rag"


@admin.register(ActionUpdate)
class ActionUpdateAdmin(BoundedChangeListMixin, admin.ModelAdmin):
    list_display = ("__str__", "key_action", "author_name", "created_at")
    list_filter = ("financial_year", "quarter", "key_action__objective__theme__plan")
    search_fields = ("progress", "barriers", "next_steps", "author_name", "key_action__description")
    list_select_related = ("key_action",)
    date_hierarchy = "created_at"
    autocomplete_fields = ("key_action", "author")


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
