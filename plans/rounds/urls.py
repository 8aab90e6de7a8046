"""The round's URLs, listed in plans/urls.py beside the plan's own."""

from django.urls import path

from plans.rounds import reminder_views, views

urlpatterns = [
    path("plans/<slug:slug>/rounds/open/", views.RoundOpenView.as_view(), name="round_open"),
    path("plans/<slug:slug>/review/", views.RoundReviewView.as_view(), name="round_review"),
    path("plans/<slug:slug>/reminders/", reminder_views.RemindersSentView.as_view(), name="round_reminders"),
]
