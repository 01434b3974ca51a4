"""The companion's voice: offline synthesis, a background recording with progress, never a
half-written file, and the recording where the ceremony needs it."""

import io
import re
import wave
import zipfile

import pytest
from sqlalchemy.exc import IntegrityError

from tests.privacy.test_client_data import download_export
from wedding.jobs import Job
from wedding.models import db
from wedding.storage.models import StoredFile
from wedding.vows import audio as audio_module
from wedding.vows.audio import record_voice_consent, request_audio
from wedding.vows.models import VowAudio, VowVersion
from wedding.vows.services import approve_vow, share_vow
from wedding.vows.speech import SpeechError, VoiceSettings, speak

SHORT = {"ja": "美咲、ずっと一緒にいよう。ありがとう。", "en": "Misaki, I will stay. Thank you."}


def frames(data: bytes) -> tuple[int, int]:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnframes(), wav.getframerate()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_both_languages_speak_offline_with_progress(lang):
    seen = []
    data, seconds = speak(SHORT[lang], lang, VoiceSettings(pitch=-2, speed=110), seen.append)
    count, rate = frames(data)
    assert count > rate and abs(count / rate - seconds) < 0.01  # at least a second of audio
    assert seen[-1] == 100 and seen == sorted(seen)


def test_pitch_and_speed_change_the_voice():
    slow, _ = speak(SHORT["en"], "en", VoiceSettings(speed=60))
    fast, _ = speak(SHORT["en"], "en", VoiceSettings(speed=180))
    assert frames(slow)[0] > frames(fast)[0] * 1.5
    low, _ = speak(SHORT["ja"], "ja", VoiceSettings(pitch=-6))
    assert low != speak(SHORT["ja"], "ja", VoiceSettings(pitch=6))[0]


def test_nothing_to_say_is_an_error():
    with pytest.raises(SpeechError):
        speak("   ", "ja")


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_recording_needs_the_clients_consent(app, vow):
    _, ceremony, version_id = vow
    with app.app_context():
        version = db.session.get(VowVersion, version_id)
        companion = version_companion(version)
        with pytest.raises(audio_module.AudioError):
            request_audio(version, companion, ceremony.client_id)


def version_companion(version):
    from wedding.ceremonies.models import Ceremony

    return db.session.get(Ceremony, version.ceremony_id).companion


def test_the_job_records_the_vows_and_tells_its_progress(app, vow, monkeypatch):
    user, ceremony, version_id = vow
    steps = []
    real = audio_module.speak

    def watched(text, lang, settings, progress, readings=()):
        def tell(percent):
            progress(percent)
            query = db.select(VowAudio.progress).filter_by(version_id=version_id)
            steps.append(db.session.scalar(query))  # committed: pages see it move

        return real(text, lang, settings, tell, readings)

    monkeypatch.setattr(audio_module, "speak", watched)
    with app.app_context():
        record_voice_consent(user.org.id, ceremony.client_id, "佐藤 美咲", user.id)
        version = db.session.get(VowVersion, version_id)
        audio = request_audio(version, version_companion(version), ceremony.client_id)
        audio_id = audio.id
        assert (audio.status, audio.file_id) == ("queued", None)
        job = db.session.scalar(db.select(Job).where(Job.name.endswith("synthesize_vows")))
        assert job is not None and job.args == [audio_id]
        db.session.commit()  # the job runs once this commits (at once, in tests)
        db.session.expire_all()
        assert db.session.get(Job, job.id).status == "done"
        audio = db.session.get(VowAudio, audio_id)
        assert audio.status == "done" and audio.progress == 100 and audio.seconds > 1
        stored = db.session.get(StoredFile, audio.file_id)
        assert stored.content_type == "audio/wav" and frames(stored.data)[0] > 0
        assert steps and steps[0] < 100
        assert "ja" in audio.voice or "mei" in audio.voice


