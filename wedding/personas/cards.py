"""Reading and writing the formats clients bring their companions in. Pure: bytes in, data out.

- Character Card V1/V2/V3 (SillyTavern, RisuAI, chub): a PNG whose tEXt/iTXt/zTXt chunk `chara`
  (V1/V2) or `ccv3` (V3, preferred when both) holds base64 JSON; the same JSON as a file; or
  CHARX, a zip with `card.json` and assets.
- A ChatGPT data export (`conversations.json`, or the export zip): custom instructions become
  the persona, a few of the assistant's replies become voice samples.

Everything is normalised to the `chara_card_v3` shape, keeping unknown fields and extensions.
Every failure is a CardError with a one-line reason; nothing else may escape.
"""

import base64
import binascii
import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from PIL import Image

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_TEXT_CHARS = 100_000  # per field: a novel-length description is still far below this
MAX_CHUNK_BYTES = 8 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 80 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
MAX_IMAGE_PIXELS = 40_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
VOICE_SAMPLES = 5


class CardError(ValueError):
    """The file is not a companion we can read; the message says why, in one line."""


@dataclass
class ParsedCard:
    card: dict  # the chara_card_v3 shape
    source: str  # "png", "json", "charx", "chatgpt"
    portrait: bytes | None = None  # PNG/JPEG/WebP bytes, checked to be a real image
    original: bytes | None = None  # the card JSON exactly as found
    warnings: list[str] = field(default_factory=list)

    @property
    def data(self) -> dict:
        return self.card["data"]


# --- PNG -----------------------------------------------------------------------------------


def png_text_chunks(png: bytes) -> dict[str, bytes]:
    """Keyword -> text bytes of every tEXt, zTXt and iTXt chunk (CRCs checked)."""
    if not png.startswith(PNG_SIGNATURE):
        raise CardError("not a PNG file")
    chunks: dict[str, bytes] = {}
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        if length > MAX_CHUNK_BYTES or pos + 12 + length > len(png):
            raise CardError("the PNG is damaged (a chunk runs past the end of the file)")
        body = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise CardError(
                f"the PNG is damaged (bad checksum in a {kind.decode('latin-1')} chunk)"
            )
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            keyword, text = _text_chunk(kind, body)
            chunks.setdefault(keyword, text)
        if kind == b"IEND":
            break
        pos += 12 + length
    return chunks


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_CHUNK_BYTES)
    except zlib.error as error:
        raise CardError(f"a compressed text chunk is damaged ({error})") from None
    if inflater.unconsumed_tail:
        raise CardError("a compressed text chunk is too large")
    return out


def _text_chunk(kind: bytes, body: bytes) -> tuple[str, bytes]:
    keyword, sep, rest = body.partition(b"\0")
    if not sep:
        raise CardError("the PNG has a malformed text chunk")
    name = keyword.decode("latin-1")
    if kind == b"tEXt":
        return name, rest
    if kind == b"zTXt":
        return name, _inflate(rest[1:])
    if len(rest) < 2:
        raise CardError("the PNG has a malformed iTXt chunk")
    compressed, rest = rest[0], rest[2:]
    _language, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    return name, _inflate(text) if compressed else text


def _decode_base64_json(raw: bytes, what: str) -> tuple[dict, bytes]:
    try:
        decoded = base64.b64decode(raw.strip(), validate=False)
    except (binascii.Error, ValueError):
        raise CardError(f"the {what} chunk is not valid base64") from None
    return _load_json(decoded, what), decoded


