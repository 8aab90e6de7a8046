from django.urls import path

from plans import views
from plans.editing.urls import urlpatterns as editing_urlpatterns
from plans.rounds.urls import urlpatterns as rounds_urlpatterns

app_name = "plans"
urlpatterns = [
    *editing_urlpatterns,
    *rounds_urlpatterns,
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/<slug:slug>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("my-actions/", views.MyActionsView.as_view(), name="my_actions"),
    path("actions/<int:pk>/", views.KeyActionDetailView.as_view(), name="action_detail"),
    path("actions/<int:pk>/update/", views.KeyActionUpdateView.as_view(), name="action_update"),
]
