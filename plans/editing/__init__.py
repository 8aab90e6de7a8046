"""Editing a plan in the app (issue 13): the SRO and administrators change the plan's summary, key
priorities, medium-term developments, themes, objectives and key actions, create plans and roll them
forward, through these forms, views and services rather than the Django admin."""
