from django.urls import path

from risks import views

app_name = "risks"
urlpatterns = [
    path("", views.RiskListView.as_view(), name="risk_list"),
    path("add/", views.RiskAddChooserView.as_view(), name="risk_add_choose"),
    path("add/<slug:plan>/", views.RiskCreateView.as_view(), name="risk_add"),
    path("appetite/<slug:plan>/", views.RiskAppetiteView.as_view(), name="risk_appetite"),
    path("<int:pk>/", views.RiskDetailView.as_view(), name="risk_detail"),
    path("<int:pk>/edit/", views.RiskUpdateView.as_view(), name="risk_edit"),
]
