"""The progress history as plain text and as one self-contained HTML page.

Both take the JSON document of :meth:`milestone_lsp.core.history.History.to_json` (what the
CLI prints and the server command returns), so every rendering shows the same figures.

The page has an inline SVG burn-up chart (computed overall progress against what STATUS stated,
per-milestone lines optional), the milestones' dates, the documentation lag, the scope creep and
the table of commits. It loads nothing: no scripts, fonts, images or style sheets from anywhere,
so it opens the same from a file, a CI artefact or an editor's webview.
"""

from __future__ import annotations

import datetime
import html
import itertools
from collections.abc import Sequence
from typing import Any

from milestone_lsp.core.progress import format_percent

_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


def _pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value)


def _day(iso: str) -> str:
    return iso[:10]


def event_text(event: dict[str, Any] | None) -> str:
    """``2026-01-15 (efe0377)``, with the logged date when it differs; ``—`` for none."""
    if event is None:
        return "—"
    text = f"{_day(event['date'])} ({event['short']})"
    logged = event.get("logged")
    if logged and logged != _day(event["date"]):
        text += f", logged {logged}"
    return text


def table_rows(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The commit table: header and rows of text (shared by the plain and rich renderings)."""
    names = [m["name"] for m in data["milestones"]]
    header = ["Commit", "Date", "Overall", "Stated", *names]
    rows = []
    for c in data["commits"]:
        overall = c["overall"]
        stated = _pct(overall["stated"])
        if overall["lag"] is not None:
            stated += " !"
        by_name = {m["name"]: m for m in c["milestones"]}
        cells = []
        for name in names:
            m = by_name.get(name)
            if m is None:
                cells.append("")
                continue
            cell = f"{_pct(m['computed'])}"
            if m["stated"] is not None:
                cell += f" ({_pct(m['stated'])}{' !' if m['lag'] is not None else ''})"
            cells.append(cell)
        rows.append(
            [
                c["short"],
                _day(c["date"]),
                f"{_pct(overall['computed'])} {overall['done']}/{overall['total']}",
                stated,
                *cells,
            ]
        )
    return header, rows


def summary_lines(data: dict[str, Any]) -> list[str]:
    """Milestone dates, lag, scope creep, renames and notes as lines of text."""
    out = ["", "Milestones:"]
    for m in data["milestones"]:
        out.append(
            f"  {m['name']}: started {event_text(m['started'])}; complete "
            f"{event_text(m['completed'])}; approved {event_text(m['approved'])}"
        )
    lag = data["documentation_lag"]
    out += ["", f"Documentation lag (stated ahead of computed): {len(lag) or 'none'}"]
    for row in lag:
        subject = row["milestone"] or "overall"
        out.append(
            f"  {_day(row['date'])} {row['short']} {subject}: stated {_pct(row['stated'])}, "
            f"computed {_pct(row['computed'])}"
        )
    creep = data["scope_creep"]
    heading = "Scope creep (deliverables added after the milestone started)"
    out += ["", f"{heading}: {len(creep) or 'none'}"]
    for c in creep:
        out.append(
            f"  {_day(c['date'])} {c['short']} {c['milestone']}: + {c['deliverable']} "
            f"(started {_day(c['started_date'])})" + ("" if c["present"] else " [removed since]")
        )
    for r in data["renames"]:
        out.append(f"Renamed in {r['short']} ({_day(r['date'])}): {r['from']} -> {r['to']}")
    for note in data["notes"]:
        out.append(f"Note: {note}")
    return out


def render_text(data: dict[str, Any]) -> str:
    """The plain-text table and summary of :meth:`History.to_json`'s document."""
    if not data["commits"]:
        return "No commit changed a milestone file.\n"
    header, rows = table_rows(data)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines.append("(! = the stated percentage runs ahead of the computed one)")
    lines += summary_lines(data)
    return "\n".join(lines) + "\n"


# --- the page -----------------------------------------------------------------------------------

_W, _H = 760, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 16, 16, 40


def _epoch(iso: str) -> float:
    try:
        return datetime.datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


def _step_path(points: Sequence[tuple[float, float]]) -> str:
    """A step line (a value holds until the next commit)."""
    if not points:
        return ""
    parts = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for (_, y0), (x1, y1) in itertools.pairwise(points):
        parts.append(f"H{x1:.1f}")
        if y1 != y0:
            parts.append(f"V{y1:.1f}")
    return " ".join(parts)


def chart_svg(data: dict[str, Any], per_milestone: bool = True) -> str:
    """The burn-up chart: computed overall (solid) against stated overall (dashed)."""
    commits = data["commits"]
    n = len(commits)
    plot_w = _W - _LEFT - _RIGHT
    plot_h = _H - _TOP - _BOTTOM

    # A time axis: commits sit at their dates, so a quiet month looks like one.
    times = [_epoch(c["date"]) for c in commits]
    span = (times[-1] - times[0]) if n > 1 else 0.0

    def x(i: int) -> float:
        if span <= 0:
            return _LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        return _LEFT + plot_w * (times[i] - times[0]) / span

    def y(value: float) -> float:
        return _TOP + plot_h * (1 - max(0.0, min(100.0, value)) / 100)

    out = [
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
        'aria-labelledby="chart-title">',
        '<title id="chart-title">Burn-up: computed progress against stated progress</title>',
    ]
    for tick in (0, 25, 50, 75, 100):
        ty = y(tick)
        out.append(
            f'<line x1="{_LEFT}" y1="{ty:.1f}" x2="{_W - _RIGHT}" y2="{ty:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{ty + 4:.1f}" class="axis" text-anchor="end">{tick}%</text>'
        )
    labelled: list[float] = []
    for i in [0, n - 1, *range(1, n - 1)]:  # the ends first, then whatever fits between
        xi = x(i)
        if any(abs(xi - other) < 90 for other in labelled) or (
            i and _day(commits[i]["date"]) == _day(commits[i - 1]["date"])
        ):
            continue
        labelled.append(xi)
        anchor = "start" if xi - _LEFT < 40 else "end" if _W - _RIGHT - xi < 40 else "middle"
        out.append(
            f'<line x1="{xi:.1f}" y1="{_TOP + plot_h}" x2="{xi:.1f}" y2="{_TOP + plot_h + 4}" '
            f'class="grid"/><text x="{xi:.1f}" y="{_H - _BOTTOM + 18}" class="axis" '
            f'text-anchor="{anchor}">{html.escape(_day(commits[i]["date"]))}</text>'
        )
    # Weeks in which STATUS claimed more than the files show: shaded.
    for i, c in enumerate(commits):
        if c["overall"]["lag"] is not None:
            x0 = x(i)
            x1 = x(i + 1) if i + 1 < n else x0 + 6
            out.append(
                f'<rect class="lag" x="{x0:.1f}" y="{_TOP}" width="{max(x1 - x0, 6):.1f}" '
                f'height="{plot_h}"><title>{html.escape(c["short"])}: stated '
                f"{_pct(c['overall']['stated'])}, computed {_pct(c['overall']['computed'])}"
                "</title></rect>"
            )
    if per_milestone:
        for k, m in enumerate(data["milestones"]):
            pts = []
            for i, c in enumerate(commits):
                found = next((p for p in c["milestones"] if p["name"] == m["name"]), None)
                if found is not None and found["computed"] is not None:
                    pts.append((x(i), y(found["computed"])))
            if pts:
                color = _PALETTE[k % len(_PALETTE)]
                out.append(
                    f'<path class="milestone" d="{_step_path(pts)}" stroke="{color}">'
                    f"<title>{html.escape(m['name'])}</title></path>"
                )
    computed = [
        (x(i), y(c["overall"]["computed"]))
        for i, c in enumerate(commits)
        if c["overall"]["computed"] is not None
    ]
    stated = [
        (x(i), y(c["overall"]["stated"]))
        for i, c in enumerate(commits)
        if c["overall"]["stated"] is not None
    ]
    if stated:
        out.append(f'<path class="stated" d="{_step_path(stated)}"/>')
    if computed:
        out.append(f'<path class="computed" d="{_step_path(computed)}"/>')
    for i, c in enumerate(commits):
        value = c["overall"]["computed"]
        if value is None:
            continue
        tip = (
            f"{c['short']} {_day(c['date'])} {c['subject']}: computed {_pct(value)}, "
            f"stated {_pct(c['overall']['stated'])}"
        )
        out.append(
            f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" class="dot">'
            f"<title>{html.escape(tip)}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


def _legend(data: dict[str, Any], per_milestone: bool) -> str:
    items = [
        '<span><i class="key computed"></i>computed overall</span>',
        '<span><i class="key stated"></i>stated in STATUS</span>',
        '<span><i class="key lag"></i>stated ahead of computed</span>',
    ]
    if per_milestone:
        for k, m in enumerate(data["milestones"]):
            color = _PALETTE[k % len(_PALETTE)]
            items.append(
                f'<span><i class="key" style="background:{color}"></i>'
                f"{html.escape(m['name'])}</span>"
            )
    return '<p class="legend">' + "".join(items) + "</p>"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;
background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.chart .grid{stroke:#e4e4e4}.chart .axis{font-size:11px;fill:#555}
.chart path{fill:none}.chart .computed{stroke:#1f4e9c;stroke-width:3}
.chart .stated{stroke:#c0392b;stroke-width:2;stroke-dasharray:6 4}
.chart .milestone{stroke-width:1.5;opacity:.7}.chart .dot{fill:#1f4e9c}
.chart .lag{fill:#c0392b;opacity:.12}
.legend span{margin-right:16px;white-space:nowrap}
.key{display:inline-block;width:14px;height:4px;margin-right:5px;vertical-align:middle}
.key.computed{background:#1f4e9c}.key.stated{background:#c0392b}
.key.lag{background:#c0392b;opacity:.25;height:10px}
.muted{color:#666}
@media (prefers-color-scheme: dark){body{background:#1e1e1e;color:#ddd}th{background:#333}
td,th{border-color:#555}.chart .grid{stroke:#3a3a3a}.chart .axis{fill:#aaa}}
"""


def render_html(data: dict[str, Any], per_milestone: bool = True) -> str:
    """One self-contained page of :meth:`History.to_json`'s document: chart, milestones, lag,
    scope creep and the commit table."""
    title = "Progress history"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No network at all, even if a name in the data looked like a URL.
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{title}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
    ]
    if not data["commits"]:
        parts.append("<p>No commit changed a milestone file.</p></body></html>")
        return "\n".join(parts) + "\n"
    first, last = data["commits"][0], data["commits"][-1]
    parts.append(
        f'<p class="muted">{len(data["commits"])} commits that changed milestone files, '
        f"{html.escape(_day(first['date']))} to {html.escape(_day(last['date']))}; "
        f"progress counted by {html.escape(data['progress_method'])}.</p>"
    )
    parts.append(chart_svg(data, per_milestone))
    parts.append(_legend(data, per_milestone))
    parts.append("<h2>Milestones</h2>")
    parts.append(
        _html_table(
            ["Milestone", "Started", "Complete", "Approved", "Scope creep"],
            [
                [
                    m["name"],
                    event_text(m["started"]),
                    event_text(m["completed"]),
                    event_text(m["approved"]),
                    ", ".join(c["deliverable"] for c in m["scope_creep"]) or "—",
                ]
                for m in data["milestones"]
            ],
        )
    )
    lag = data["documentation_lag"]
    parts.append("<h2>Documentation lag</h2>")
    if lag:
        parts.append(
            _html_table(
                ["Commit", "Date", "About", "Stated", "Computed"],
                [
                    [
                        r["short"],
                        _day(r["date"]),
                        r["milestone"] or "overall",
                        _pct(r["stated"]),
                        _pct(r["computed"]),
                    ]
                    for r in lag
                ],
            )
        )
    else:
        parts.append("<p>No commit stated more progress than the files showed.</p>")
    creep = data["scope_creep"]
    parts.append("<h2>Scope creep</h2>")
    if creep:
        parts.append(
            _html_table(
                ["Added in", "Date", "Milestone", "Deliverable", "Milestone started"],
                [
                    [
                        c["short"],
                        _day(c["date"]),
                        c["milestone"],
                        c["deliverable"],
                        _day(c["started_date"]),
                    ]
                    for c in creep
                ],
            )
        )
    else:
        parts.append("<p>No deliverable was added to a milestone after it started.</p>")
    parts.append("<h2>Commits</h2>")
    header, rows = table_rows(data)
    parts.append(_html_table(header, rows))
    parts.append('<p class="muted">! = the stated percentage runs ahead of the computed one.</p>')
    for r in data["renames"]:
        parts.append(
            f'<p class="muted">Renamed in {html.escape(r["short"])}: '
            f"{html.escape(r['from'])} → {html.escape(r['to'])}</p>"
        )
    for note in data["notes"]:
        parts.append(f'<p class="muted">Note: {html.escape(note)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
