"""Demo data for the KPI app, loaded by `manage.py setup_demo` (filled in by the kpis work)."""


def load_demo(*, plan_slug: str, stdout=None) -> None:
    """Load the seed's KPI tables into the plan; does nothing when they are already there."""
