"""glTF binaries: a life-size standee from a portrait, and checking uploaded GLB/VRM files.

Pure: bytes in, bytes out. The standee is one textured quad, alpha-blended and double-sided,
standing on the floor (y = 0) at the companion's height and facing +Z, the viewer's side.
"""

import io
import json
import struct

from PIL import Image

from wedding.inputs import load_json

GLB_MAGIC = b"glTF"
JSON_CHUNK = 0x4E4F534A
BIN_CHUNK = 0x004E4942
MAX_TEXTURE = 1024  # px on the long side: plenty for a figure seen at life size, small to send
FLOAT, USHORT = 5126, 5123
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


class ModelError(Exception):
    """A model file we cannot accept; the message says why."""


def _pad(data: bytes, fill: bytes) -> bytes:
    return data + fill * (-len(data) % 4)


def _texture(portrait: bytes) -> tuple[bytes, str, float]:
    """The portrait scaled for a texture: (bytes, mime type, width / height)."""
    with Image.open(io.BytesIO(portrait)) as image:
        if image.format == "JPEG":  # decode at a fraction of the size straight away
            image.draft("RGB", (MAX_TEXTURE, MAX_TEXTURE))
        image.load()
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
        image = image if image.mode == mode else image.convert(mode)
    factor = -(-max(image.size) // MAX_TEXTURE)
    if factor > 1:  # a box filter by a whole factor: fast, and as good as any for shrinking
        image = image.reduce(factor)
    image.thumbnail((MAX_TEXTURE, MAX_TEXTURE), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    if has_alpha:  # a cut-out figure: keep its edges
        image.save(buffer, "PNG", compress_level=1)  # fast; the size hardly differs
        mime = "image/png"
    else:
        image.save(buffer, "JPEG", quality=88)
        mime = "image/jpeg"
    return buffer.getvalue(), mime, image.width / image.height


def standee_glb(portrait: bytes, height_m: float = 1.75, name: str = "standee") -> bytes:
    """A GLB of the portrait as a life-size standee of ``height_m`` metres."""
    texture, mime, aspect = _texture(portrait)
    half = height_m * aspect / 2
    positions = struct.pack("<12f", -half, 0, 0, half, 0, 0, half, height_m, 0, -half, height_m, 0)
    normals = struct.pack("<12f", *(0, 0, 1) * 4)
    uvs = struct.pack("<8f", 0, 1, 1, 1, 1, 0, 0, 0)
    indices = struct.pack("<6H", 0, 1, 2, 0, 2, 3)
    parts = [positions, normals, uvs, _pad(indices, b"\0"), _pad(texture, b"\0")]
    views, offset = [], 0
    targets = [ARRAY_BUFFER, ARRAY_BUFFER, ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, None]
    lengths = [len(positions), len(normals), len(uvs), len(indices), len(texture)]
    for part, target, length in zip(parts, targets, lengths, strict=True):
        view = {"buffer": 0, "byteOffset": offset, "byteLength": length}
        if target:
            view["target"] = target
        views.append(view)
        offset += len(part)
    binary = b"".join(parts)
    document = {
        "asset": {"version": "2.0", "generator": "wedding standee"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": name}],
        "meshes": [
            {
                "name": name,
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ],
            }
        ],
        "materials": [
            {
                "name": "portrait",
                "pbrMetallicRoughness": {
                    "baseColorTexture": {"index": 0},
                    "metallicFactor": 0.0,
                    "roughnessFactor": 1.0,
                },
                "alphaMode": "BLEND",
                "doubleSided": True,
                "extensions": {"KHR_materials_unlit": {}},
            }
        ],
        "extensionsUsed": ["KHR_materials_unlit"],
        "textures": [{"source": 0, "sampler": 0}],
        "samplers": [{"magFilter": 9729, "minFilter": 9987, "wrapS": 33071, "wrapT": 33071}],
        "images": [{"bufferView": 4, "mimeType": mime}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": FLOAT,
                "count": 4,
                "type": "VEC3",
                "min": [-half, 0, 0],
                "max": [half, height_m, 0],
            },
            {"bufferView": 1, "componentType": FLOAT, "count": 4, "type": "VEC3"},
            {"bufferView": 2, "componentType": FLOAT, "count": 4, "type": "VEC2"},
            {"bufferView": 3, "componentType": USHORT, "count": 6, "type": "SCALAR"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    return pack_glb(document, binary)


def pack_glb(document: dict, binary: bytes) -> bytes:
    chunk_json = _pad(json.dumps(document, separators=(",", ":")).encode(), b" ")
    chunk_bin = _pad(binary, b"\0")
    total = 12 + 8 + len(chunk_json) + 8 + len(chunk_bin)
    return b"".join(
        [
            struct.pack("<4sII", GLB_MAGIC, 2, total),
            struct.pack("<II", len(chunk_json), JSON_CHUNK),
            chunk_json,
            struct.pack("<II", len(chunk_bin), BIN_CHUNK),
            chunk_bin,
        ]
    )


def read_glb(data: bytes) -> dict:
    """The glTF JSON of a GLB (or VRM, which is a GLB) after checking its structure;
    ModelError with a reason otherwise."""
    if len(data) < 20 or data[:4] != GLB_MAGIC:
        raise ModelError("not a GLB file (it does not start with 'glTF')")
    _, version, length = struct.unpack_from("<4sII", data)
    if version != 2:
        raise ModelError(f"glTF version {version}; only version 2 is supported")
    if length != len(data):
        raise ModelError("the file is truncated or has extra bytes")
    offset, document, binary_length = 12, None, 0
    while offset < length:
        if offset + 8 > length:
            raise ModelError("a chunk header is cut off")
        chunk_length, chunk_type = struct.unpack_from("<II", data, offset)
        start, end = offset + 8, offset + 8 + chunk_length
        if end > length or chunk_length % 4:
            raise ModelError("a chunk runs past the end of the file")
        if document is None:
            if chunk_type != JSON_CHUNK:
                raise ModelError("the first chunk is not JSON")
            try:
                document = load_json(data[start:end].decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as error:  # depth-limited: never recursion
                raise ModelError("the JSON chunk cannot be read") from error
        elif chunk_type == BIN_CHUNK:
            binary_length = chunk_length
        offset = end
    _check_document(document, binary_length)
    return document


# The parts of a glTF document we read, and what each must be (glTF 2.0 schema, top level).
_LISTS_OF_OBJECTS = (
    "accessors",
    "animations",
    "buffers",
    "bufferViews",
    "cameras",
    "images",
    "materials",
    "meshes",
    "nodes",
    "samplers",
    "scenes",
    "skins",
    "textures",
)
_LISTS_OF_STRINGS = ("extensionsUsed", "extensionsRequired")


def _check_document(document, binary_length: int) -> None:
    """The shape of the JSON we rely on, so that reading it later cannot fail in another way."""
    if not isinstance(document, dict):
        raise ModelError("the file has no glTF 2.0 asset description")
    asset = document.get("asset")
    if not isinstance(asset, dict) or asset.get("version") != "2.0":
        raise ModelError("the file has no glTF 2.0 asset description")
    for key in _LISTS_OF_OBJECTS:
        items = document.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ModelError(f"the model's {key!r} is not a list of objects")
    for key in _LISTS_OF_STRINGS:
        items = document.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ModelError(f"the model's {key!r} is not a list of names")
    for buffer in document.get("buffers", []):
        size = buffer.get("byteLength")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ModelError("a buffer has no valid byteLength")
    for item in document.get("buffers", []) + document.get("images", []):
        if "uri" in item and not isinstance(item["uri"], str):
            raise ModelError("the model has a uri that is not text")
    for buffer in document.get("buffers", [])[:1]:
        if "uri" not in buffer and buffer["byteLength"] > binary_length:
            raise ModelError("the binary chunk is shorter than the model says")
    if any(
        "uri" in item and not item["uri"].startswith("data:")
        for item in document.get("buffers", []) + document.get("images", [])
    ):
        raise ModelError("the model refers to outside files: upload a self-contained GLB")
    if not document.get("meshes"):
        raise ModelError("the model has no meshes")
    for mesh in document["meshes"]:
        if not isinstance(mesh.get("primitives", []), list):
            raise ModelError("a mesh's primitives are not a list")


def is_vrm(document: dict) -> bool:
    used = document.get("extensionsUsed", [])
    return "VRM" in used or "VRMC_vrm" in used
