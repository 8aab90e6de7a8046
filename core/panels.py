"""Report panels (Wagtail's home panels): a component with an order, a template and a context.

The report on the top floor composes them; each app contributes its own from `<app>/panels.py`,
registered in its AppConfig.ready(), so the report never names what an app shows and no app
imports the report. Two places take panels: "report" (a part of the page) and "theme" (a part of
each theme's section). A factory takes the report context (and, for "theme", the theme's block)
and returns the panels to show.

The report keeps each panel's HTML in the shared cache (report.cache) under the data versions it names
(`data_versions`, core.data_versions); a panel that names none is kept until any data changes. What
differs between readers is never in a panel's HTML: a panel leaves a marker, and a personaliser
registered here (`panels_personaliser_register`) fills it in for the reader when the page is served.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

REPORT = "report"
THEME = "theme"
PLACES = (REPORT, THEME)


class Panel:
    """One part of the report. Subclasses set `order` and `template_name` and fill the context.

    `report_context` is the report's read-once context (report.context.ReportContext): panels take
    what they show from it and run no queries of their own.
    """

    order: int = 0
    template_name: str = ""
    # The data versions (core.data_versions names) its HTML is built from; None: every version (ANY).
    data_versions: tuple[str, ...] | None = None
    # The HTML the report's cache puts where each of `child_panels` goes (placeholders), or None: render them.
    child_html: list[str] | None = None

    def cache_name(self) -> str:
        """Return the panel's name among the report's parts (unique among its siblings)."""
        return type(self).__name__

    def child_panels(self, *, report_context) -> list[Panel]:
        """Return the panels shown inside this one (each cached on its own), shown or not."""
        return []

    def prepare(self, *, report_context) -> None:
        """Say what the panel will read (report_context.themes_wanted, ...) before any panel is rendered, so
        that the panels rebuilt together read their data together, and only theirs."""

    def get_context_data(self, *, report_context) -> dict[str, Any]:
        return {}

    def is_shown(self, *, report_context) -> bool:
        return True

    def render_html(self, *, report_context) -> SafeString:
        context = {"report": report_context, "pdf": report_context.pdf}
        context.update(self.get_context_data(report_context=report_context))
        return mark_safe(render_to_string(self.template_name, context))


PanelFactory = Callable[..., list[Panel]]
_factories: dict[str, dict[str, PanelFactory]] = defaultdict(dict)


def panels_register(place: str, name: str, factory: PanelFactory) -> None:
    """Add (or replace, by `name`) a factory of panels for `place`; apps call this in ready()."""
    if place not in PLACES:
        raise ValueError(f"Panels go in one of {', '.join(PLACES)}, not {place!r}.")
    _factories[place][name] = factory


def panels_for(place: str, *args, report_context, shown_only: bool = True) -> list[Panel]:
    """Return the panels every app contributes to `place` (shown ones only, unless asked), in order."""
    panels = [
        panel for factory in _factories[place].values() for panel in factory(*args, report_context=report_context)
    ]
    if shown_only:
        panels = [panel for panel in panels if panel.is_shown(report_context=report_context)]
    return sorted(panels, key=lambda panel: panel.order)


def panels_render(place: str, *args, report_context) -> list[SafeString]:
    """Return each panel of `place` rendered to HTML, in order."""
    return [
        panel.render_html(report_context=report_context)
        for panel in panels_for(place, *args, report_context=report_context)
    ]


Personaliser = Callable[..., str]
_personalisers: dict[str, Personaliser] = {}


def panels_personaliser_register(name: str, personaliser: Personaliser) -> None:
    """Add (or replace, by `name`) a function `(html, *, report_context) -> html` that fills in, for the
    reader, the markers a panel leaves in its shared HTML."""
    _personalisers[name] = personaliser


def panels_personalise(html: str, *, report_context) -> str:
    """Return the report's HTML with every panel's markers filled in for the reader."""
    for personaliser in _personalisers.values():
        html = personaliser(html, report_context=report_context)
    return html
