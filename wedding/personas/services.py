"""Rules for companions."""

from flask_babel import lazy_gettext as _l

from wedding.ceremonies.models import Ceremony
from wedding.models import db
from wedding.personas.models import Companion


class CompanionError(Exception):
    """A companion change breaks a rule; ``field`` names the form field to show it on."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field


def update_companion(companion: Companion, fields: dict) -> Companion:
    """Apply edits; a companion already in a ceremony keeps its client."""
    new_client = fields.get("client_id", companion.client_id)
    if new_client != companion.client_id:
        in_use = db.session.scalar(
            db.select(Ceremony.id).where(Ceremony.companion_id == companion.id).limit(1)
        )
        if in_use is not None:
            raise CompanionError(
                "client_id",
                _l("This companion is part of a ceremony, so their client cannot change."),
            )
    for name, value in fields.items():
        setattr(companion, name, value)
    db.session.flush()
    return companion
