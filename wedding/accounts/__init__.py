"""Planner companies, their staff, sign-in and access rules."""