def _load_json(raw: bytes, what: str):
    if len(raw) > MAX_CHUNK_BYTES:
        raise CardError(f"the {what} is too large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardError(f"the {what} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise CardError(f"the {what} is not valid JSON") from None


def checked_image(data: bytes) -> bytes:
    """The image bytes if they are a real, reasonably sized picture; CardError otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise CardError("the picture is too large (a decompression bomb?)")
            if image.format not in ("PNG", "JPEG", "WEBP"):
                raise CardError(f"the picture is a {image.format}, not PNG, JPEG or WebP")
            image.verify()
    except CardError:
        raise
    except Image.DecompressionBombError:
        raise CardError("the picture is too large (a decompression bomb?)") from None
    except Exception as error:
        raise CardError(f"the picture cannot be read ({type(error).__name__})") from None
    return data


# --- normalising ---------------------------------------------------------------------------


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise CardError(f"the card's {name} is not text")
    if len(value) > MAX_TEXT_CHARS:
        raise CardError(f"the card's {name} is too long ({len(value):,} characters)")
    return value


def _texts(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise CardError(f"the card's {name} is not a list")
    return [_text(item, name) for item in value[:500]]


def normalise(card) -> dict:
    """Any card version as {"spec": "chara_card_v3", "spec_version": "3.0", "data": {...}}."""
    if not isinstance(card, dict):
        raise CardError("the card is not a JSON object")
    data = card.get("data") if card.get("spec") in ("chara_card_v2", "chara_card_v3") else card
    if not isinstance(data, dict):
        raise CardError("the card has no data object")
    out = dict(data)  # unknown fields are kept as they are
    for name in (
        *V1_FIELDS,
        "creator_notes",
        "system_prompt",
        "post_history_instructions",
        "creator",
        "character_version",
        "nickname",
    ):
        if name in out or name in V1_FIELDS:
            out[name] = _text(out.get(name), name)
    if not out["name"].strip():
        raise CardError("the card has no name")
    out["tags"] = _texts(out.get("tags"), "tags")
    out["alternate_greetings"] = _texts(out.get("alternate_greetings"), "alternate greetings")
    extensions = out.get("extensions", {})
    if not isinstance(extensions, dict):
        raise CardError("the card's extensions are not an object")
    out["extensions"] = extensions
    out.setdefault("group_only_greetings", [])
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": out}


# --- the readers ---------------------------------------------------------------------------


def read_png_card(png: bytes) -> ParsedCard:
    chunks = png_text_chunks(png)
    for keyword in ("ccv3", "chara"):  # V3 wins when both are present
        if keyword in chunks:
            card, original = _decode_base64_json(chunks[keyword], f"'{keyword}'")
            return ParsedCard(normalise(card), "png", checked_image(png), original)
    raise CardError("this PNG carries no character card (no 'chara' or 'ccv3' text chunk)")


def _safe_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise CardError("the zip file is damaged") from None
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise CardError("the zip file has too many entries")
    if sum(i.file_size for i in infos) > MAX_ZIP_TOTAL_BYTES:
        raise CardError("the zip file unpacks to too much data (a zip bomb?)")
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise CardError(f"the zip file has an unsafe path: {info.filename[:80]}")
    return archive


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = archive.getinfo(name)
        with archive.open(info) as member:
            data = member.read(MAX_ZIP_TOTAL_BYTES + 1)
    except (
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        NotImplementedError,
        EOFError,
    ):
        raise CardError(f"cannot read {name[:80]} from the zip file") from None
    if len(data) > MAX_ZIP_TOTAL_BYTES or len(data) != info.file_size:
        raise CardError(f"{name[:80]} in the zip file is not what its header says")
    return data


def _charx_portrait(archive: zipfile.ZipFile, data: dict) -> bytes | None:
    assets = data.get("assets") or []
    if not isinstance(assets, list):
        return None
    for asset in assets:
        if isinstance(asset, dict) and asset.get("type") == "icon":
            uri = str(asset.get("uri", ""))
            if uri.startswith("embeded://") or uri.startswith("embedded://"):
                path = uri.split("://", 1)[1]
                if path in archive.namelist():
                    return checked_image(_read_member(archive, path))
    return None


def read_charx(data: bytes) -> ParsedCard:
    archive = _safe_zip(data)
    if "card.json" not in archive.namelist():
        raise CardError("this zip file has no card.json")
    original = _read_member(archive, "card.json")
    card = normalise(_load_json(original, "card.json"))
    return ParsedCard(card, "charx", _charx_portrait(archive, card["data"]), original)


def _messages_in_order(conversation: dict) -> list[dict]:
    """The conversation's main thread: walk back from current_node through the parents."""
    mapping = conversation.get("mapping")
    if not isinstance(mapping, dict):
        return []
    node_id, seen, thread = conversation.get("current_node"), set(), []
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id] if isinstance(mapping[node_id], dict) else {}
        if isinstance(node.get("message"), dict):
            thread.append(node["message"])
        node_id = node.get("parent")
    thread.reverse()
    if not thread:  # no current_node: every message, in the mapping's order
        thread = [
            n["message"]
            for n in mapping.values()
            if isinstance(n, dict) and isinstance(n.get("message"), dict)
        ]
    return thread


def _parts(message: dict) -> str:
    content = message.get("content")
    if not isinstance(content, dict):
        return ""
    parts = content.get("parts")
    if not isinstance(parts, list):
        return ""
    return "\n".join(p for p in parts if isinstance(p, str)).strip()


