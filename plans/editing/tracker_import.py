"""A new plan from a spreadsheet in the 2016 action tracker's shape (seed 001), issue 13.

Columns "What?", "Who?", "How?", "Success measures", "Baseline", "Target/ date" and, optionally, "Outcome".
A row with only "What?" filled (and, for an objective, perhaps "Who?": its lead officer) is a heading: the
heading just above another heading is a theme, the one just above key actions is an objective; a heading
alone after key actions starts the next objective of the same theme. Every other row is a key action.

It stands on core.importing (the limits, formula escaping, Problem by the sheet's own row and column
names): the whole file is read and checked first, then everything is written in one transaction or nothing.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction

from core.importing import (
    FileRefused,
    FirstRowOfKey,
    Problem,
    Problems,
    ReadLimits,
    csv_text,
    is_text,
    unescape_formula,
    upload_check,
)
from plans.editing.creating import plan_create
from plans.editing.services import _authorise, _save
from plans.models import KeyAction, Objective, Plan, Theme, narrative_too_long_message

# Column key → the heading as the tracker writes it. Headings are matched ignoring case, "?" and spaces.
COLUMNS = {
    "what": "What?",
    "who": "Who?",
    "how": "How?",
    "success_measures": "Success measures",
    "baseline": "Baseline",
    "target": "Target/ date",
    "outcome": "Outcome",
}
REQUIRED = ("what", "who", "how", "success_measures", "baseline", "target")
NARRATIVE_COLUMNS = ("how", "success_measures", "baseline", "target", "outcome")
THEME_TITLE_MAX = 300
WHO_MAX = 200

NOT_A_SPREADSHEET = (
    "“{name}” is not an Excel workbook (.xlsx) or a CSV file. Save the tracker as an Excel workbook and upload that."
)
NO_HEADER = (
    "No row starts with the heading “What?”. The tracker's columns are What?, Who?, How?, Success measures, "
    "Baseline, Target/ date and Outcome: add that heading row above the plan's rows and upload the file again."
)
MISSING_COLUMNS = (
    "The heading row has no column {columns}. Add {them} (headings as in the 2016 tracker) and upload again."
)
NOTHING_TO_CREATE = (
    "The sheet has no themes, objectives or key actions under its headings: fill them in and upload again."
)
NO_WHAT = "Say what the key action is: “What?” is empty."
NO_THEME = (
    "This objective has no theme above it. Put the theme's name on a row of its own just above its first "
    "objective, with only “What?” filled in."
)
TOO_MANY_HEADINGS = (
    "Rows {rows} are headings one after another: a theme's row is followed by its objective's, then the "
    "objective's key actions. Remove a row, or fill in the key actions under it."
)
NO_ACTIONS = "“{text}” is a heading with no key actions under it: add its actions below it, or remove the row."
THEME_REPEATED = "The theme “{text}” is already on row {first}: put all its objectives under that one row."
TOO_LONG = "{label} is {count:,} characters; the limit is {limit:,}. Shorten it and upload again."


@dataclass
class ActionRow:
    row: int
    fields: dict[str, str]  # what, who, how, success_measures, baseline, target, outcome

    @property
    def description(self) -> str:
        return self.fields["what"]


@dataclass
class ObjectiveRow:
    row: int
    description: str
    lead_officer: str
    actions: list[ActionRow] = field(default_factory=list)


@dataclass
class ThemeRow:
    row: int
    title: str
    objectives: list[ObjectiveRow] = field(default_factory=list)


@dataclass
class TrackerSheet:
    """What a tracker spreadsheet would create, and every problem that stops it."""

    themes: list[ThemeRow] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)

    @property
    def objective_count(self) -> int:
        return sum(len(theme.objectives) for theme in self.themes)

    @property
    def action_count(self) -> int:
        return sum(len(objective.actions) for theme in self.themes for objective in theme.objectives)


def _key(heading) -> str | None:
    """Return the column a heading names, or None."""
    text = re.sub(r"[\s?]+", "", str(heading or "")).casefold()
    for key, name in COLUMNS.items():
        wanted = re.sub(r"[\s?]+", "", name).casefold()
        if text == wanted or (key == "outcome" and text.startswith(wanted)):
            return key
    return None


def _text(value) -> str:
    """Return a cell as the text it shows: dates day first, whole numbers without ".0", formulas' escape off."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(unescape_formula(value if isinstance(value, str) else str(value))).strip()


