"""Import and export of a plan's register in the seeds' layout (django-import-export).

The whole file is read and checked first (risks.spreadsheet.parse_register); any problem refuses
every row, each reported by spreadsheet row and column heading, and nothing is written. Rows are
saved through the services, so imports are authorised and recorded in the history like any edit.
"""

from __future__ import annotations

import copy

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export import resources
from import_export.fields import Field
from import_export.resources import Diff
from import_export.results import RowResult

from core.importing import FileRefused, rows_check
from plans.models import Plan
from risks import selectors, services, spreadsheet
from risks.models import Risk
from risks.spreadsheet import COLUMN_OF_FIELD, Problem

NO_PLAN = "Choose the plan whose register this file holds, then upload the file again."
ROW_REFUSED = "Nothing has been imported because of the problems listed. Correct the file, then upload it again."


class RegisterDiff(Diff):
    """The preview's before/after cells, written as the export writes them (names, not ids)."""

    @classmethod
    def _read_field_values(cls, resource, instance):
        return [resource.export_field(field, instance) for field in resource.get_import_fields()]


class RiskResource(resources.ModelResource):
    """A plan's register in the seeds' nine columns, with formula cells escaped on export."""

    ref = Field(attribute="ref", column_name=spreadsheet.REF)
    type = Field(attribute="type", column_name=spreadsheet.TYPE)
    description = Field(attribute="description", column_name=spreadsheet.DESCRIPTION)
    mitigation = Field(attribute="mitigation", column_name=spreadsheet.MITIGATION)
    date_raised = Field(attribute="date_raised", column_name=spreadsheet.DATE_RAISED)
    owner = Field(attribute="owner", column_name=spreadsheet.OWNER)
    probability = Field(attribute="probability", column_name=spreadsheet.PROBABILITY)
    impact = Field(attribute="impact", column_name=spreadsheet.IMPACT)
    score = Field(attribute="score", column_name=spreadsheet.SCORE, readonly=True)

    class Meta:
        model = Risk
        name = "Risk register (seed layout)"
        fields = ("ref", "type", "description", "mitigation", "date_raised", "owner", "probability", "impact", "score")
        import_order = export_order = fields
        import_id_fields = ("ref",)
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False  # the services run full_clean()

    def __init__(self, plan: Plan | None = None, **kwargs):
        super().__init__(**kwargs)
        self.plan = plan
        self.parsed: spreadsheet.ParsedRegister | None = None
        self.existing: dict[int, Risk] = {}

    # Import -------------------------------------------------------------------------------------

    def get_diff_class(self):
        return RegisterDiff

    def before_import(self, dataset, **kwargs):
        if self.plan is None:
            raise ValidationError(NO_PLAN)
        try:
            rows_check(len(dataset))
        except FileRefused as refused:
            raise ValidationError(refused.problem.message) from refused
        # Headings are matched ignoring case and spacing; name them as the resource's fields do.
        if dataset.headers:
            dataset.headers = [spreadsheet.canonical_heading(heading) for heading in dataset.headers]
        self.parsed = spreadsheet.parse_register(dataset.headers or [], list(dataset), owners=selectors.owner_lookup())
        if self.parsed.file_problems:
            raise ValidationError([str(problem) for problem in self.parsed.file_problems])
        self.existing = {risk.ref: risk for risk in Risk.objects.filter(plan=self.plan).select_related("owner")}

    def _parsed_row(self, row_number: int) -> spreadsheet.ParsedRow:
        return self.parsed.rows[row_number - 1]

    def import_row(self, row, instance_loader, **kwargs):
        refused = self.parsed is None or self.parsed.file_problems
        if refused or self._parsed_row(kwargs["row_number"]).blank:
            # The file's own problems are reported once, not on every row; blank rows are ignored.
            skipped = self.get_row_result_class()()
            skipped.import_type = RowResult.IMPORT_TYPE_SKIP
            return skipped
        return super().import_row(row, instance_loader, **kwargs)

    def get_instance(self, instance_loader, row):
        # A copy: the row's values are set on it for the preview, while the service compares them
        # with the risk as it was read.
        existing = self.existing.get(spreadsheet.whole_number(row.get(spreadsheet.REF)))
        return copy.copy(existing) if existing is not None else None

    def init_instance(self, row=None):
        return Risk(plan=self.plan)

    def import_instance(self, instance, row, **kwargs):
        parsed = self._parsed_row(kwargs["row_number"])
        if parsed.problems:
            errors: dict[str, list[str]] = {}
            for problem in parsed.problems:
                errors.setdefault(problem.column, []).append(str(problem))
            raise ValidationError(errors)
        for name, value in parsed.values.items():
            setattr(instance, name, value)
        # For the preview's diff only; the services set the stored score.
        instance.score = (instance.probability or 0) * (instance.impact or 0)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        if original is None or original.pk is None:
            return False
        return all(
            getattr(original, name) == getattr(instance, name) for name in spreadsheet.FIELD_OF_COLUMN.values()
        ) and (original.date_raised_precision == instance.date_raised_precision)

    def save_instance(self, instance, is_create, row, **kwargs):
        parsed = self._parsed_row(kwargs["row_number"])
        user = kwargs.get("user")
        reason = f"Imported from {kwargs.get('file_name') or 'a file'}, row {parsed.row}"[:100]
        try:
            if is_create:
                created = services.risk_create(user=user, plan=self.plan, reason=reason, **parsed.values)
                instance.pk, instance.score, instance.version = created.pk, created.score, created.version
            else:
                current = self.existing[instance.ref]
                services.risk_update(user=user, risk=current, reason=reason, **parsed.values)
                instance.version = current.version
        except ValidationError as error:
            raise ValidationError(self._by_column(parsed.row, error)) from error

    def _by_column(self, row: int, error: ValidationError) -> dict[str, list[str]]:
        """Return model validation errors keyed and worded by the spreadsheet's row and column."""
        messages: dict[str, list[str]] = {}
        details = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for name, texts in details.items():
            column = COLUMN_OF_FIELD.get(name, spreadsheet.REF if name == NON_FIELD_ERRORS else name)
            for text in texts:
                messages.setdefault(column, []).append(str(Problem(row, column, text)))
        return messages

    def save_m2m(self, instance, row, **kwargs):
        """The file has no link columns: links made in the tracker are kept."""

    # Export -------------------------------------------------------------------------------------

    def get_queryset(self):
        queryset = Risk.objects.select_related("owner", "plan").order_by("plan_id", "ref")
        return queryset.filter(plan=self.plan) if self.plan else queryset

    def export_field(self, field, instance, **kwargs):
        return spreadsheet.escape_formula(super().export_field(field, instance, **kwargs))

    def dehydrate_type(self, risk: Risk) -> str:
        return risk.get_type_display() if risk.type else ""

    def dehydrate_date_raised(self, risk: Risk) -> str:
        return risk.date_raised_display

    def dehydrate_owner(self, risk: Risk) -> str:
        if risk.owner_id is None:
            return ""
        return risk.owner.get_full_name() or risk.owner.username

    def dehydrate_ref(self, risk: Risk) -> int:
        return risk.ref

    def dehydrate_probability(self, risk: Risk) -> int:
        return risk.probability

    def dehydrate_impact(self, risk: Risk) -> int:
        return risk.impact

    def dehydrate_score(self, risk: Risk) -> int:
        return risk.score

    def dehydrate_description(self, risk: Risk) -> str:
        return risk.description

    def dehydrate_mitigation(self, risk: Risk) -> str:
        return risk.mitigation
