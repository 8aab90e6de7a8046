from django.apps import AppConfig
from django.urls import reverse


def audit_register() -> None:
    """Add the register's history to the audit page (core.audit): one call per model a person can change.

    A risk's links to themes, objectives and key actions are in its history as `links_summary`, the
    links in words that the services keep, so a link made or removed shows as that field's from → to.
    """
    from core.audit import audit_source_register
    from risks.models import Risk, RiskAppetite, RiskControl

    audit_source_register(
        Risk, label="Risk", plan="plan_id", link=lambda row: reverse("risks:risk_detail", kwargs={"pk": row.id})
    )
    audit_source_register(
        RiskControl,
        label="Risk control",
        plan="risk__plan_id",
        name=lambda row: f"{row.risk or 'A removed risk'}: {row.instance}",
        link=lambda row: reverse("risks:risk_detail", kwargs={"pk": row.risk_id}),
        select_related=("risk",),
    )
    audit_source_register(
        RiskAppetite,
        label="Risk appetite",
        plan="plan_id",
        link=lambda row: reverse("risks:risk_appetite", kwargs={"plan": row.plan.slug}) if row.plan else None,
        select_related=("plan",),
    )


class RisksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risks"

    def ready(self) -> None:
        from risks import panels

        panels.register()
        audit_register()
