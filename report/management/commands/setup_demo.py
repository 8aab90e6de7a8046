"""Load Torbay's demo data and users. Idempotent: running it again changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from kpis import demo as kpis_demo
from plans import demo as plans_demo
from report import publishing
from risks import demo as risks_demo


class Command(BaseCommand):
    help = (
        "Create the demo users and load Torbay's plans, KPIs and risks from fixtures/, open the Q2 2021/22 round and "
        "record the seed's July 2021 report as the published Q1 2021/22 paper (idempotent)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            users = plans_demo.users_load(password=settings.DEMO_PASSWORD)
            plans = plans_demo.plans_load()
            kpis_demo.load_demo(plan_slug=plans_demo.MAIN_PLAN_SLUG, stdout=self.stdout)
            risks_demo.load_demo(plan_slug=plans_demo.MAIN_PLAN_SLUG, stdout=self.stdout)
            round_ = plans_demo.round_load()
            paper = publishing.published_demo_load(plan_slug=plans_demo.MAIN_PLAN_SLUG)
        if options["verbosity"]:
            self.stdout.write(f"Users created: {', '.join(users) or 'none (all there)'}.")
            self.stdout.write(f"Plans loaded: {', '.join(plans) or 'none (all there)'}.")
            opened = f"{round_.for_quarter.label}, updates due by {round_.deadline:%d/%m/%Y}" if round_ else None
            self.stdout.write(f"Reporting round opened: {opened or 'none (one there already)'}.")
            published = f"{paper.plan.title}, Q{paper.quarter} {paper.financial_year}" if paper else None
            self.stdout.write(f"Paper published: {published or 'none (the seed paper is there already)'}.")
