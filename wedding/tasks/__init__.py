"""Checklists counted from the ceremony's date: templates, tasks, "my tasks"."""
