"""The editing pages' URLs, listed in plans/urls.py before the plan's own (so "new" is never read as a slug)."""

from django.urls import path

from plans.editing import outcome, owner_views, recommendation_views, tracker_import_views, views

urlpatterns = [
    path("plans/owners/", owner_views.OwnersView.as_view(), name="owners"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/new/from-spreadsheet/", tracker_import_views.PlanImportView.as_view(), name="plan_import"),
    path(
        "plans/new/from-spreadsheet/create/",
        tracker_import_views.PlanImportConfirmView.as_view(),
        name="plan_import_confirm",
    ),
    path("plans/<slug:slug>/roll-forward/", views.PlanRollForwardView.as_view(), name="plan_roll_forward"),
    path("plans/<slug:slug>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<slug:slug>/edit/summary/", views.PlanSummaryEditView.as_view(), name="plan_summary_edit"),
    path("plans/<slug:slug>/edit/themes/add/", views.ThemeAddView.as_view(), name="theme_add"),
    path("plans/<slug:slug>/edit/<slug:kind>/add/", views.ListedAddView.as_view(), name="listed_add"),
    path("plans/<slug:slug>/edit/<slug:kind>/<int:pk>/", views.ListedEditView.as_view(), name="listed_edit"),
    path("plans/<slug:slug>/edit/<slug:kind>/<int:pk>/move/", views.ListedMoveView.as_view(), name="listed_move"),
    path("plans/<slug:slug>/edit/<slug:kind>/<int:pk>/retire/", views.ListedRetireView.as_view(), name="listed_retire"),
    path("themes/<int:pk>/edit/", views.ThemeEditView.as_view(), name="theme_edit"),
    path("themes/<int:pk>/objectives/add/", views.ObjectiveAddView.as_view(), name="objective_add"),
    path("objectives/<int:pk>/edit/", views.ObjectiveEditView.as_view(), name="objective_edit"),
    path("objectives/<int:pk>/actions/add/", views.KeyActionAddView.as_view(), name="action_add"),
    path("actions/<int:pk>/edit/", views.KeyActionEditView.as_view(), name="action_edit"),
    path("actions/<int:pk>/retire/", views.KeyActionRetireView.as_view(), name="action_retire"),
    path("actions/<int:pk>/outcome/", outcome.OutcomeEditView.as_view(), name="action_outcome"),
    path(
        "recommendations/<int:pk>/edit/",
        recommendation_views.RecommendationEditView.as_view(),
        name="recommendation_edit",
    ),
]
