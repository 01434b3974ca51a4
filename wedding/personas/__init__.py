"""Companions and their personas."""
