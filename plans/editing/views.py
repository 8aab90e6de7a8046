"""The editing pages: authorise (the SRO and administrators) → select → present, and save through the
services, which authorise again."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views import View
from django.views.generic import FormView, TemplateView

from core.calendar import financial_year_label, financial_year_of
from core.locking import EditConflict
from core.views import RowPermissionRequiredMixin
from plans import permissions
from plans import selectors as plan_selectors
from plans.editing import creating, forms, selectors, services
from plans.models import Plan, Rag

LISTED_NAMES = {"priorities": "key priority", "developments": "medium-term development"}
LISTED_FORMS = {"priorities": forms.KeyPriorityForm, "developments": forms.MediumTermForm}


def plan_edit_url(plan, anchor: str = "") -> str:
    return reverse("plans:plan_edit", kwargs={"slug": plan.slug}) + (f"#{anchor}" if anchor else "")


class EditorRequiredMixin(RowPermissionRequiredMixin):
    """Only the SRO and administrators: `load()` finds the rows (404 first), then who may act is checked."""

    permission_denied_message = services.NOT_ALLOWED_MESSAGE

    def load(self) -> None:
        raise NotImplementedError

    def test_func(self) -> bool:
        self.load()
        return permissions.can_edit_plan(self.request.user)


def _shown(value: Any) -> str:
    """Return a saved value as the conflict panel shows it."""
    if value is None or value == "":
        return "(blank)"
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.get_username()
    if hasattr(value, "isoformat"):
        return date_format(value, "j F Y")
    if value in Rag.values:
        return Rag(value).label
    return str(value)


class EditFormView(EditorRequiredMixin, FormView):
    """One form editing one row (`obj`, versioned) or adding one (`obj` None), then back to the plan's editing page."""

    template_name = "plans/editing/form.html"
    title = ""
    intro = ""
    obj = None
    plan = None

    def form_kwargs(self) -> dict:
        """The form's own keyword arguments, beyond data and initial."""
        return {"cancel_url": self.get_success_url(), "versioned": self.obj is not None}

    def get_form_kwargs(self):
        return super().get_form_kwargs() | self.form_kwargs()

    def initial_from(self, obj) -> dict:
        return {}

    def get_initial(self):
        if self.obj is None:
            return {}
        return {"version": self.obj.version, **self.initial_from(self.obj)}

    def get_success_url(self) -> str:
        return plan_edit_url(self.plan)

    def save(self, data: dict) -> str:
        """Write through the service; return the sentence saying what was saved."""
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.save(form.cleaned_data)
        except EditConflict as conflict:
            # Keep what the person typed, against the version now saved, and show what was saved.
            self.obj.refresh_from_db()
            data = self.request.POST.copy()
            data["version"] = str(self.obj.version)
            form = self.get_form_class()(data=data, **self.form_kwargs())
            form.is_valid()
            form.add_error(None, conflict.message)
            saved = self.initial_from(self.obj)
            shown = [(form.fields[name].label, _shown(value)) for name, value in saved.items() if name in form.fields]
            return self.render_to_response(self.get_context_data(form=form, saved=shown))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.plan, title=self.title, intro=self.intro, **kwargs)


class PlanEditView(EditorRequiredMixin, TemplateView):
    """The plan's editing page: its summary, lists, themes, objectives and key actions, each with its edit link."""

    template_name = "plans/editing/plan_edit.html"

    def load(self) -> None:
        self.editing = selectors.plan_for_editing(user=self.request.user, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(**asdict(self.editing) | {"themes": self.editing.themes}, **kwargs)


class PlanSummaryEditView(EditFormView):
    form_class = forms.PlanSummaryForm
    title = "Edit the plan's summary"
    intro = "The overall status, the overall progress narrative and the date of the report, as the report shows them."

    def load(self) -> None:
        self.plan = self.obj = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])

    def initial_from(self, obj) -> dict:
        return {
            "overall_status": obj.overall_status,
            "overall_narrative": forms.editable_text(obj.overall_narrative),
            "report_date": obj.report_date,
        }

    def get_success_url(self) -> str:
        return plan_edit_url(self.plan, "summary")

    def save(self, data: dict) -> str:
        services.plan_summary_update(
            user=self.request.user,
            plan=self.plan,
            expected_version=data["version"],
            overall_status=data["overall_status"],
            overall_narrative=data["overall_narrative"],
            report_date=data["report_date"],
        )
        return "The plan's summary was saved."


class ListedMixin:
    """A key priority or a medium-term development, by the URL's kind."""

    def load_plan_and_kind(self) -> None:
        self.kind = self.kwargs["kind"]
        if self.kind not in LISTED_NAMES:
            raise Http404("No such list.")
        self.plan = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])
        self.row = (
            selectors.listed_get(user=self.request.user, plan=self.plan, kind=self.kind, pk=self.kwargs["pk"])
            if "pk" in self.kwargs
            else None
        )

    @property
    def noun(self) -> str:
        return LISTED_NAMES[self.kind]


