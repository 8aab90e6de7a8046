from django.urls import path
from django.views.generic import TemplateView

app_name = "kpis"
urlpatterns = [
    path("", TemplateView.as_view(template_name="kpis/measure_list.html"), name="measure_list"),
]
