"""Access logs that never hold a secret URL in full (feed, portal and viewer tokens)."""

import re

from gunicorn.glogging import Logger

# Any path segment or query value that looks like a token: 24+ URL-safe base64 characters.
TOKEN = re.compile(r"(?<=[/=])([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    """Keep the first four characters of anything token-like, enough to tell URLs apart."""
    return TOKEN.sub(r"\1…", text)


class RedactingLogger(Logger):
    """gunicorn's logger with tokens cut out of the request line, path and query."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
