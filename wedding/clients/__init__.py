"""Clients: the people who marry their companions."""