def sheet_rows(*, data: bytes, file_name: str) -> list[tuple[int, list]]:
    """Return the first sheet's rows with their row numbers, within core.importing's limits; raise FileRefused."""
    upload_check(data=data)
    limits = ReadLimits()
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise FileRefused(Problem(None, None, NOT_A_SPREADSHEET.format(name=file_name))) from error
        try:
            rows = list(limits.rows(workbook.worksheets[0].iter_rows(values_only=True)))
        finally:
            workbook.close()
    elif is_text(data):
        rows = list(limits.csv_rows(csv_text(data=data, file_name=file_name)))
    else:
        raise FileRefused(Problem(None, None, NOT_A_SPREADSHEET.format(name=file_name)))
    return [(number, list(row)) for number, row in enumerate(rows, start=1)]


def _header(rows: list[tuple[int, list]]) -> tuple[int, dict[str, int], list]:
    """Return the heading row's number, each column's index by key, and its cells; raise FileRefused."""
    for number, cells in rows:
        first = next((cell for cell in cells if _text(cell)), None)
        if _key(first) == "what":
            columns: dict[str, int] = {}
            for index, cell in enumerate(cells):
                key = _key(cell)
                if key and key not in columns:
                    columns[key] = index
            missing = [COLUMNS[key] for key in REQUIRED if key not in columns]
            if missing:
                names = ", ".join(f"“{name}”" for name in missing)
                message = MISSING_COLUMNS.format(columns=names, them="it" if len(missing) == 1 else "them")
                raise FileRefused(Problem(number, None, message))
            return number, columns, cells
    raise FileRefused(Problem(None, None, NO_HEADER))


class _Reader:
    """Reads the rows under the heading row one at a time, placing headings and key actions."""

    def __init__(self, headings: dict[str, str]):
        self.headings = headings
        self.sheet = TrackerSheet()
        self.problems = self.sheet.problems
        self.themes_seen = FirstRowOfKey()
        self.pending: list[tuple[int, dict[str, str]]] = []  # heading rows not yet placed
        self.objective: ObjectiveRow | None = None

    def problem(self, row: int | None, key: str | None, message: str) -> None:
        self.problems.append(Problem(row, self.headings.get(key, COLUMNS.get(key)) if key else None, message))

    def row(self, number: int, fields: dict[str, str]) -> None:
        if not any(fields.values()) or fields["what"] == self.headings["what"]:
            return  # a blank row, or the heading row repeated (the tracker repeats it on every page)
        if fields["what"] and not any(fields[key] for key in NARRATIVE_COLUMNS):
            self.pending.append((number, fields))
            return
        if not fields["what"]:
            self.problem(number, "what", NO_WHAT)
            return
        if self.pending:
            self.objective = self.place_headings()
            self.pending = []
        elif self.objective is None:
            self.problem(number, "what", NO_THEME)
        for key in NARRATIVE_COLUMNS:
            message = narrative_too_long_message(self.headings.get(key, COLUMNS[key]), fields[key])
            if message:
                self.problem(number, key, message)
        self.check_length(number, "who", fields["who"], WHO_MAX)
        if self.objective is not None:
            self.objective.actions.append(ActionRow(row=number, fields=fields))

    def place_headings(self) -> ObjectiveRow | None:
        """Turn the headings above a key action into a theme and objective (or an objective); return it."""
        pending = self.pending
        if len(pending) > 2:
            rows_named = ", ".join(str(row) for row, _ in pending[:-1]) + f" and {pending[-1][0]}"
            self.problem(pending[0][0], None, TOO_MANY_HEADINGS.format(rows=rows_named))
            return None
        if len(pending) == 2:
            theme_row, theme_fields = pending[0]
            title = theme_fields["what"]
            self.check_length(theme_row, "what", title, THEME_TITLE_MAX)
            first = self.themes_seen.repeated(title.casefold(), theme_row)
            if first is not None:
                self.problem(theme_row, "what", THEME_REPEATED.format(text=title, first=first))
            self.sheet.themes.append(ThemeRow(row=theme_row, title=title))
        elif not self.sheet.themes:
            self.problem(pending[0][0], "what", NO_THEME)
            return None
        row, fields = pending[-1]
        self.check_length(row, "who", fields["who"], WHO_MAX)
        placed = ObjectiveRow(row=row, description=fields["what"], lead_officer=fields["who"])
        self.sheet.themes[-1].objectives.append(placed)
        return placed

    def check_length(self, row: int, key: str, value: str, limit: int) -> None:
        if len(value) > limit:
            label = self.headings.get(key, COLUMNS[key])
            self.problem(row, key, TOO_LONG.format(label=label, count=len(value), limit=limit))

    def finish(self) -> TrackerSheet:
        for number, fields in self.pending:
            self.problem(number, "what", NO_ACTIONS.format(text=fields["what"][:80]))
        if not self.sheet.themes and not self.problems:
            self.problem(None, None, NOTHING_TO_CREATE)
        return self.sheet


