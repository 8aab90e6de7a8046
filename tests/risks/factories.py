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


def added_risk(plan, owner, *, ref: int, description: str = "If x, then y.", **values):
    """Return a risk added through the services as a system job, raised on 1 January 2020 (probability
    and impact 3 × 4 unless given)."""
    from risks import services

    values = {"probability": 3, "impact": 4, "date_raised": datetime.date(2020, 1, 1), **values}
    return services.risk_create(user=None, plan=plan, ref=ref, description=description, owner=owner, **values)
