"""factory_boy factories for the domain models (tests only)."""

import datetime

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from plans.models import ActionUpdate, KeyAction, Objective, Plan, QuarterRag, Rag, Theme


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("improve-2021")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    title = factory.Sequence(lambda n: f"Improvement plan {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")
    senior_responsible_officer = "Nancy Meehan"
    report_date = datetime.date(2021, 7, 13)
    overall_status = Rag.AMBER
    overall_narrative = "<p>Progress continues.</p>"


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Theme {n}")
    overview_narrative = "<p>Overview.</p>"
    overview_rag = Rag.AMBER


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    theme = factory.SubFactory(ThemeFactory)
    order = factory.Sequence(lambda n: n)
    lead_officer = "Becky Thompson"
    description = factory.Sequence(lambda n: f"Objective {n}")


class KeyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyAction

    objective = factory.SubFactory(ObjectiveFactory)
    order = factory.Sequence(lambda n: n)
    description = factory.Sequence(lambda n: f"Key action {n}")
    owner = factory.SubFactory(UserFactory)
    owner_name = factory.LazyAttribute(lambda o: o.owner.get_full_name() if o.owner else "")
    by_when = "March 2022"


class QuarterRagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarterRag

    key_action = factory.SubFactory(KeyActionFactory)
    financial_year = 2021
    quarter = 1
    rag = Rag.AMBER
    set_at = factory.LazyFunction(timezone.now)


class ActionUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionUpdate

    key_action = factory.SubFactory(KeyActionFactory)
    financial_year = 2021
    quarter = 1
    progress = "<p>Progress made.</p>"
    barriers = ""
    next_steps = "<p>Next steps.</p>"
    author = factory.LazyAttribute(lambda o: o.key_action.owner)
    created_at = factory.LazyFunction(timezone.now)
