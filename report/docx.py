"""The highlight report as a Word document (python-docx), for councils' committee systems.

The same content and order as the page and the PDF, from the same ReportContext: headings are Word
heading styles, tables are Word tables whose header rows repeat on every page, and a RAG is its word.
A contents list after the status line links to each section and theme; a KPI table too wide for the
page is cut into parts as on the PDF (report.paper).
"""

from __future__ import annotations

import html
import io
import re

from django.utils.dateformat import format as date_format
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt

from core.calendar import financial_year_label
from kpis.cells import target_cells
from plans.panels import THEME_NUMBER_WORDS, objective_rows
from report.changes import ActionChange, board_changes_for_report
from report.context import ReportContext
from report.panels import RAG_WORDS, at_a_glance
from report.paper import ThemeTablePart, kpi_table_parts

_BLOCK_END = re.compile(r"</(p|li|ul|ol)>|<br\s*/?>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def html_paragraphs(value: str) -> list[str]:
    """Return sanitised narrative HTML as plain paragraphs; list items start with a bullet."""
    text = _LIST_ITEM.sub("• ", value or "")
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    return [line.strip() for line in text.split("\n") if line.strip()]


def _rag_word(rag: str) -> str:
    return RAG_WORDS.get(rag or "", "Not set")


def _day(day) -> str:
    return date_format(day, "j F Y") if day else "Not recorded"


class _Paper:
    """A landscape A4 Word document with the few building blocks the report needs."""

    def __init__(self, *, title: str):
        self.document = Document()
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(12))
        self.document.core_properties.title = title
        self.document.core_properties.language = "en-GB"
        self.document.styles["Normal"].font.size = Pt(9)
        self.contents: list[tuple[str, str, object]] = []  # (text, bookmark, heading paragraph) of each section

    def heading(self, text: str, level: int) -> None:
        paragraph = self.document.add_heading(text, level=level)
        if level == 1:
            bookmark = f"section_{len(self.contents) + 1}"
            _bookmark(paragraph, bookmark, number=len(self.contents) + 1)
            self.contents.append((text, bookmark, paragraph))

    def insert_contents(self) -> None:
        """Put the contents, a list linking to each section's heading, before the first section."""
        if not self.contents:
            return
        first = self.contents[0][2]
        first.insert_paragraph_before("Contents", style="TOC Heading")
        for text, bookmark, _ in self.contents:
            _internal_link(first.insert_paragraph_before(style="List Number"), text, bookmark)

    def label(self, text: str) -> None:
        """Add a bold line kept on the page of what follows it (a table's title)."""
        paragraph = self.document.add_paragraph()
        paragraph.add_run(text).bold = True
        paragraph.paragraph_format.keep_with_next = True

    def paragraphs(self, value: str, *, empty: str = "") -> None:
        for text in html_paragraphs(value) or ([empty] if empty else []):
            self.document.add_paragraph(text)

    def line(self, label: str, value: str) -> None:
        paragraph = self.document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)

    def table(
        self, headings: list[str], rows: list[list[str]], *, widths: list[float] | None = None, font_size: float = 8
    ) -> None:
        """Add a table with a repeating header row; `widths` are the columns' shares of the page width."""
        table = self.document.add_table(rows=1, cols=len(headings))
        table.style = "Table Grid"
        table.autofit = False
        for cell, heading in zip(table.rows[0].cells, headings, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(heading).bold = True
        _repeat_as_header(table.rows[0])
        for values in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                cell.text = value
        section = self.document.sections[0]
        page_width = section.page_width - section.left_margin - section.right_margin
        _set_widths(table, widths or [1] * len(headings), page_width=page_width)
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(font_size)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


TWIP = 635  # EMU: Word stores widths in twentieths of a point


def _set_widths(table, shares: list[float], *, page_width: int) -> None:
    """Give each column its share of the page: Word reads the cells' widths, LibreOffice the grid's."""
    total = sum(shares)
    widths = [Emu(int(page_width * share / total) // TWIP * TWIP) for share in shares]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _repeat_as_header(row) -> None:
    """Mark a table row as its header: Word repeats it at the top of every page and reads it as headers."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _bookmark(paragraph, name: str, *, number: int) -> None:
    """Mark a paragraph as the bookmark `name`, the target of the contents' links."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
    paragraph._p.append(end)


def _internal_link(paragraph, text: str, bookmark: str) -> None:
    """Add `text` to a paragraph as a link to a bookmark in the same document."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), bookmark)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    run.append(props)
    run_text = OxmlElement("w:t")
    run_text.text = text
    run.append(run_text)
    link.append(run)
    paragraph._p.append(link)


def _update_text(update, quarter) -> str:
    """Return an update's text as the page shows it for `quarter`: an earlier quarter's update is marked."""
    if update is None:
        return f"No update for {quarter.label}."
    parts = []
    if update.for_quarter != quarter:
        parts.append(f"No update for {quarter.label}. The latest earlier update, for {update.quarter_label}:")
    for label, value in (
        ("Progress", update.progress),
        ("Barriers", update.barriers),
        ("Next steps", update.next_steps),
    ):
        if value:
            parts.append(f"{label}: " + "\n".join(html_paragraphs(value)))
    who = update.author_name or "Unknown author"
    parts.append(f"{who}, {_day(update.created_at)} ({update.quarter_label})")
    return "\n".join(parts)


def _at_a_glance(paper: _Paper, report_context: ReportContext) -> None:
    glance = at_a_glance(report_context)
    quarter = report_context.quarter
    paper.heading(f"At a glance: {quarter.label}", 1)
    paper.table(
        ["RAG", quarter.label, quarter.previous.label, "Change"],
        [
            [c.word, str(c.count), str(c.previous), f"{c.change:+d}" if c.change else "no change"]
            for c in glance.rag_counts
        ],
    )
    off_target, with_target = len(glance.measures_off_target), glance.measures_with_rag
    paper.line(
        "Measures off target", f"{off_target} of {with_target} measures with a target are Red at their latest figure"
    )
    paper.line("High-scoring risks", f"{len(glance.high_risks)} open, scoring 15 or more (High band)")
    paper.line(
        "Narrative not updated this quarter", f"{glance.not_updated_count} key actions without a {quarter.label} update"
    )


def _action_text(action: ActionChange) -> str:
    return html.unescape(action.description)


def _board_changes(paper: _Paper, report_context: ReportContext) -> None:
    """What changed since the last board, as components/board_changes.html shows it: counts, then each list."""
    changes = board_changes_for_report(report_context)
    paper.heading(f"Since the last board: {changes.quarter.label}", 1)
    if changes.previous is None:
        paper.document.add_paragraph(changes.no_earlier_paper)
        return
    paper.document.add_paragraph(changes.previous.compared_with)
    paper.table(["Change", "Count"], [[label, str(count)] for _, label, count in changes.counts], widths=[30, 10])
    if not changes.has_changes:
        paper.document.add_paragraph(changes.nothing_changed)
    titles = changes.titles
    if changes.rag_changes:
        paper.label(f"{titles['rag']} ({len(changes.rag_changes)})")
        paper.table(
            ["Owner", "Key action", changes.previous.quarter_label, changes.quarter.label],
            [[g.owner, _action_text(a), _rag_word(a.rag_from), _rag_word(a.rag_to)]
             for g in changes.rag_changes_by_owner for a in g.actions],
            widths=[15, 55, 15, 15],
        )  # fmt: skip
    if changes.new_reds:
        paper.label(f"{titles['new_red']} ({len(changes.new_reds)})")
        paper.table(
            ["Owner", "Key action", changes.previous.quarter_label, changes.quarter.label],
            [[g.owner, _action_text(a), "Not in the paper" if a.new else _rag_word(a.rag_from), _rag_word(a.rag_to)]
             for g in changes.new_reds_by_owner for a in g.actions],
            widths=[15, 55, 15, 15],
        )  # fmt: skip
    if changes.not_updated:
        paper.label(f"{titles['no_update']} ({len(changes.not_updated)})")
        paper.table(
            ["Owner", "Key actions"],
            [[f"{g.owner} ({len(g.actions)})", "\n".join(f"• {a.short_description}" for a in g.actions)]
             for g in changes.not_updated_by_owner],
            widths=[20, 80],
        )  # fmt: skip
    if changes.measures_moved:
        paper.label(f"{titles['measures']} ({len(changes.measures_moved)})")
        paper.table(
            ["Ref", "Measure", changes.previous.quarter_label, "Now", "Latest figure"],
            [[m.ref, m.title, _rag_word(m.rag_from), _rag_word(m.rag_to),
              m.display + (f" in {date_format(m.month, 'M Y')}" if m.month else "")]
             for m in changes.measures_moved],
            widths=[6, 54, 12, 12, 16],
        )  # fmt: skip
    previous = changes.previous.quarter_label
    risk_lists = (
        ("risks_rescored", changes.risks_rescored, lambda r: [f"{r.score_from} to {r.score_to} {r.band_to}".strip()]),
        ("risks_new", changes.new_risks, lambda r: [f"{r.score_to} {r.band_to}".strip()]),
        ("risks_closed", changes.closed_risks, lambda r: [f"{r.score_from} in the {previous} paper"]),
    )
    for key, risks, score in risk_lists:
        if risks:
            paper.label(f"{titles[key]} ({len(risks)})")
            paper.table(
                ["Ref", "Risk", "Score"], [[str(r.ref), r.description, *score(r)] for r in risks], widths=[6, 74, 20]
            )


def _summary(paper: _Paper, report_context: ReportContext) -> None:
    plan = report_context.plan_then
    paper.heading("Summary", 1)
    paper.line("Senior Responsible Officer", plan.senior_responsible_officer or "Not recorded")
    paper.line("Date of report", _day(plan.report_date))
    paper.line("Overall status", _rag_word(plan.overall_status))


def _plan_sections(paper: _Paper, report_context: ReportContext) -> None:
    plan = report_context.plan_then
    paper.heading("Overall progress narrative", 1)
    paper.paragraphs(plan.overall_narrative, empty="No overall narrative has been written.")
    paper.heading("Key priorities", 1)
    paper.table(
        ["Ref", "Priority", "Owner", "By when"],
        [[p.ref, p.description, p.owner_name, p.by_when] for p in report_context.key_priorities],
        widths=[5, 65, 15, 15],
    )
    paper.heading("Medium term developments", 1)
    paper.table(
        ["Ref", "Development", "By when"],
        [[d.ref, d.description, d.by_when] for d in report_context.medium_term_developments],
        widths=[5, 80, 15],
    )


def _risk_register(paper: _Paper, report_context: ReportContext) -> None:
    paper.heading("Issues and risks", 1)
    rows = []
    for risk in report_context.risks:
        owner = (risk.owner.get_full_name() or risk.owner.username) if risk.owner else ""
        band = risk.band
        score = f"{risk.score} {band.label}" if band else str(risk.score or "")
        kind = risk.get_type_display() + (" (closed)" if risk.status == "closed" else "")
        rows.append(
            [str(risk.ref), kind, risk.description, risk.mitigation, risk.date_raised_display, owner,
             str(risk.probability or ""), str(risk.impact or ""), score]
        )  # fmt: skip
    paper.table(
        ["Ref", "Issue / Risk", "Description", "Mitigation / Resolution", "Date raised", "Owner", "Probability",
         "Impact", "Risk score"],
        rows,
        widths=[4, 5, 26, 26, 8, 8, 7, 7, 9],
    )  # fmt: skip
    paper.heading("Guidance for RAG status", 1)
    paper.table(
        ["Status", "Overall ratings", "Individual action ratings"],
        [[_rag_word(g.rag), g.overall_rating, g.action_rating] for g in report_context.rag_guidance],
        widths=[12, 44, 44],
    )


def _ofsted_recommendations(paper: _Paper, report_context: ReportContext) -> None:
    recommendations = report_context.ofsted_recommendations
    if not recommendations.rows:
        return
    paper.heading("Ofsted recommendations", 1)
    dates = recommendations.snapshot_dates
    if len(dates) == 1:
        paper.document.add_paragraph(f"Progress snapshot: {_day(dates[0])}")
    rows = [
        [str(row.recommendation.number), row.recommendation.recommendation,
         _rag_word(row.recommendation.rag) + (f"\n{_day(row.recommendation.snapshot_date)}" if len(dates) > 1 else ""),
         "\n".join(html_paragraphs(row.recommendation.comments)),
         "\n".join(label for _, label in row.labelled_actions) or "None linked yet."]
        for row in recommendations.rows
    ]  # fmt: skip
    paper.table(
        ["No.", "Recommendation", "RAG", "Comments", "Key actions answering it"], rows, widths=[5, 27, 8, 35, 25]
    )


def _cell(figure) -> str:
    if figure is None:
        return ""
    rag = getattr(figure, "rag", "")
    return f"{figure.display} {_rag_word(rag)}" if rag and getattr(figure, "has_figure", True) else figure.display


def _measure_headings(part: ThemeTablePart) -> list[str]:
    opening = [part.prior_label] if part.part.is_first else []
    closing = [part.final_label, part.year_to_date_label, "Target min", "Target upper", "Trend"]
    months = [date_format(month, "M y") for month in part.months]
    return ["Ref", "Performance measure", *opening, *months, *(closing if part.part.is_last else [])]


def _measure_cells(row, part: ThemeTablePart) -> list[str]:
    opening = [_cell(row.prior)] if part.part.is_first else []
    # A target in words only ("TBC") is written once, under Min, as the page spans it across Min and Upper.
    targets = target_cells(target_min=row.target_min, target_upper=row.target_upper, target_text=row.target_text)
    target_min, target_upper = targets[0].text, targets[1].text if len(targets) > 1 else ""
    closing = [_cell(row.final), _cell(row.year_to_date), target_min, target_upper, row.reported_trend]
    closing = closing if part.part.is_last else []
    return [row.measure.ref, row.measure.title, *opening, *map(_cell, row.cells), *closing]


def _measures(paper: _Paper, table) -> None:
    paper.heading("Performance measures", 2)
    for part in kpi_table_parts(table):
        if part.part.count > 1:
            paper.label(f"Performance measures, {part.part.label}")
        headings = _measure_headings(part)
        # Ref and the measure's name get room; every figure column shares the rest.
        widths = [4, 14, *[82 / (len(headings) - 2)] * (len(headings) - 2)]
        paper.table(headings, [_measure_cells(row, part) for row in part.rows], widths=widths, font_size=6)


def _theme(paper: _Paper, report_context: ReportContext, block) -> None:
    theme = block.theme
    paper.heading(f"Theme {THEME_NUMBER_WORDS.get(theme.number, theme.number)}: {theme.title}", 1)
    paper.heading("Overview narrative", 2)
    paper.paragraphs(theme.overview_narrative, empty="No overview narrative has been written.")
    paper.line("Overview RAG rating", _rag_word(theme.overview_rag))
    table = report_context.measure_tables.get(theme.pk)
    if table:
        _measures(paper, table)
    year = financial_year_label(report_context.quarter.financial_year)
    paper.heading(f"Progress in delivering key improvement plan actions ({year})", 2)
    rows = []
    for objective, action_rows in objective_rows(block, rows_by_pk=report_context.action_rows_by_pk):
        lead = f"{objective.lead_officer}: " if objective.lead_officer else ""
        for row in action_rows:
            action = " ".join(html_paragraphs(row.action.description))
            owner = f"Owner: {row.action.owner_name or 'not assigned'}"
            rags = [_rag_word(rag) for rag in row.row.rags]
            rows.append([lead + " ".join(html_paragraphs(objective.description)), f"{action}\n{owner}", *rags,
                         _update_text(row.latest_update, report_context.quarter)])  # fmt: skip
    paper.table(
        ["Objective", "Key actions", "Q1", "Q2", "Q3", "Q4", "Narrative"], rows, widths=[20, 24, 6, 6, 6, 6, 32]
    )


def report_docx(*, report_context: ReportContext, title: str, status_line: str) -> bytes:
    """Return the report as a .docx: the same sections in the same order as the page and the PDF."""
    paper = _Paper(title=title)
    paper.heading(report_context.plan_then.title, 0)
    paper.document.add_paragraph(status_line)
    _summary(paper, report_context)
    _at_a_glance(paper, report_context)
    _board_changes(paper, report_context)
    _plan_sections(paper, report_context)
    _risk_register(paper, report_context)
    _ofsted_recommendations(paper, report_context)
    for block in report_context.themes.blocks:
        _theme(paper, report_context, block)
    paper.insert_contents()
    return paper.save()
