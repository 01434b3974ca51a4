"""Importing what clients really have, never crashing: cards, CHARX, ChatGPT exports."""

import base64
import contextlib
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from wedding.personas import cards
from wedding.personas.cards import CardError, read_any, write_card_png

SERAPHINA = (
    Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "cards" / "seraphina-v2.png"
)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(extra_chunks: list[bytes] = (), size=(8, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 150)).save(buffer, format="PNG")
    raw = buffer.getvalue()
    return raw[:-12] + b"".join(extra_chunks) + raw[-12:]  # before IEND


def b64json(value) -> bytes:
    return base64.b64encode(json.dumps(value, ensure_ascii=False).encode())


V2 = {
    "spec": "chara_card_v2",
    "spec_version": "2.0",
    "data": {
        "name": "レン",
        "description": "優しい",
        "personality": "gentle",
        "first_mes": "やあ",
        "tags": ["ai"],
        "creator_notes": "not for prompts",
        "extensions": {"depth_prompt": {"prompt": "x"}},
        "x_unknown": 1,
    },
}


def charx(card: dict, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("card.json", json.dumps(card))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_real_seraphina_card():
    parsed = read_any(SERAPHINA.read_bytes())
    assert parsed.source == "png"
    assert parsed.card["spec"] == "chara_card_v3" and parsed.card["spec_version"] == "3.0"
    data = parsed.data
    assert data["name"] == "Seraphina"
    assert data["creator"] == "OtisAlejandro"
    assert "character_book" in data  # kept as it was
    assert data["extensions"]["talkativeness"]  # unknown extensions kept
    assert parsed.portrait == SERAPHINA.read_bytes()
    assert json.loads(parsed.original)["spec"] == "chara_card_v2"  # the original, verbatim


def test_export_then_import_gives_the_same_card():
    parsed = read_any(SERAPHINA.read_bytes())
    exported = write_card_png(parsed.card, parsed.portrait)
    chunks = cards.png_text_chunks(exported)
    assert set(chunks) >= {"chara", "ccv3"}
    again = read_any(exported)
    assert again.card == parsed.card
    assert json.loads(base64.b64decode(chunks["chara"]))["spec"] == "chara_card_v2"
    Image.open(io.BytesIO(exported)).verify()  # still a picture


def test_v3_wins_over_v2_and_itxt_ztxt_are_read():
    v3 = {"spec": "chara_card_v3", "spec_version": "3.0", "data": {**V2["data"], "name": "V3 Ren"}}
    both = png([chunk(b"tEXt", b"chara\0" + b64json(V2)), chunk(b"tEXt", b"ccv3\0" + b64json(v3))])
    assert read_any(both).data["name"] == "V3 Ren"
    ztxt = png([chunk(b"zTXt", b"chara\0\0" + zlib.compress(b64json(V2)))])
    assert read_any(ztxt).data["name"] == "レン"
    itxt = png([chunk(b"iTXt", b"chara\0\1\0ja\0\0" + zlib.compress(b64json(V2)))])
    assert read_any(itxt).data["name"] == "レン"


def test_v1_json_and_v2_json_files():
    v1 = {
        "name": "Kai",
        "description": "d",
        "personality": "p",
        "scenario": "",
        "first_mes": "hi",
        "mes_example": "",
    }
    assert read_any(json.dumps(v1).encode()).data["name"] == "Kai"
    parsed = read_any(json.dumps(V2, ensure_ascii=False).encode("utf-8"))
    assert parsed.data["x_unknown"] == 1 and parsed.data["extensions"]["depth_prompt"]


def test_charx_with_its_portrait():
    card = {
        "spec": "chara_card_v3",
        "spec_version": "3.0",
        "data": {
            **V2["data"],
            "assets": [
                {
                    "type": "icon",
                    "uri": "embeded://assets/icon/main.png",
                    "name": "main",
                    "ext": "png",
                }
            ],
        },
    }
    parsed = read_any(charx(card, {"assets/icon/main.png": png()}))
    assert parsed.source == "charx" and parsed.portrait.startswith(cards.PNG_SIGNATURE)


def test_chatgpt_export_custom_instructions_and_voice():
    conversations = [
        {
            "title": "t",
            "current_node": "c",
            "mapping": {
                "a": {
                    "id": "a",
                    "parent": None,
                    "message": {
                        "author": {"role": "user"},
                        "content": {"content_type": "user_editable_context"},
                        "metadata": {
                            "user_context_message_data": {
                                "about_model_message": "Ren speaks softly, calls me Misa.",
                                "about_user_message": "I am Misaki.",
                            }
                        },
                    },
                },
                "b": {
                    "id": "b",
                    "parent": "a",
                    "message": {
                        "author": {"role": "user"},
                        "content": {"content_type": "text", "parts": ["hello"]},
                    },
                },
                "c": {
                    "id": "c",
                    "parent": "b",
                    "message": {
                        "author": {"role": "assistant"},
                        "content": {
                            "content_type": "text",
                            "parts": ["Good morning, Misa. I waited for you."],
                        },
                    },
                },
            },
        }
    ]
    parsed = read_any(json.dumps(conversations).encode())
    assert parsed.source == "chatgpt"
    assert parsed.data["personality"] == "Ren speaks softly, calls me Misa."
    voice = parsed.data["extensions"]["chatgpt_export"]
    assert voice["about_user_message"] == "I am Misaki."
    assert voice["voice_samples"] == ["Good morning, Misa. I waited for you."]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("conversations.json", json.dumps(conversations))
        archive.writestr("chat.html", "<html></html>")
    assert read_any(buffer.getvalue()).data["personality"].startswith("Ren")


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("card.json", json.dumps(V2))
        archive.writestr("assets/big.bin", b"\0" * (cards.MAX_ZIP_TOTAL_BYTES + 1))
    return buffer.getvalue()


def bomb_png() -> bytes:
    """A valid PNG that claims 60,000 × 60,000 pixels."""
    raw = png([chunk(b"tEXt", b"chara\0" + b64json(V2))])
    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    return raw[:8] + chunk(b"IHDR", ihdr) + raw[8 + 25 :]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (png(), "no character card"),
        (png([chunk(b"tEXt", b"chara\0!!!not base64!!!")]), "base64"),
        (png([chunk(b"tEXt", b"chara\0" + base64.b64encode(b"{broken"))]), "not valid JSON"),
        (png([chunk(b"tEXt", b"chara\0" + base64.b64encode(b"\xff\xfe{}"))]), "not UTF-8"),
        (
            png(
                [chunk(b"tEXt", b"chara\0" + b64json({**V2["data"], "description": "x" * 200_001}))]
            ),
            "too long",
        ),
        (png([chunk(b"tEXt", b"chara\0" + b64json({"description": "no name"}))]), "no name"),
        (png([chunk(b"tEXt", b"chara\0" + b64json([1, 2]))]), "not a JSON object"),
        (png()[:-20], "damaged"),
        (bomb_png(), "too large"),
        (charx(V2, {"../../x": b"evil"}), "unsafe path"),
        (charx(V2, {"/etc/passwd": b"evil"}), "unsafe path"),
        (zip_bomb(), "too much data"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        (b"GIF89a", "not a character card"),
        (json.dumps([{"mapping": {}}]).encode(), "no custom instructions"),
        (b"{" * 100_000, "not valid JSON"),
    ],
)
def test_bad_files_get_one_clear_reason(data, reason):
    with pytest.raises(CardError, match=reason) as refused:
        read_any(data)
    assert "\n" not in str(refused.value)


SEEDS = [
    png([chunk(b"tEXt", b"chara\0" + b64json(V2))]),
    json.dumps(V2).encode(),
    charx(V2, {"assets/icon/main.png": png()}),
    write_card_png({"spec": "chara_card_v3", "spec_version": "3.0", "data": V2["data"]}, None),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
)
def test_mutated_files_only_ever_raise_card_errors(seed, edits, cut):
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    try:
        parsed = read_any(bytes(data))
    except CardError:
        return
    assert parsed.card["spec"] == "chara_card_v3"


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_value_as_a_card_only_raises_card_errors(value):
    for body in (
        json.dumps(value).encode(),
        json.dumps({"spec": "chara_card_v2", "data": value}).encode(),
    ):
        with contextlib.suppress(CardError):
            read_any(body)


def test_cli_inspect(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["persona", "inspect", str(SERAPHINA), "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.output)
    assert (card["spec"], card["spec_version"], card["data"]["name"]) == (
        "chara_card_v3",
        "3.0",
        "Seraphina",
    )
    bad = tmp_path / "bad.png"
    bad.write_bytes(png())
    result = runner.invoke(args=["persona", "inspect", str(bad), "--json"])
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1].startswith("Error: bad.png: ")