class ListedAddView(ListedMixin, EditFormView):
    def load(self) -> None:
        self.load_plan_and_kind()
        self.title = f"Add a {self.noun}"

    def get_form_class(self):
        return LISTED_FORMS[self.kind]

    def get_success_url(self) -> str:
        return plan_edit_url(self.plan, self.kind)

    def save(self, data: dict) -> str:
        data.pop("version", None)
        row = services.listed_add(user=self.request.user, model=selectors.LISTED[self.kind], plan=self.plan, **data)
        return f"The {self.noun} {row.ref} was added at the end of the list."


class ListedEditView(ListedMixin, EditFormView):
    def load(self) -> None:
        self.load_plan_and_kind()
        self.obj = self.row
        self.title = f"Edit {self.noun} {self.row.ref}"

    def get_form_class(self):
        return LISTED_FORMS[self.kind]

    def initial_from(self, obj) -> dict:
        return {name: getattr(obj, name) for name in self.get_form_class().base_fields if name != "version"}

    def get_success_url(self) -> str:
        return plan_edit_url(self.plan, f"{self.kind}-{self.row.pk}")

    def save(self, data: dict) -> str:
        version = data.pop("version")
        services.listed_update(user=self.request.user, row=self.row, expected_version=version, **data)
        return f"The {self.noun} {self.row.ref} was saved."


class ListedMoveView(ListedMixin, EditorRequiredMixin, View):
    """Up or down one place (a POSTed button: works without JavaScript, and from the keyboard)."""

    http_method_names = ["post"]

    def load(self) -> None:
        self.load_plan_and_kind()

    def post(self, request, *args, **kwargs):
        up = request.POST.get("direction") == "up"
        if services.listed_move(user=request.user, row=self.row, up=up):
            messages.success(request, f"The {self.noun} {self.row.ref} moved {'up' if up else 'down'}.")
        else:
            messages.info(request, f"The {self.noun} {self.row.ref} is already {'first' if up else 'last'}.")
        return HttpResponseRedirect(plan_edit_url(self.plan, f"{self.kind}-{self.row.pk}"))


class ListedRetireView(ListedMixin, EditorRequiredMixin, View):
    http_method_names = ["post"]

    def load(self) -> None:
        self.load_plan_and_kind()

    def post(self, request, *args, **kwargs):
        services.listed_retire(user=request.user, row=self.row)
        messages.success(
            request, f"The {self.noun} {self.row.ref} was retired: it no longer shows on the plan or the report."
        )
        return HttpResponseRedirect(plan_edit_url(self.plan, self.kind))


class ThemeAddView(EditFormView):
    form_class = forms.ThemeAddForm
    title = "Add a theme"

    def load(self) -> None:
        self.plan = selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])

    def save(self, data: dict) -> str:
        theme = services.theme_add(user=self.request.user, plan=self.plan, number=data["number"], title=data["title"])
        return f"{theme} was added."


class ThemeEditView(EditFormView):
    form_class = forms.ThemeForm
    intro = "The theme's overview narrative and overview RAG rating, as the report shows them."

    def load(self) -> None:
        self.obj = selectors.theme_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.obj.plan
        self.title = f"Edit theme {self.obj.number}"

    def initial_from(self, obj) -> dict:
        return {
            "title": obj.title,
            "overview_narrative": forms.editable_text(obj.overview_narrative),
            "overview_rag": obj.overview_rag,
        }

    def get_success_url(self) -> str:
        return plan_edit_url(self.plan, f"theme-{self.obj.pk}")

    def save(self, data: dict) -> str:
        version = data.pop("version")
        services.theme_update(user=self.request.user, theme=self.obj, expected_version=version, **data)
        return f"Theme {self.obj.number} was saved."


class ObjectiveAddView(EditFormView):
    form_class = forms.ObjectiveForm

    def load(self) -> None:
        self.theme = selectors.theme_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.theme.plan
        self.title = f"Add an objective to theme {self.theme.number}"

    def save(self, data: dict) -> str:
        services.objective_add(
            user=self.request.user, theme=self.theme, lead_officer=data["lead_officer"], description=data["description"]
        )
        return f"The objective was added to theme {self.theme.number}."


class ObjectiveEditView(EditFormView):
    form_class = forms.ObjectiveForm
    title = "Edit an objective"

    def load(self) -> None:
        self.obj = selectors.objective_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.obj.theme.plan

    def initial_from(self, obj) -> dict:
        return {"lead_officer": obj.lead_officer, "description": forms.editable_text(obj.description)}

    def get_success_url(self) -> str:
        return plan_edit_url(self.plan, f"objective-{self.obj.pk}")

    def save(self, data: dict) -> str:
        version = data.pop("version")
        services.objective_update(user=self.request.user, objective=self.obj, expected_version=version, **data)
        return "The objective was saved."


