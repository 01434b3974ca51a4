"""Ceremonies: the dashboard and each ceremony's page."""
