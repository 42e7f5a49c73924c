"""Server-rendered charts: inline SVG (bar, line, heatmap, histogram) with a title, axis
labels, an accessible <title>/<desc>, and the same data as a "View as table" table."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44
_IDS = itertools.count(1)


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup
    header: list[str]
    rows: list[list[str]]

    def html(self, *, definition: str | None = None) -> Markup:
        """The figure: title (with a "?" link to the definition), the SVG and its table."""
        help_link = (
            Markup(' <a class="def-link" href="#def-{}" title="Definition">?</a>').format(
                definition
            )
            if definition
            else Markup("")
        )
        head = Markup("").join(Markup("<th scope='col'>{}</th>").format(h) for h in self.header)
        body = Markup("").join(
            Markup("<tr>{}</tr>").format(
                Markup("").join(Markup("<td>{}</td>").format(c) for c in row)
            )
            for row in self.rows
        )
        return Markup(
            '<figure class="chart"><figcaption>{}{}</figcaption>{}'
            '<details class="chart-table"><summary>View as table</summary>'
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></details></figure>"
        ).format(self.title, help_link, self.svg, head, body)


def _nice_max(value: float) -> float:
    """The axis top: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    step = 10.0 ** (len(str(int(value))) - 1)
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * factor:
            return step * factor
    return float(value)


def _frame(title: str, desc: str, inner: Markup, *, x_label: str, y_label: str) -> Markup:
    uid = next(_IDS)
    return Markup(
        '<svg class="chart-svg" viewBox="0 0 {w} {h}" role="img" '
        'aria-labelledby="ct{u} cd{u}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="ct{u}">{t}</title><desc id="cd{u}">{d}</desc>{inner}'
        '<text class="axis-label" x="{cx}" y="{h2}" text-anchor="middle">{xl}</text>'
        '<text class="axis-label" transform="rotate(-90)" x="-{cy}" y="12" '
        'text-anchor="middle">{yl}</text></svg>'
    ).format(
        w=WIDTH,
        h=HEIGHT,
        u=uid,
        t=title,
        d=desc,
        inner=inner,
        cx=(LEFT + WIDTH - RIGHT) // 2,
        h2=HEIGHT - 4,
        cy=(TOP + HEIGHT - BOTTOM) // 2,
        xl=x_label,
        yl=y_label,
    )


def _y_axis(top: float) -> Markup:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            Markup(
                '<line class="grid" x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}"/>'
                '<text class="tick" x="{tx}" y="{ty:.1f}" text-anchor="end">{v}</text>'
            ).format(l=LEFT, r=WIDTH - RIGHT, y=y, tx=LEFT - 4, ty=y + 4, v=_fmt(value))
        )
    return Markup("").join(parts)


_TICK = Markup('<text class="{c}" x="{x:.1f}" y="{y:.1f}" text-anchor="{a}">{t}</text>')


def _text(x: float, y: float, text: object, *, anchor: str = "middle", cls: str = "tick") -> Markup:
    return _TICK.format(c=cls, x=x, y=y, a=anchor, t=text)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _every(labels: Sequence[str]) -> int:
    return max(1, len(labels) // 12)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    desc: str | None = None,
) -> Chart:
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x = LEFT + i * slot
        bars.append(
            Markup(
                '<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}">'
                "<title>{lab}: {v}</title></rect>"
            ).format(
                x=x + slot * 0.1, y=TOP + plot_h - h, w=slot * 0.8, h=h, lab=label, v=_fmt(value)
            )
        )
        if i % _every(labels) == 0:
            bars.append(_text(x + slot / 2, HEIGHT - BOTTOM + 14, label))
    desc = desc or f"{title}: {len(values)} bars, highest {_fmt(max(values, default=0))}"
    svg = _frame(
        title, desc, _y_axis(top) + Markup("").join(bars), x_label=x_label, y_label=y_label
    )
    return Chart(
        title,
        svg,
        [x_label, y_label],
        [[str(lab), _fmt(v)] for lab, v in zip(labels, values, strict=True)],
    )


def histogram(title: str, edges: Sequence[str], counts: Sequence[int], *, x_label: str) -> Chart:
    """A bar per bin; `edges` are the bins' labels (e.g. "5-15 min")."""
    return bar_chart(
        title,
        edges,
        counts,
        x_label=x_label,
        y_label="Count",
        desc=f"{title}: {sum(counts)} values in {len(counts)} bins",
    )


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    x_label: str,
    y_label: str,
) -> Chart:
    top = _nice_max(max((v for vals in series.values() for v in vals), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    parts = [_y_axis(top)]
    for n, (name, values) in enumerate(series.items()):
        points = " ".join(
            f"{LEFT + i * step:.1f},{TOP + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            Markup(
                '<polyline class="line line-{n}" points="{p}"><title>{t}</title></polyline>'
            ).format(n=n % 4, p=points, t=name)
        )
        parts.append(
            Markup('<text class="legend legend-{n}" x="{x}" y="{y}">{t}</text>').format(
                n=n % 4, x=LEFT + 8 + 150 * n, y=TOP + 10, t=name
            )
        )
    for i, label in enumerate(labels):
        if i % _every(labels) == 0:
            parts.append(_text(LEFT + i * step, HEIGHT - BOTTOM + 14, label))
    desc = f"{title}: " + "; ".join(f"{k} total {_fmt(sum(v))}" for k, v in series.items())
    svg = _frame(title, desc, Markup("").join(parts), x_label=x_label, y_label=y_label)
    rows = [[lab, *(_fmt(vals[i]) for vals in series.values())] for i, lab in enumerate(labels)]
    return Chart(title, svg, [x_label, *series], rows)


def heatmap(
    title: str,
    grid: Sequence[Sequence[int]],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    x_label: str,
    y_label: str,
) -> Chart:
    """Cells shaded by count (fill-opacity), with the count written in each cell."""
    top = max((v for row in grid for v in row), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    cw, ch = plot_w / max(len(col_labels), 1), plot_h / max(len(row_labels), 1)
    parts = []
    for r, row in enumerate(grid):
        parts.append(_text(LEFT - 4, TOP + r * ch + ch / 2 + 4, row_labels[r], anchor="end"))
        for c, value in enumerate(row):
            parts.append(
                Markup(
                    '<rect class="cell" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                    'fill-opacity="{o:.2f}"><title>{rl} {cl}: {v}</title></rect>'
                ).format(
                    x=LEFT + c * cw,
                    y=TOP + r * ch,
                    w=cw - 1,
                    h=ch - 1,
                    o=0.08 + 0.92 * value / top,
                    rl=row_labels[r],
                    cl=col_labels[c],
                    v=value,
                )
            )
            if value:
                cx, cy = LEFT + c * cw + cw / 2, TOP + r * ch + ch / 2 + 3
                parts.append(_text(cx, cy, value, cls="cell-count"))
    for c, label in enumerate(col_labels):
        if c % 3 == 0:
            parts.append(_text(LEFT + c * cw + cw / 2, HEIGHT - BOTTOM + 14, label))
    desc = f"{title}: busiest cell {top}" if top else f"{title}: empty"
    svg = _frame(title, desc, Markup("").join(parts), x_label=x_label, y_label=y_label)
    rows = [[row_labels[r], *(str(v) for v in row)] for r, row in enumerate(grid)]
    return Chart(title, svg, [y_label, *col_labels], rows)


__all__ = ["Chart", "bar_chart", "escape", "heatmap", "histogram", "line_chart"]
