"""What importing a register file would do: every problem, or each row new, changed or unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.importing import FileRefused, Problem, Problems
from risks.models import Risk
from risks.selectors import owner_lookup
from risks.spreadsheet.columns import COLUMN_OF_FIELD, canonical_heading
from risks.spreadsheet.reading import register_file_read
from risks.spreadsheet.rows import ParsedRow, parse_register

NEW, UPDATE, SKIP = "new", "update", "skip"


@dataclass(frozen=True)
class Change:
    column: str
    before: str
    after: str


@dataclass
class RegisterRow:
    """One row of the file and what importing it does to the register."""

    parsed: ParsedRow
    action: str
    risk: Risk | None = None  # the risk the row changes, as read for the preview
    changes: list[Change] = field(default_factory=list)


@dataclass
class RegisterPreview:
    plan: object
    file_name: str
    rows: list[RegisterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self):
        self.problems = Problems(self.problems)  # the first ones listed, the rest counted

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def summary(self) -> str:
        """Return one sentence counting what the import does."""
        return f"{self.count(NEW)} new, {self.count(UPDATE)} updated, {self.count(SKIP)} unchanged."

    def fingerprint(self) -> list:
        """Return what the preview was checked against: each row's ref, action and the risk's version."""
        return [[row.parsed.values.get("ref"), row.action, row.risk.version if row.risk else None] for row in self.rows]


def _shown(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.get_username()
    return str(value)


def _register_row(parsed: ParsedRow, existing: dict[int, Risk]) -> RegisterRow:
    risk = existing.get(parsed.values.get("ref"))
    if risk is None:
        return RegisterRow(parsed=parsed, action=NEW)
    changes = [
        Change(COLUMN_OF_FIELD.get(name, name), _shown(getattr(risk, name)), _shown(value))
        for name, value in parsed.values.items()
        if getattr(risk, name) != value
    ]
    return RegisterRow(parsed=parsed, action=UPDATE if changes else SKIP, risk=risk, changes=changes)


def register_import_preview(*, plan, data: bytes, file_name: str) -> RegisterPreview:
    """Return what importing the file into the plan's register would do, or every problem that refuses it."""
    preview = RegisterPreview(plan=plan, file_name=file_name)
    try:
        headers, rows = register_file_read(data=data, file_name=file_name)
    except FileRefused as refused:
        preview.problems.append(refused.problem)
        return preview
    parsed = parse_register([canonical_heading(h) for h in headers], rows, owners=owner_lookup())
    preview.problems = parsed.problems
    if preview.problems:
        return preview
    existing = {risk.ref: risk for risk in Risk.objects.filter(plan=plan).select_related("owner")}
    preview.rows = [_register_row(row, existing) for row in parsed.rows if not row.blank]
    return preview
