from django.apps import AppConfig
from django.urls import reverse


def _measure_link(row) -> str:
    return reverse("kpis:measure_detail", kwargs={"pk": row.measure_id})


def _of_measure(row, what: str) -> str:
    """A measure's value, year or benchmark, named with the measure's Ref."""
    return f"{row.measure.ref if row.measure else 'A removed measure'} {what}"


def audit_register() -> None:
    """Add the KPIs' history to the audit page (core.audit): one call per model a person can change."""
    from core.audit import audit_source_register
    from kpis.models import Benchmark, Measure, MeasureValue, MeasureYear

    measure_plan = "measure__plan_id"
    audit_source_register(
        Measure, label="Measure", plan="plan_id", link=lambda row: reverse("kpis:measure_detail", kwargs={"pk": row.id})
    )
    audit_source_register(
        MeasureValue,
        label="Monthly value",
        plan=measure_plan,
        fields=("value", "text", "note"),
        name=lambda row: _of_measure(row, f"{row.month:%B %Y}"),
        link=_measure_link,
        select_related=("measure",),
    )
    audit_source_register(
        MeasureYear,
        label="Year's targets and outturn",
        plan=measure_plan,
        name=lambda row: _of_measure(row, f"{row.financial_year}/{str(row.financial_year + 1)[-2:]}"),
        link=_measure_link,
        select_related=("measure",),
    )
    audit_source_register(
        Benchmark,
        label="Benchmark",
        plan=measure_plan,
        name=lambda row: _of_measure(row, str(row.instance)),
        link=_measure_link,
        select_related=("measure",),
    )


class KpisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kpis"

    def ready(self) -> None:
        from kpis import panels

        panels.register()
        audit_register()
