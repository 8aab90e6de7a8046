from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "Improvement plans"

    def ready(self) -> None:
        from plans import panels

        panels.register()
        from core.people import person_invited
        from plans.editing.owners import link_invited_owner

        person_invited.connect(link_invited_owner, dispatch_uid="plans.link_invited_owner")
