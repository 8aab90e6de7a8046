"""A measure's page is readable before plotly loads: the values table comes first, the chart's scripts are
deferred and run after it is in the page, and the chart is still drawn (issue 12)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts: when plotly's bundle defines window.Plotly, note whether the values
# table was already in the page.
WATCH_PLOTLY = """
(() => {
  let plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get() { return plotly; },
    set(value) {
      plotly = value;
      const rows = document.querySelectorAll("[aria-labelledby=values-heading] table tbody tr");
      window.valueRowsWhenPlotlyRan = window.valueRowsWhenPlotlyRan ?? rows.length;
    },
  });
})();
"""


@pytest.mark.parametrize("width", [1366, 390])
def test_the_values_table_is_in_the_page_before_plotly_runs_and_the_chart_is_drawn(page, live_server, demo, width):
    from kpis.models import Measure

    measure = Measure.objects.get(plan__slug="torbay-2021-highlight", ref="1.1")
    page.set_viewport_size({"width": width, "height": 900})
    page.add_init_script(WATCH_PLOTLY)
    sign_in(page, live_server, "sro")

    page.goto(url(live_server, f"/kpis/{measure.pk}/"))

    expect(page.locator("[data-plotly-figure] .main-svg").first).to_be_attached()  # the chart was drawn
    rows = page.locator("[aria-labelledby=values-heading] table tbody tr")
    assert page.evaluate("window.valueRowsWhenPlotlyRan") == rows.count() > 0
    scripts = page.evaluate(
        """() => [...document.scripts].filter((s) => s.src).map((s) => ({
            src: s.src, defer: s.defer,
            afterTable: Boolean(document.querySelector("[aria-labelledby=values-heading] table")
                .compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING),
        }))"""
    )
    chart_scripts = [s for s in scripts if "plotly" in s["src"] or "charts.js" in s["src"]]
    assert len(chart_scripts) == 2
    assert all(s["defer"] and s["afterTable"] for s in chart_scripts), chart_scripts
    # The table comes before the chart, in reading order and on the screen.
    table_box = page.get_by_role("heading", name="Monthly values").bounding_box()
    chart_box = page.get_by_role("heading", name="Chart").bounding_box()
    if width < 1200:
        assert table_box["y"] < chart_box["y"]
    else:
        assert table_box["x"] < chart_box["x"]
        # Beside the chart, the table is whole: its region does not scroll.
        region = page.locator("div[role=region][aria-labelledby=values-heading]")
        assert region.evaluate("(element) => element.scrollWidth <= element.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing scrolls sideways