def tracker_read(*, data: bytes, file_name: str) -> TrackerSheet:
    """Return the themes, objectives and key actions a tracker spreadsheet holds, with every problem found.

    Raise FileRefused when it cannot be read at all (not a spreadsheet, too large, no heading row)."""
    rows = sheet_rows(data=data, file_name=file_name)
    header_row, columns, header_cells = _header(rows)
    reader = _Reader({key: _text(header_cells[index]) for key, index in columns.items()})
    for number, cells in rows:
        if number > header_row:
            fields = {key: _text(cells[index]) if index < len(cells) else "" for key, index in columns.items()}
            reader.row(number, {"outcome": ""} | fields)
    return reader.finish()


def _owners_by_name() -> dict[str, User]:
    return {u.get_full_name().casefold(): u for u in User.objects.filter(is_active=True) if u.get_full_name()}


def plan_create_from_tracker(*, user: User, sheet: TrackerSheet, **plan_fields) -> Plan:
    """Create a plan (plan_fields as plans.editing.creating.plan_create takes them) with the sheet's themes,
    objectives and key actions, all or nothing; return it.

    A key action's "Who?" naming a person with an account (by full name) makes them its owner."""
    _authorise(user)
    if sheet.problems:
        raise ValueError("A sheet with problems is never written: show them to the person instead.")
    owners = _owners_by_name()
    with transaction.atomic():
        plan = plan_create(user=user, **plan_fields)
        for number, theme_row in enumerate(sheet.themes, start=1):
            theme = Theme(plan=plan, number=number, title=theme_row.title)
            _save(theme, user=user)
            for order, objective_row in enumerate(theme_row.objectives):
                objective = Objective(
                    theme=theme,
                    order=order,
                    description=objective_row.description,
                    lead_officer=objective_row.lead_officer,
                )
                _save(objective, user=user)
                for action_order, row in enumerate(objective_row.actions):
                    fields = row.fields
                    action = KeyAction(
                        objective=objective,
                        order=action_order,
                        description=fields["what"],
                        owner_name=fields["who"],
                        owner=owners.get(fields["who"].casefold()),
                        **{key: fields[key] for key in NARRATIVE_COLUMNS},
                    )
                    _save(action, user=user)
    return plan
