"""Privacy and trust: the audit trail, the client's own data (export, erasure), backups."""
