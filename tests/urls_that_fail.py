"""The app's URLs plus one view that fails, for the 500 page's test."""

from django.urls import path

from torbay_improvement.urls import urlpatterns as app_urlpatterns


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), *app_urlpatterns]
