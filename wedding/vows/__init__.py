"""Vows in the companion's voice, and a draft for the client."""
