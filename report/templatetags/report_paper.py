"""Template tags for the paper (PDF): its contents, and KPI tables in parts (report.paper)."""

from django import template

from report import paper

register = template.Library()


@register.simple_tag
def paper_contents(panels) -> list[paper.ContentsEntry]:
    """Return the sections and themes of the rendered panels (a list of HTML), for the contents."""
    return paper.contents_of("".join(str(panel) for panel in panels))


@register.simple_tag
def kpi_table_parts(table) -> list:
    """Return a ThemeTable as the parts that fit the paper's width (the table itself when it fits)."""
    return paper.kpi_table_parts(table)
