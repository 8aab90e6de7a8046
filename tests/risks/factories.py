"""factory_boy factory for risks (tests only); the score follows probability × impact as in the services."""

import datetime

import factory

from risks.models import Risk, RiskStatus, RiskType
from tests.factories import PlanFactory, UserFactory


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    plan = factory.SubFactory(PlanFactory)
    ref = factory.Sequence(lambda n: n + 1)
    type = RiskType.RISK
    description = factory.Sequence(lambda n: f"If thing {n} happens, then children may come to harm.")
    mitigation = "Robust oversight."
    owner = factory.SubFactory(UserFactory)
    date_raised = datetime.date(2020, 1, 1)
    probability = 3
    impact = 4
    score = factory.LazyAttribute(lambda o: o.probability * o.impact)
    inherent_probability = factory.LazyAttribute(lambda o: o.probability)
    inherent_impact = factory.LazyAttribute(lambda o: o.impact)
    inherent_score = factory.LazyAttribute(lambda o: o.inherent_probability * o.inherent_impact)
    status = RiskStatus.OPEN
