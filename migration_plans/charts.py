"""Server-side SVG charts: they print, go into the PDF as they are, and need no JavaScript."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SERIES = (  # key, label, colour, dash pattern: the dashes tell the lines apart without colour
    ("planned", "Planned", "#1d5a8a", "8 5"),
    ("actual", "Actual", "#a40000", ""),
    ("unsupported", "Unsupported or ageing", "#8a5a00", "2 4"),
)


def _nice_max(value: int) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 5:
            return max(step * ((value + step - 1) // step), step)
    return value


def burndown_svg(points: list[dict], *, title: str, width: int = 720, height: int = 300) -> SafeString:
    """A line chart of the burndown points, the y axis from zero; months without a value leave a gap."""
    left, right, top, bottom = 48, 16, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([p.get(k) or 0 for p in points for k, *_ in SERIES] + [1]))
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(left + plot_w * i / n, 1)

    def y(v: int) -> float:
        return round(top + plot_h * (1 - v / top_value), 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-labelledby="bd-title" class="burndown-svg" style="max-width:{width}px">',
             f'<title id="bd-title">{escape(title)}</title>',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    for k in range(6):  # gridlines and y labels: 0 … top
        v = top_value * k // 5
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v)}" y2="{y(v)}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4}" font-size="11" text-anchor="end" fill="#333">{v}</text>')
    every = max(1, len(points) // 12)
    for i, p in enumerate(points):
        if i % every == 0:
            parts.append(f'<text x="{x(i)}" y="{height - bottom + 16}" font-size="10" text-anchor="middle" '
                         f'fill="#333">{escape(p["month"])}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#333"/>'
                 f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#333"/>')
    legend_x = left
    for key, label, colour, dash in SERIES:
        coords = [(x(i), y(p[key])) for i, p in enumerate(points) if p.get(key) is not None]
        if not coords:
            continue
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{cx},{cy}" for cx, cy in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        parts.extend(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>' for cx, cy in coords)
        ly = height - 18
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 28}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="2.5"{dash_attr}/><text x="{legend_x + 34}" y="{ly + 4}" font-size="12" '
                     f'fill="#222">{escape(label)}</text>')
        legend_x += 60 + 7 * len(label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above
