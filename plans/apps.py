from django.apps import AppConfig
from django.urls import reverse


def _action_name(row) -> str:
    """A quarter's RAG or an update, named by the key action it belongs to."""
    return f"{row.key_action or 'A removed key action'} ({row.instance})"


def _action_link(row) -> str:
    return reverse("plans:action_detail", kwargs={"pk": row.key_action_id})


def _listed_link(kind: str):
    def link(row) -> str | None:
        if row.plan is None:
            return None
        return reverse("plans:listed_edit", kwargs={"slug": row.plan.slug, "kind": kind, "pk": row.id})

    return link


def audit_register() -> None:
    """Add the plan's history to the audit page (core.audit): one call per model a person can change."""
    from core.audit import audit_plans_register, audit_source_register
    from plans.models import (
        ActionUpdate,
        KeyAction,
        KeyPriority,
        MediumTermDevelopment,
        Objective,
        OfstedRecommendation,
        Plan,
        QuarterLock,
        QuarterRag,
        RagGuidance,
        ReportingRound,
        Submission,
        Theme,
    )

    audit_plans_register(lambda: list(Plan.objects.order_by("-report_date", "title").values_list("pk", "title")))
    action_plan = "key_action__objective__theme__plan_id"
    audit_source_register(
        Plan, label="Plan", plan="id", link=lambda row: reverse("plans:plan_detail", kwargs={"slug": row.slug})
    )
    audit_source_register(
        Theme, label="Theme", plan="plan_id", link=lambda row: reverse("plans:theme_edit", kwargs={"pk": row.id})
    )
    audit_source_register(
        Objective,
        label="Objective",
        plan="theme__plan_id",
        link=lambda row: reverse("plans:objective_edit", kwargs={"pk": row.id}),
    )
    audit_source_register(
        KeyAction,
        label="Key action",
        plan="objective__theme__plan_id",
        link=lambda row: reverse("plans:action_detail", kwargs={"pk": row.id}),
    )
    audit_source_register(
        QuarterRag,
        label="Quarter RAG",
        plan=action_plan,
        fields=("rag",),
        name=_action_name,
        link=_action_link,
        select_related=("key_action",),
    )
    audit_source_register(
        ActionUpdate,
        label="Action update",
        plan=action_plan,
        name=_action_name,
        link=_action_link,
        select_related=("key_action",),
    )
    audit_source_register(
        KeyPriority,
        label="Key priority",
        plan="plan_id",
        link=_listed_link("priorities"),
        select_related=("plan",),
    )
    audit_source_register(
        MediumTermDevelopment,
        label="Medium-term development",
        plan="plan_id",
        link=_listed_link("developments"),
        select_related=("plan",),
    )
    audit_source_register(RagGuidance, label="RAG guidance", plan="plan_id")
    audit_source_register(OfstedRecommendation, label="Ofsted recommendation", plan="plan_id")
    audit_source_register(
        ReportingRound,
        label="Reporting round",
        plan="plan_id",
        fields=("financial_year", "quarter", "deadline", "board_date", "status"),
        details=True,
    )
    audit_source_register(
        QuarterLock,
        label="Quarter lock",
        plan="plan_id",
        fields=("financial_year", "quarter", "locked_at", "reopened_at", "reopened_by", "reopen_reason"),
        details=True,
    )
    audit_source_register(
        Submission,
        label="Update sign-off",
        plan=action_plan,
        fields=("status", "comment", "reviewed_by"),
        name=_action_name,
        link=_action_link,
        select_related=("key_action",),
    )


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "Improvement plans"

    def ready(self) -> None:
        from plans import panels

        panels.register()
        audit_register()
        from core.people import person_invited
        from plans.editing.owners import link_invited_owner

        person_invited.connect(link_invited_owner, dispatch_uid="plans.link_invited_owner")
        from django.db.models.signals import pre_delete

        from plans.models import ActionUpdate, QuarterRag
        from plans.rounds.locks import refuse_deleting_locked

        for model in (QuarterRag, ActionUpdate):
            pre_delete.connect(refuse_deleting_locked, sender=model, dispatch_uid=f"plans.locked.{model.__name__}")
