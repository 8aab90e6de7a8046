"""django-import-export resources for KPIs.

The performance team's wide spreadsheet (one row per measure, one column per month) goes through
`kpis.spreadsheet`, not a row-per-record Resource: a Resource sees one output row per input row, while
one spreadsheet row here holds a measure's figures for many months, years and benchmarks. This
long-format resource (one row per measure and month) is the plain django-import-export way, kept
for one-off loads and as the baseline the benchmark compares the wide pipeline against.
"""

from import_export import fields, resources, widgets

from kpis.models import Measure, MeasureValue


class MeasureRefWidget(widgets.ForeignKeyWidget):
    """Find a measure by its Ref within one plan (a Ref is unique only within its plan)."""

    def __init__(self, plan=None, **kwargs):
        super().__init__(Measure, field="ref", **kwargs)
        self.plan = plan

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = Measure.objects.all()
        return queryset.filter(plan=self.plan) if self.plan is not None else queryset


class MeasureValueResource(resources.ModelResource):
    """One row per measure and month: Ref, month (YYYY-MM-DD), value, text, note."""

    measure = fields.Field(attribute="measure", column_name="ref", widget=MeasureRefWidget())
    month = fields.Field(attribute="month", column_name="month", widget=widgets.DateWidget("%Y-%m-%d"))

    def __init__(self, plan=None, **kwargs):
        super().__init__(**kwargs)
        self.fields["measure"].widget = MeasureRefWidget(plan=plan)

    class Meta:
        model = MeasureValue
        fields = ("measure", "month", "value", "text", "note")
        import_id_fields = ("measure", "month")
        skip_unchanged = True
        report_skipped = False
