"""The standee GLB: life-size, alpha-blended, double-sided, valid for the Khronos validator;
and uploaded models read through before they are kept."""

import io
import json
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from wedding.presentation.glb import ModelError, is_vrm, pack_glb, read_glb, standee_glb

VALIDATOR = Path(__file__).with_name("validate_gltf.mjs")


def portrait(size=(2000, 3000), alpha=True, fmt="PNG") -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (255, 240, 245, 0) if alpha else "white")
    ImageDraw.Draw(image).ellipse(
        (size[0] // 5, size[1] // 10, size[0] * 4 // 5, size[1]), fill=(90, 70, 140, 255)
    )
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def chunks(glb: bytes) -> tuple[dict, bytes]:
    length = struct.unpack_from("<I", glb, 12)[0]
    document = json.loads(glb[20 : 20 + length])
    return document, glb[20 + length + 8 :]


def test_the_standee_is_life_size_facing_the_viewer_and_see_through(tmp_path):
    glb = standee_glb(portrait(), 1.62)
    document, binary = chunks(glb)
    position = document["accessors"][0]
    assert position["min"][1] == 0 and position["max"][1] == pytest.approx(1.62)
    width = position["max"][0] - position["min"][0]
    assert width == pytest.approx(1.62 * 2 / 3, rel=0.01)  # the portrait's aspect
    normals = struct.unpack_from("<3f", binary, document["bufferViews"][1]["byteOffset"])
    assert normals == (0, 0, 1)  # facing +Z, where the camera stands
    material = document["materials"][0]
    assert material["alphaMode"] == "BLEND" and material["doubleSided"] is True
    view = document["bufferViews"][document["images"][0]["bufferView"]]
    texture = binary[view["byteOffset"] : view["byteOffset"] + view["byteLength"]]
    with Image.open(io.BytesIO(texture)) as image:
        assert max(image.size) <= 1024 and image.mode == "RGBA"
    assert read_glb(glb)["asset"]["version"] == "2.0"


@pytest.mark.parametrize("alpha", [True, False])
def test_the_khronos_validator_finds_no_errors(tmp_path, alpha):
    path = tmp_path / "standee.glb"
    path.write_bytes(standee_glb(portrait(alpha=alpha, fmt="PNG" if alpha else "JPEG")))
    done = subprocess.run(
        ["node", str(VALIDATOR), str(path)], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
    assert report["issues"]["numWarnings"] == 0, report["issues"]["messages"]
    assert report["info"]["totalVertexCount"] == 4


def glb_with(document: dict, binary: bytes = b"") -> bytes:
    return pack_glb(document, binary)


GOOD = {"asset": {"version": "2.0"}, "meshes": [{"primitives": []}]}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a GLB"),
        (b"PK\x03\x04" + b"\0" * 40, "not a GLB"),
        (struct.pack("<4sII", b"glTF", 1, 20) + b"\0" * 8, "version 1"),
        (glb_with(GOOD)[:-4], "truncated"),
        (
            struct.pack("<4sII", b"glTF", 2, 24) + struct.pack("<II", 4, 0x4E4F534A) + b"{{{{",
            "JSON",
        ),
        (glb_with({"asset": {"version": "1.0"}, "meshes": [{}]}), "glTF 2.0"),
        (
            glb_with({**GOOD, "buffers": [{"uri": "../../etc/passwd", "byteLength": 4}]}),
            "outside files",
        ),
        (glb_with({**GOOD, "images": [{"uri": "http://example.com/x.png"}]}), "outside files"),
        (glb_with({"asset": {"version": "2.0"}}), "no meshes"),
        (glb_with({**GOOD, "buffers": [{"byteLength": 999}]}, b"\0" * 8), "shorter"),
    ],
)
def test_broken_models_are_refused_with_a_reason(data, reason):
    with pytest.raises(ModelError, match=reason):
        read_glb(data)


def test_a_vrm_is_recognised():
    assert is_vrm(read_glb(glb_with({**GOOD, "extensionsUsed": ["VRMC_vrm"]})))
    assert not is_vrm(read_glb(glb_with(GOOD)))


@pytest.mark.parametrize(
    "document",
    [
        {"asset": "x", "meshes": [{}]},
        {**GOOD, "buffers": {"a": 1}},
        {**GOOD, "buffers": ["x"]},
        {**GOOD, "buffers": [{"byteLength": "9"}]},
        {**GOOD, "buffers": [{"byteLength": 4, "uri": 5}]},
        {**GOOD, "images": 5},
        {**GOOD, "extensionsUsed": 5},
        {**GOOD, "extensionsUsed": [5]},
        {"asset": {"version": "2.0"}, "meshes": "x"},
        {"asset": {"version": "2.0"}, "meshes": ["x"]},
        {"asset": {"version": "2.0"}, "meshes": [{"primitives": "x"}]},
        [GOOD],
    ],
)
def test_malformed_json_shapes_are_model_errors(document):
    with pytest.raises(ModelError):
        read_glb(glb_with(document))


def test_deeply_nested_json_is_a_model_error():
    deep = b'{"asset":{"version":"2.0"},"meshes":[{}],"extras":' + b"[" * 100_000 + b"]" * 100_000
    deep += b"}"
    deep += b" " * (-len(deep) % 4)
    data = struct.pack("<4sII", b"glTF", 2, 20 + len(deep)) + struct.pack(
        "<II", len(deep), 0x4E4F534A
    )
    with pytest.raises(ModelError, match="JSON"):
        read_glb(data + deep)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=24,
)
KEYS = st.sampled_from(
    ["asset", "meshes", "buffers", "images", "extensionsUsed", "bufferViews", "nodes", "x"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=JSON_VALUES,
    top=st.dictionaries(KEYS, JSON_VALUES, max_size=6),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=6),
)
def test_any_json_or_bytes_only_ever_raise_model_errors(value, top, edits):
    """Like the card importers: whatever the upload holds, only ModelError escapes, and what is
    accepted is a glTF 2.0 document with meshes as a list of objects."""
    candidates = [
        glb_with(value),
        glb_with({**GOOD, **top}),
        glb_with({"asset": {"version": "2.0"}, **top}),
    ]
    mutated = bytearray(glb_with({**GOOD, **top}))
    for position, byte in edits:
        mutated[position % len(mutated)] = byte
    candidates.append(bytes(mutated))
    for data in candidates:
        try:
            document = read_glb(data)
        except ModelError:
            continue
        assert document["asset"]["version"] == "2.0"
        assert isinstance(document["meshes"], list) and document["meshes"]
        assert all(isinstance(mesh, dict) for mesh in document["meshes"])
        is_vrm(document)
