"""The People pages, under /people/ (namespace "people")."""

from django.urls import path

from core import people_views

app_name = "people"
urlpatterns = [
    path("", people_views.PeopleListView.as_view(), name="list"),
    path("invite/", people_views.PersonInviteView.as_view(), name="invite"),
    path("<int:pk>/", people_views.PersonView.as_view(), name="person"),
    path("<int:pk>/deactivate/", people_views.PersonDeactivateView.as_view(), name="deactivate"),
    path("<int:pk>/reactivate/", people_views.PersonReactivateView.as_view(), name="reactivate"),
    path("<int:pk>/invite-again/", people_views.PersonInviteAgainView.as_view(), name="invite_again"),
    path("invitation/<uidb64>/<token>/", people_views.InvitationView.as_view(), name="invitation"),
]
