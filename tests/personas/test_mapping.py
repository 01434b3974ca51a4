"""Who a character is, read out of the conventions card authors write in."""

import json
from pathlib import Path

from wedding.models import db
from wedding.personas.cards import read_any
from wedding.personas.mapping import map_persona, speech_of
from wedding.personas.models import Companion

SERAPHINA = Path(__file__).parents[2] / ".." / "shared" / "fixtures" / "cards" / "seraphina-v2.png"


def seraphina():
    return map_persona(read_any(SERAPHINA.read_bytes()).data, "美咲")


def test_the_real_card_gives_who_she_is():
    persona = seraphina()
    assert persona.name == "Seraphina" and persona.pronouns == "she"
    assert persona.traits[:3] == ["caring", "protective", "compassionate"]
    assert "pink hair" in persona.appearance and "amber eyes" in persona.appearance
    for text in (persona.description, persona.backstory, *persona.speech_samples):
        assert "{{" not in text and "[" not in text and "<START>" not in text and "*" not in text
    assert "Eldoria" in persona.backstory
    # speech only: her actions stay out of the samples
    assert any(s.startswith("Ah, you're awake at last.") for s in persona.speech_samples)
    assert not any("You wake with a start" in s for s in persona.speech_samples)
    assert "Well, I suppose" in persona.catchphrases
    # no Japanese samples: neutral defaults, never 僕
    assert (persona.first_person, persona.calls_client) == ("わたし", "あなた")
    assert persona.tone == "gentle"


def test_w_plus_plus_and_plist_and_ali_chat_in_japanese():
    card = {
        "name": "レン",
        "description": '[character("レン") { Personality("穏やか" + "聞き上手") '
        'Body("黒髪" + "眼鏡") Gender("male") }]\n'
        "[レン: 照れ屋, 本好き; appearance: 紺のカーディガン]\n"
        "<START>\n{{user}}: おはよう\n{{char}}: *本を閉じる* 「おはよう、きみ。僕はここにいるよ」\n"
        "<START>\n{{user}}: 眠れない\n{{char}}: 大丈夫、僕がいるよ。きみが眠るまで話そう。",
        "first_mes": "*微笑む* 大丈夫、僕がいるよ。{{user}}、今日はどうだった？",
    }
    persona = map_persona(card, "美咲")
    assert persona.pronouns == "he"
    assert {"穏やか", "聞き上手", "照れ屋", "本好き"} <= set(persona.traits)
    assert {"黒髪", "眼鏡", "紺のカーディガン"} <= set(persona.appearance)
    assert (persona.first_person, persona.calls_client) == ("僕", "きみ")
    assert "おはよう、きみ。僕はここにいるよ" in persona.speech_samples
    assert any("美咲、今日はどうだった" in s for s in persona.speech_samples)  # macro resolved
    assert any(p.startswith("大丈夫、僕がいるよ") for p in persona.catchphrases)
    assert persona.language == "ja"


def test_pronouns_are_never_guessed_from_nothing():
    persona = map_persona({"name": "Kai", "description": "A quiet librarian who loves rain."})
    assert persona.pronouns == "" and "pronouns" in persona.notes
    assert persona.first_person == "わたし"  # not 僕 for someone not known to be male


def test_chatgpt_custom_instructions():
    export = [
        {
            "mapping": {
                "a": {
                    "message": {
                        "author": {"role": "user"},
                        "content": {"content_type": "user_editable_context"},
                        "metadata": {
                            "user_context_message_data": {
                                "about_model_message": "あなたはレン。一人称は僕で、"
                                "私のことを美咲と呼ぶ。穏やかな彼氏。",
                                "about_user_message": "会社員",
                            }
                        },
                    },
                    "parent": None,
                },
                "b": {
                    "message": {
                        "author": {"role": "assistant"},
                        "content": {
                            "parts": ["美咲、おかえり。今日も一日、本当によく頑張ったね。"]
                        },
                    },
                    "parent": "a",
                },
            },
            "current_node": "b",
        }
    ]
    parsed = read_any(json.dumps(export, ensure_ascii=False).encode())
    persona = map_persona(parsed.data)
    assert (persona.name, persona.first_person, persona.calls_client) == ("レン", "僕", "美咲")
    assert persona.pronouns == "he"
    assert persona.speech_samples == ["美咲、おかえり。今日も一日、本当によく頑張ったね。"]


def test_speech_is_separated_from_actions():
    said, actions = speech_of('*smiles softly* "Welcome home." *takes your coat*')
    assert said == "Welcome home." and actions == ["smiles softly", "takes your coat"]


def test_cli_import_and_show(app, make_user, make_client):
    user = make_user()
    client = make_client(user.org)
    run = app.test_cli_runner().invoke
    result = run(args=["persona", "import", str(SERAPHINA), "--client", str(client.id)])
    assert result.exit_code == 0, result.output
    companion_id = int(result.output.strip())
    shown = json.loads(run(args=["persona", "show", str(companion_id), "--json"]).output)
    assert shown["name"] == "Seraphina" and shown["pronouns"] == "she"
    assert shown["first_person"] == "わたし" and shown["calls_client"] == "あなた"
    assert shown["tone"] == "gentle" and "caring" in shown["traits"]
    assert "pink hair" in shown["appearance"] and "[" not in shown["description"]
    with app.app_context():
        companion = db.session.get(Companion, companion_id)
        assert json.loads(companion.card_json)["spec"] == "chara_card_v2"  # verbatim kept
    empty = app.instance_path + "-empty.json"
    Path(empty).write_text('{"name": "X"}', encoding="utf-8")
    result = run(args=["persona", "import", empty, "--client", str(client.id)])
    assert result.exit_code == 1 and "says nothing" in result.output
    assert run(args=["persona", "show", "999999"]).exit_code == 1
