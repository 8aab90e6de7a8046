from django.urls import path

from kpis import views

app_name = "kpis"
urlpatterns = [
    path("", views.MeasureListView.as_view(), name="measure_list"),
    path("<int:pk>/", views.MeasureDetailView.as_view(), name="measure_detail"),
]