def test_a_failure_keeps_no_file(app, vow, monkeypatch):
    user, ceremony, version_id = vow

    def broken(text, lang, settings, progress, readings=()):
        progress(50)
        raise SpeechError("the Japanese voice failed (RuntimeError)")

    monkeypatch.setattr(audio_module, "speak", broken)
    with app.app_context():
        files = count(StoredFile)
        record_voice_consent(user.org.id, ceremony.client_id, "佐藤 美咲", user.id)
        version = db.session.get(VowVersion, version_id)
        audio_id = request_audio(version, version_companion(version), ceremony.client_id).id
        db.session.commit()
        db.session.expire_all()
        audio = db.session.get(VowAudio, audio_id)
        assert (audio.status, audio.file_id, audio.progress) == ("failed", None, 0)
        assert "RuntimeError" in audio.reason and count(StoredFile) == files
        # and the database itself refuses a finished recording without its file
        audio.status = "done"
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_recording_reaches_the_pages_the_portal_the_viewer_and_the_export(
    app, web, vow, monkeypatch
):
    user, ceremony, version_id = vow
    web.login(user)
    base = f"/ceremonies/{ceremony.id}/vows"
    assert web.post(f"{base}/{version_id}/speak").status_code == 302
    with app.app_context():
        assert count(VowAudio) == 0  # no consent yet: nothing queued
    web.post(f"{base}/voice-consent", {"agreed_by": "佐藤 美咲", "confirm": "y"})
    with app.app_context():  # while a recording is being made, the page shows its progress
        running = VowAudio(org_id=user.org.id, version_id=version_id, status="running", progress=40)
        db.session.add(running)
        db.session.commit()
        running_id = running.id
    page = web.get(base).get_data(as_text=True)
    assert "data-audio-status" in page and "vow-audio.js" in page and 'value="40"' in page
    assert web.get(f"{base}/{version_id}/audio").get_json()["progress"] == 40
    with app.app_context():
        db.session.get(VowAudio, running_id).status = "failed"
        db.session.commit()
    web.post(f"{base}/{version_id}/speak")  # made in the background job
    with app.app_context():
        audio = db.session.scalar(db.select(VowAudio))
        assert audio.status == "done"
        version = db.session.get(VowVersion, version_id)
        share_vow(version)
        approve_vow(version, "planner:1")
        db.session.commit()
    status = web.get(f"{base}/{version_id}/audio").get_json()
    assert status == {"status": "done", "progress": 100, "reason": ""}
    download = web.get(f"{base}/{version_id}/audio.wav?download=1")
    assert (
        download.mimetype == "audio/wav" and "attachment" in download.headers["Content-Disposition"]
    )
    assert "audio.wav" in web.get(f"/ceremonies/{ceremony.id}").get_data(as_text=True)

    # The venue screen and the AR viewer: a button, never autoplay.
    web.post(f"/ceremonies/{ceremony.id}/run-of-show/template", {"template": "chapel"})
    web.post(f"/ceremonies/{ceremony.id}/presentation/create")  # a factory ceremony has none
    page = web.get(f"/ceremonies/{ceremony.id}/presentation").get_data(as_text=True)
    viewer = re.search(r'href="[^"]*(/ar/[\w-]+)"', page).group(1)
    screen = web.get(f"{viewer}/screen").get_data(as_text=True)
    assert 'id="play-vows"' in screen and "autoplay" not in screen and "<script>" not in screen
    assert '"vows": true' in screen or '"vows":true' in screen
    shown = web.get(viewer).get_data(as_text=True)
    assert "vows.wav" in shown and "autoplay" not in shown
    played = web.get(f"{viewer}/vows.wav")
    assert played.mimetype == "audio/wav" and frames(played.data)[0] > 0

    # The client's export carries it.
    exported = download_export(web, f"/clients/{ceremony.client_id}/export")
    names = zipfile.ZipFile(io.BytesIO(exported.data)).namelist()
    assert any(name.endswith("-companion-ja-v1.wav") for name in names), names


def test_cli_speak_writes_the_approved_vows_and_never_a_broken_file(
    app, vow, tmp_path, monkeypatch
):
    user, ceremony, version_id = vow
    run = app.test_cli_runner().invoke
    target = tmp_path / "vows.wav"
    args = ["vows", "speak", str(ceremony.id), "--lang", "ja", "-o", str(target)]
    result = run(args=args)
    assert result.exit_code == 1 and "approved" in result.output
    with app.app_context():
        approve_vow(db.session.get(VowVersion, version_id), "planner:1")
        db.session.commit()
    result = run(args=args)
    assert result.exit_code == 1 and "agreed" in result.output and not target.exists()
    with app.app_context():
        record_voice_consent(user.org.id, ceremony.client_id, "佐藤 美咲", user.id)
        db.session.commit()
    result = run(args=args)
    assert result.exit_code == 0, result.output
    assert frames(target.read_bytes())[0] > 0

    def broken(*_args, **_kwargs):
        raise SpeechError("the English voice failed")

    monkeypatch.setattr(audio_module, "speak", broken)
    other = tmp_path / "other.wav"
    result = run(args=["vows", "speak", str(ceremony.id), "--version", "1", "-o", str(other)])
    assert result.exit_code == 1 and "could not be spoken" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vows.wav"]


def test_the_voice_preview_is_made_in_the_background(app, web, make_user, make_companion):
    user = make_user(role="planner")
    companion = make_companion(user.org, voice="en-us+f3", voice_pitch=2)
    web.login(user)
    response = web.post(f"/companions/{companion.id}/voice-preview", {"lang": "en"})
    assert response.status_code == 302 and "preview=" in response.headers["Location"]
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    src = re.search(r'<audio controls preload="none" src="([^"]+)"', page).group(1)
    played = web.get(src)
    assert played.mimetype == "audio/wav" and frames(played.data)[0] > 0
    job_id = re.search(r"preview=(\w+)", response.headers["Location"]).group(1)
    other = make_companion(user.org)
    assert web.get(f"/companions/{other.id}/voice-preview/{job_id}.wav").status_code == 404
