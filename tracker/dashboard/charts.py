"""Small server-side SVG bar charts (no script): stacked bars over labelled columns, a
legend in words, and a <title> for assistive technology. Every text is escaped; the
page shows the same numbers as a table beside each chart."""

from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours distinguishable with common colour-vision deficiencies (Okabe-Ito), each
# series also named in the legend and the table.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 60
LEGEND_ROW = 18


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def stacked_bars(title: str, labels: list[str], series: list[Series]) -> Markup:
    """An SVG of one stacked bar per label; series are stacked in the order given."""
    legend_rows = (len(series) + 3) // 4
    height = HEIGHT + legend_rows * LEGEND_ROW
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max([*totals, 1])
    plot_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar_w = step * 0.7
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
             f'viewBox="0 0 {WIDTH} {height}" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    # Axis: zero and the top value.
    base_y = TOP + plot_h
    parts.append(f'<line x1="{LEFT}" y1="{base_y}" x2="{WIDTH - RIGHT}" y2="{base_y}" '
                 'stroke="#1b1b1b"/>')
    parts.append(f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" '
                 f'font-size="11">{top}</text>')
    parts.append(f'<text x="{LEFT - 6}" y="{base_y}" text-anchor="end" font-size="11">0</text>')
    for i, label in enumerate(labels):
        x = LEFT + i * step + (step - bar_w) / 2
        y = base_y
        for n, one in enumerate(series):
            value = one.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect class="bar" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(h)}" fill="{PALETTE[n % len(PALETTE)]}" '
                f'data-series="{escape(one.name)}" data-label="{escape(label)}" '
                f'data-value="{value}"><title>{escape(one.name)}, {escape(label)}: '
                f"{value}</title></rect>")
        if totals[i]:
            parts.append(f'<text x="{_fmt(x + bar_w / 2)}" y="{_fmt(y - 3)}" '
                         f'text-anchor="middle" font-size="11">{totals[i]}</text>')
        parts.append(f'<text x="{_fmt(x + bar_w / 2)}" y="{base_y + 16}" '
                     f'text-anchor="middle" font-size="11">{escape(label)}</text>')
    for n, one in enumerate(series):
        lx = LEFT + (n % 4) * 170
        ly = HEIGHT - BOTTOM + 36 + (n // 4) * LEGEND_ROW
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
                     f'fill="{PALETTE[n % len(PALETTE)]}"/>')
        parts.append(f'<text x="{lx + 18}" y="{ly}" font-size="12">{escape(one.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (all text escaped)  # nosec B704
