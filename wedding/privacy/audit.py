"""Moved to the core: ``wedding.audit`` (kept so that older imports still work)."""

from wedding.audit import audit

__all__ = ["audit"]
