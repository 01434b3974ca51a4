"""Venues and their booking rules."""
