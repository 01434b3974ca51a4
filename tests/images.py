"""Pictures made for tests."""

import io
import struct
import zlib

from PIL import Image


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb as
    Pillow first sees it: it reads the header before any pixel)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(out, "PNG")
    data = out.getvalue()
    header = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + header + struct.pack(">I", zlib.crc32(header)) + data[33:]
