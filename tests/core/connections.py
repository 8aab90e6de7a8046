"""A database connection of the tests' own (an empty SQLite file, a server that is down), outside the
test database that pytest-django manages."""

from __future__ import annotations

CONNECTION_DEFAULTS = {
    "ATOMIC_REQUESTS": False,
    "AUTOCOMMIT": True,
    "CONN_MAX_AGE": 0,
    "CONN_HEALTH_CHECKS": False,
    "OPTIONS": {},
    "TIME_ZONE": None,
    "USER": "",
    "PASSWORD": "",
    "HOST": "",
    "PORT": "",
    "TEST": {},
}


def connection_to(wrapper, *, alias: str, **settings):
    """Return a new connection of backend class `wrapper` with Django's defaults and `settings`."""
    return wrapper({**CONNECTION_DEFAULTS, **settings}, alias=alias)
