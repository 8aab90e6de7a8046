from django.urls import path
from django.views.generic import TemplateView

app_name = "risks"
urlpatterns = [
    path("", TemplateView.as_view(template_name="risks/risk_list.html"), name="risk_list"),
]
