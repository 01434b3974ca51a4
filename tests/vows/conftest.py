"""A ceremony with a companion and one version of its vows, for the voice's tests."""

import pytest

from wedding.models import db
from wedding.vows.models import VowVersion

SHORT_JA = "美咲、ずっと一緒にいよう。ありがとう。"


@pytest.fixture
def vow(app, make_user, make_companion, make_ceremony):
    user = make_user(role="planner")
    companion = make_companion(user.org, voice="en-gb+m1", voice_pitch=-3, voice_speed=90)
    ceremony = make_ceremony(user.org, companion=companion)
    with app.app_context():
        version = VowVersion(
            org_id=user.org.id,
            ceremony_id=ceremony.id,
            role="companion",
            lang="ja",
            number=1,
            text=SHORT_JA,
            source="edited",
        )
        db.session.add(version)
        db.session.commit()
        return user, ceremony, version.id
