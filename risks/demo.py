"""Demo data for the risks app, loaded by `manage.py setup_demo` (filled in by the risks work)."""


def load_demo(*, plan_slug: str, stdout=None) -> None:
    """Load the seed's risk register into the plan; does nothing when it is already there."""
