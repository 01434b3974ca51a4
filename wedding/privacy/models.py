"""Moved to the core: ``wedding.audit`` (kept so that older imports still work)."""

from wedding.audit import ACTIONS, SUBJECTS, AuditEvent, AuditTampering

__all__ = ["ACTIONS", "SUBJECTS", "AuditEvent", "AuditTampering"]
