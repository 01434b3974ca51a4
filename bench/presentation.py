"""AR figures: a standee GLB from a 2000×3000 portrait."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter

from bench.common import timed
from wedding.presentation.glb import standee_glb


def detailed_portrait(alpha: bool) -> bytes:
    """A 2000×3000 picture with detail everywhere (noise does not compress, like real art)."""
    rng = random.Random(3)  # noqa: S311 - pixels, not secrets
    noise = Image.frombytes("L", (500, 750), rng.randbytes(500 * 750)).resize((2000, 3000))
    image = Image.merge("RGB", (noise, noise.filter(ImageFilter.BLUR), noise.rotate(180)))
    if alpha:
        mask = Image.new("L", image.size, 0)
        ImageDraw.Draw(mask).ellipse((300, 100, 1700, 2990), fill=255)
        image.putalpha(mask)
    buffer = io.BytesIO()
    image.save(buffer, "PNG" if alpha else "JPEG", **({} if alpha else {"quality": 90}))
    return buffer.getvalue()


def illustration() -> bytes:
    """A 2000×3000 cut-out figure drawn in flat colours and soft shading, as artwork is."""
    image = Image.new("RGBA", (2000, 3000), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for step in range(60):  # a shaded coat, a face, hair
        shade = 60 + step
        draw.rounded_rectangle(
            (500 + step * 3, 900 + step * 4, 1500 - step * 3, 2800), 200, fill=(shade, 70, 120, 255)
        )
    draw.ellipse((700, 250, 1300, 950), fill=(250, 226, 210, 255))
    draw.chord((650, 150, 1350, 800), 180, 360, fill=(92, 64, 84, 255))
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def run() -> None:
    cases = (
        (illustration(), "PNG illustration with transparency"),
        (detailed_portrait(True), "PNG of pure noise (worst case)"),
        (detailed_portrait(False), "JPEG photo-like"),
    )
    for portrait, label in cases:
        glb = standee_glb(portrait, 1.75)
        median, p95 = timed(lambda portrait=portrait: standee_glb(portrait, 1.75), repeat=10)
        print(
            f"ar         standee from a 2000×3000 {label} ({len(portrait) / 1e6:.1f} MB): "
            f"median {median:6.1f} ms  p95 {p95:6.1f} ms  {len(glb) / 1e6:.2f} MB "
            "(target ≤ 300 ms, ≤ 2 MB)"
        )