class KeyActionFormMixin:
    form_class = forms.KeyActionForm

    def form_kwargs(self) -> dict:
        owner_id = self.obj.owner_id if self.obj else None
        by_when = self.obj.by_when if self.obj else ""
        return super().form_kwargs() | {
            "people": selectors.action_owner_choices(current_owner_id=owner_id),
            "by_when": by_when,
        }

    @staticmethod
    def action_fields(data: dict) -> dict:
        return {name: data[name] for name in ("description", "owner", "owner_name", "due_date")}


class KeyActionAddView(KeyActionFormMixin, EditFormView):
    def load(self) -> None:
        self.objective = selectors.objective_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.objective.theme.plan
        self.title = f"Add a key action to theme {self.objective.theme.number}"

    def save(self, data: dict) -> str:
        services.key_action_add(user=self.request.user, objective=self.objective, **self.action_fields(data))
        return "The key action was added."


class KeyActionEditView(KeyActionFormMixin, EditFormView):
    title = "Edit a key action"
    intro = "What the action is, who owns it and when it is due. Its quarterly RAG and updates are its owner's."

    def load(self) -> None:
        self.obj = plan_selectors.key_action_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.obj.objective.theme.plan

    def initial_from(self, obj) -> dict:
        return {
            "description": forms.editable_text(obj.description),
            "owner": obj.owner,
            "owner_name": "" if obj.owner_id else obj.owner_name,
            "due_date": obj.due_date,
        }

    def get_success_url(self) -> str:
        return self.obj.get_absolute_url()

    def save(self, data: dict) -> str:
        services.key_action_edit(
            user=self.request.user, key_action=self.obj, expected_version=data["version"], **self.action_fields(data)
        )
        return "The key action was saved."


class KeyActionRetireView(EditFormView):
    form_class = forms.RetireForm
    title = "Retire a key action"
    intro = (
        "A retired action leaves the report and its owner's My actions. Its page, its updates and its RAGs stay, "
        "with the reason you give here."
    )

    def load(self) -> None:
        self.obj = plan_selectors.key_action_get(user=self.request.user, pk=self.kwargs["pk"])
        self.plan = self.obj.objective.theme.plan

    def initial_from(self, obj) -> dict:
        return {"retired_reason": obj.retired_reason}

    def get_success_url(self) -> str:
        return self.obj.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(action=self.obj, **kwargs)

    def save(self, data: dict) -> str:
        services.key_action_retire(
            user=self.request.user,
            key_action=self.obj,
            expected_version=data["version"],
            reason=data["retired_reason"],
        )
        return "The key action was retired. It no longer shows on the report or in its owner's My actions."


class PlanCreateView(EditFormView):
    """A new, empty plan; its themes, objectives and actions are added on its editing page."""

    form_class = forms.PlanCreateForm
    template_name = "plans/editing/plan_create.html"
    title = "Create a plan"
    intro = (
        "Start a plan from scratch: name it here, then add its themes, objectives and key actions. "
        "To start a new year of an existing plan, roll that plan forward from its editing page instead."
    )

    def load(self) -> None:
        pass

    def form_kwargs(self) -> dict:
        this_year = financial_year_of(timezone.localdate())
        return {
            "cancel_url": reverse("plans:plan_list"),
            "versioned": False,
            "years": range(this_year - 1, this_year + 3),
        }

    def get_initial(self):
        return {"council": Plan._meta.get_field("council").default}

    def save(self, data: dict) -> str:
        data.pop("version", None)
        self.plan = creating.plan_create(user=self.request.user, **data)
        return f"“{self.plan.title}” was created. Add its themes, objectives and key actions below."

    def get_success_url(self) -> str:
        return plan_edit_url(self.plan) if self.plan else reverse("plans:plan_list")


class PlanRollForwardView(EditFormView):
    """A new year of a plan: its themes, objectives and open actions copied; the old plan stays as it is."""

    form_class = forms.RollForwardForm
    template_name = "plans/editing/plan_create.html"

    def load(self) -> None:
        self.source = self.plan = plan_selectors.plan_get(user=self.request.user, slug=self.kwargs["slug"])
        self.title = f"Roll “{self.source.title}” forward to a new year"
        own = financial_year_label(creating.plan_year(self.source))
        self.intro = (
            f"A new plan for the year you choose, with this plan's themes, objectives and open key actions (not "
            f"retired ones), its key priorities, medium-term developments and RAG guidance. RAGs, updates, the "
            f"overall status and the narratives start fresh. This plan ({own}) stays as it is."
        )

    def form_kwargs(self) -> dict:
        own = creating.plan_year(self.source)
        return {"cancel_url": plan_edit_url(self.source), "versioned": False, "years": range(own + 1, own + 4)}

    def save(self, data: dict) -> str:
        self.plan = creating.plan_roll_forward(
            user=self.request.user, plan=self.source, financial_year=data["financial_year"], title=data["title"]
        )
        return f"“{self.plan.title}” was created from “{self.source.title}”, which is unchanged."
