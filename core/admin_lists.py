"""Admin change lists that answer an impossible filter in the address with a sentence, not a server error.

Django 5.2's date hierarchy turns ``?month__year=99999999999`` into an OverflowError and ``?month__year=9999``
into a ValueError (the year after it), both outside its own try, so the change list fails with a 500. Here
they are what Django makes of every other unreadable filter: IncorrectLookupParameters, which redirects to
the unfiltered list with ``?e=1``; that list then says why the filter was dropped.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList

FILTER_UNUSABLE = (
    "The filter in the page address could not be used (a date or number in it is out of range or unreadable), "
    "so the whole list is shown. Choose the filters again from the list."
)


class BoundedChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedChangeListMixin:
    """A ModelAdmin (first in its bases) whose change list drops an impossible filter and says so."""

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and ERROR_FLAG in request.GET:
            messages.warning(request, FILTER_UNUSABLE)
        return super().changelist_view(request, extra_context=extra_context)