def read_chatgpt_export(conversations) -> ParsedCard:
    """Custom instructions and a few of the assistant's replies from conversations.json."""
    if not isinstance(conversations, list):
        raise CardError("conversations.json is not a list of conversations")
    about_model = about_user = ""
    samples: list[str] = []
    for conversation in conversations[:5000]:
        if not isinstance(conversation, dict):
            continue
        for message in _messages_in_order(conversation):
            metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
            context = metadata.get("user_context_message_data")
            content = message.get("content") if isinstance(message.get("content"), dict) else {}
            if isinstance(context, dict) or content.get("content_type") == "user_editable_context":
                context = context if isinstance(context, dict) else content
                about_model = about_model or _text(
                    context.get("about_model_message"), "about_model_message"
                )
                about_user = about_user or _text(
                    context.get("about_user_message"), "about_user_message"
                )
            author = message.get("author") if isinstance(message.get("author"), dict) else {}
            if author.get("role") == "assistant" and len(samples) < VOICE_SAMPLES:
                text = _parts(message)
                if 20 <= len(text) <= 2000:
                    samples.append(text)
    if not about_model and not samples:
        raise CardError("no custom instructions or replies found in this ChatGPT export")
    card = {
        "name": "ChatGPT",
        "description": about_model,
        "personality": about_model,
        "mes_example": "\n".join(f"<START>\n{{{{char}}}}: {s}" for s in samples),
        "extensions": {
            "chatgpt_export": {"about_user_message": about_user, "voice_samples": samples}
        },
    }
    parsed = ParsedCard(normalise(card), "chatgpt")
    parsed.warnings.append("ChatGPT exports carry no name: set the companion's name before saving.")
    return parsed


def read_chatgpt_zip(data: bytes) -> ParsedCard:
    archive = _safe_zip(data)
    if "conversations.json" not in archive.namelist():
        raise CardError("this zip file is neither a CHARX card nor a ChatGPT export")
    return read_chatgpt_export(
        _load_json(_read_member(archive, "conversations.json"), "conversations.json")
    )


def read_any(data: bytes) -> ParsedCard:
    """Whatever the client brought: PNG card, card JSON, CHARX, ChatGPT export (json or zip).

    CardError is the only exception that leaves: the readers raise it with precise reasons,
    and anything a damaged file still provokes in the libraries below becomes one too."""
    try:
        return _read_any(data)
    except CardError:
        raise
    except Exception as error:
        raise CardError(f"the file is damaged ({type(error).__name__})") from None


def _read_any(data: bytes) -> ParsedCard:
    if len(data) > MAX_FILE_BYTES:
        raise CardError("the file is too large")
    if data.startswith(PNG_SIGNATURE):
        return read_png_card(data)
    if data.startswith(b"PK\x03\x04"):
        archive = _safe_zip(data)
        names = archive.namelist()
        return read_charx(data) if "card.json" in names else read_chatgpt_zip(data)
    stripped = data.lstrip()
    if stripped.startswith((b"{", b"\xef\xbb\xbf{")):
        return ParsedCard(normalise(_load_json(data, "card file")), "json", None, data)
    if stripped.startswith(b"["):
        return read_chatgpt_export(_load_json(data, "conversations.json"))
    raise CardError("this is not a character card, a CHARX file or a ChatGPT export")


# --- writing -------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def as_v2(card_v3: dict) -> dict:
    """The same card in the V2 shape, for readers that only know `chara`."""
    data = dict(card_v3["data"])
    return {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": data,
        **{name: data.get(name, "") for name in V1_FIELDS},
    }


def write_card_png(card_v3: dict, portrait: bytes | None) -> bytes:
    """A PNG (the portrait, or a plain frame) carrying the card as both `chara` and `ccv3`."""
    if portrait is None or not portrait.startswith(PNG_SIGNATURE):
        buffer = io.BytesIO()
        if portrait is None:
            image = Image.new("RGB", (400, 600), (251, 248, 244))
        else:
            image = Image.open(io.BytesIO(portrait)).convert("RGBA")
        image.save(buffer, format="PNG")
        portrait = buffer.getvalue()
    # Drop any card chunks the picture already has, then add ours before IEND.
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 12 <= len(portrait):
        (length,) = struct.unpack(">I", portrait[pos : pos + 4])
        kind = portrait[pos + 4 : pos + 8]
        raw = portrait[pos : pos + 12 + length]
        body = portrait[pos + 8 : pos + 8 + length]
        if not (
            kind in (b"tEXt", b"zTXt", b"iTXt") and body.split(b"\0", 1)[0] in (b"chara", b"ccv3")
        ):
            chunks.append((kind, raw))
        pos += 12 + length
    ours = [
        _chunk(
            b"tEXt",
            b"chara\0" + base64.b64encode(json.dumps(as_v2(card_v3), ensure_ascii=False).encode()),
        ),
        _chunk(
            b"tEXt", b"ccv3\0" + base64.b64encode(json.dumps(card_v3, ensure_ascii=False).encode())
        ),
    ]
    out = [PNG_SIGNATURE]
    for kind, raw in chunks:
        if kind == b"IEND":
            out.extend(ours)
        out.append(raw)
    return b"".join(out)
