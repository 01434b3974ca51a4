"""Cutting the companion's figure out of a portrait for the AR standee. Pure: bytes in, bytes out.

A portrait that has its own transparency is already a cut-out and is kept as it is. An opaque
illustration loses its background: a flat background (the border nearly one colour) by a flood
fill from the border; anything else by OpenCV's GrabCut, seeded with the border as background.
Both run locally on the picture: no model is downloaded. The planner sees the result and
accepts it, or uploads a cut-out of their own."""

import io
import warnings

import cv2
import numpy as np
from PIL import Image

WORK_SIZE = 256  # GrabCut runs on a copy this large at most (seconds at 512 px on a busy core)
BORDER = 0.03  # the outer 3 % of each side seeds the background
FLAT_SPREAD = 12.0  # border colours this close (standard deviation, 0–255) count as flat
FLOOD_TOLERANCE = 18
# A standee needs a few thousand pixels a side at most; a picture's header is read before its
# pixels, so a huge one is refused before it is decoded (Pillow alone lets 178 million through,
# several hundred MB once decoded, in a web request for an uploaded cut-out).
MAX_PIXELS = 40_000_000


class CutoutError(ValueError):
    """The picture cannot be read, or nothing is left after cutting."""


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():  # Pillow's warning above 89 million: ours is lower
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
        too_large = image.width * image.height > MAX_PIXELS
        if too_large:
            image.close()
        else:
            image.load()
    except Image.DecompressionBombError:
        too_large = True
    except (OSError, ValueError) as error:
        raise CutoutError("not a picture") from error
    if too_large:
        raise CutoutError("too many pixels")
    return image


def has_own_transparency(data: bytes) -> bool:
    """The portrait already shows the figure alone: some of its pixels are see-through."""
    image = _open(data)
    if image.mode not in ("RGBA", "LA", "PA", "P") and "transparency" not in image.info:
        return False
    alpha = image.convert("RGBA").getchannel("A")
    low, _ = alpha.getextrema()
    return low < 250


def _border(pixels: np.ndarray, width: int) -> np.ndarray:
    return np.concatenate(
        [
            pixels[:width].reshape(-1, 3),
            pixels[-width:].reshape(-1, 3),
            pixels[:, :width].reshape(-1, 3),
            pixels[:, -width:].reshape(-1, 3),
        ]
    )


def _flood_background(pixels: np.ndarray) -> np.ndarray:
    """Background mask (True = background) of a flat-coloured border, filled inwards."""
    height, width = pixels.shape[:2]
    mask = np.zeros((height + 2, width + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8)
    tolerance = (FLOOD_TOLERANCE,) * 3
    step = max(1, min(height, width) // 64)
    seeds = [(x, 0) for x in range(0, width, step)] + [
        (x, height - 1) for x in range(0, width, step)
    ]
    seeds += [(0, y) for y in range(0, height, step)] + [
        (width - 1, y) for y in range(0, height, step)
    ]
    for x, y in seeds:
        if not mask[y + 1, x + 1]:
            cv2.floodFill(pixels, mask, (x, y), 0, tolerance, tolerance, flags)
    return mask[1:-1, 1:-1] > 0


def _grabcut_background(pixels: np.ndarray) -> np.ndarray:
    """Background mask from GrabCut, the border marked as sure background."""
    height, width = pixels.shape[:2]
    inset = max(2, int(min(height, width) * BORDER))
    mask = np.full((height, width), cv2.GC_PR_FGD, np.uint8)
    mask[:inset], mask[-inset:], mask[:, :inset], mask[:, -inset:] = (cv2.GC_BGD,) * 4
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(pixels, mask, None, background, foreground, 3, cv2.GC_INIT_WITH_MASK)
    return (mask == cv2.GC_BGD) | (mask == cv2.GC_PR_BGD)


def cut_out(data: bytes) -> bytes:
    """The portrait as a PNG whose background is transparent (kept whole if it has its own
    transparency already)."""
    if has_own_transparency(data):
        image = _open(data).convert("RGBA")
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
    image = _open(data).convert("RGB")
    small = image.copy()
    small.thumbnail((WORK_SIZE, WORK_SIZE))
    pixels = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])  # OpenCV works in BGR
    inset = max(2, int(min(pixels.shape[:2]) * BORDER))
    flat = float(_border(pixels, inset).astype(np.float32).std(axis=0).max()) <= FLAT_SPREAD
    background = _flood_background(pixels) if flat else _grabcut_background(pixels)
    alpha = np.where(background, 0, 255).astype(np.uint8)
    alpha = cv2.GaussianBlur(alpha, (3, 3), 0)  # soften the stair-stepped edge a little
    if alpha.max() < 128:
        raise CutoutError("no figure found")
    mask = Image.fromarray(alpha, "L").resize(image.size, Image.Resampling.BILINEAR)
    result = image.convert("RGBA")
    result.putalpha(mask)
    box = mask.point(lambda value: 255 if value >= 128 else 0).getbbox()
    if box:  # the standee is as tall as the figure, not the picture
        result = result.crop(box)
    out = io.BytesIO()
    result.save(out, "PNG", optimize=True)
    return out.getvalue()
