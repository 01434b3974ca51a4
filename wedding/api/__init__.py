"""The JSON API for integrations (token auth, RFC 9457 problems, OpenAPI)."""
