"""The themes' drawn ornaments as small SVG images (pure; cached per colour and page size).

They go into documents as data: URIs, so the renderer parses each one once per process (its
image cache) instead of laying out inline SVG on every render."""

import base64
import math
from functools import lru_cache

# One petal: a start point and three cubic curves (10 points), pointing up from the centre.
PETAL_POINTS = (
    (0, 0),
    (-10, -10),
    (-9, -26),
    (0, -30),
    (2, -27),
    (4, -27),
    (6, -30),
    (13, -24),
    (10, -10),
    (0, 0),
)
BLOSSOMS = ((30, 30, 0, 1.0), (70, 22, 40, 0.6), (22, 72, 80, 0.7), (60, 62, 20, 0.45))


def _petal_path(x: float, y: float, turn: float, scale: float) -> str:
    """Five petals around (x, y) as one path, points transformed here rather than by the
    renderer: one path per corner draws much faster than twenty transformed ones."""
    parts = []
    for petal in range(5):
        angle = math.radians(turn + 72 * petal)
        cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
        points = [(px * cos - py * sin + x, px * sin + py * cos + y) for px, py in PETAL_POINTS]
        (x0, y0), rest = points[0], points[1:]
        curves = " ".join(
            "C " + " ".join(f"{px:.2f} {py:.2f}" for px, py in rest[i : i + 3])
            for i in range(0, len(rest), 3)
        )
        parts.append(f"M{x0:.2f} {y0:.2f} {curves} Z")
    return " ".join(parts)


def _blossoms(petal: str, accent: str) -> str:
    petals = " ".join(_petal_path(*blossom) for blossom in BLOSSOMS)
    hearts = " ".join(
        f"M{x + 3.2 * k:.2f} {y} a{3.2 * k:.2f} {3.2 * k:.2f} 0 1 0 {-6.4 * k:.2f} 0 "
        f"a{3.2 * k:.2f} {3.2 * k:.2f} 0 1 0 {6.4 * k:.2f} 0"
        for x, y, _, k in BLOSSOMS
    )
    return (
        f'<path d="{petals}" fill="{petal}" stroke="{accent}" stroke-width="0.6"/>'
        f'<path d="{hearts}" fill="{accent}"/>'
    )


def _flourish(accent: str) -> str:
    return (
        f'<path d="M8 112 V40 C8 20 20 8 40 8 H112" fill="none" stroke="{accent}" '
        'stroke-width="1.6"/>'
        f'<path d="M18 112 V46 C18 30 30 18 46 18 H112" fill="none" stroke="{accent}" '
        'stroke-width="0.7"/>'
        f'<path d="M40 8 C40 28 28 40 8 40" fill="none" stroke="{accent}" stroke-width="0.7"/>'
        f'<circle cx="24" cy="24" r="3" fill="{accent}"/>'
    )


@lru_cache(maxsize=64)
def frame(theme: str, accent: str, petal: str, width: int, height: int, border: bool) -> str:
    """A page-sized SVG (mm) with the theme's corners, and a double rule when ``border``."""
    scale = 30 / 120  # corner art is drawn on 120 units, printed 30 mm wide
    art = {"sakura": _blossoms(petal, accent), "classic": _flourish(accent)}.get(theme, "")
    corners = ""
    if art:
        for flip_x, flip_y in ((False, False), (True, False), (False, True), (True, True)):
            x = width - 7 if flip_x else 7
            y = height - 7 if flip_y else 7
            sx = -scale if flip_x else scale
            sy = -scale if flip_y else scale
            corners += f'<g transform="translate({x} {y}) scale({sx} {sy})">{art}</g>'
    rules = ""
    if border and theme != "modern":
        rules = (
            f'<rect x="9" y="9" width="{width - 18}" height="{height - 18}" fill="none" '
            f'stroke="{accent}" stroke-width="0.35"/>'
            f'<rect x="11" y="11" width="{width - 22}" height="{height - 22}" fill="none" '
            f'stroke="{accent}" stroke-width="0.15"/>'
        )
    elif border:
        rules = (
            f'<rect x="9" y="9" width="{width - 18}" height="{height - 18}" fill="none" '
            f'stroke="{accent}" stroke-width="0.22"/>'
            f'<rect x="0" y="0" width="7" height="{height}" fill="{accent}"/>'
        )
    elif theme == "modern":
        rules = f'<rect x="0" y="0" width="7" height="{height}" fill="{accent}"/>'
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}">{rules}{corners}</svg>'
    )
    return data_uri(svg)


@lru_cache(maxsize=32)
def heart(color: str) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="29" viewBox="0 0 32 29">'
        f'<path fill="{color}" d="M16 28 C6 20 0 14 0 8 C0 3 4 0 8 0 C12 0 14 2 16 5 C18 2 20 0 '
        '24 0 C28 0 32 3 32 8 C32 14 26 20 16 28 Z"/></svg>'
    )
    return data_uri(svg)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
