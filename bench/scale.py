"""`make bench BENCH_SCALE=10`: the same pages over ten times the data (issue 13,
"Constant time at scale"). A run at scale 1 keeps each page's in-process time in
bench/.runtime/inprocess-scale-1.json; a run at another scale compares its own
with those, page by page (target: within SCALE_TOLERANCE), and reports the time
seeding took."""

from __future__ import annotations

import json

from demo.bench_data import SCALE, SIZES

from .config import RUNTIME
from .pages import Page

SCALE_TOLERANCE = 0.15
BASELINE = RUNTIME / "inprocess-scale-1.json"


def scale_section(pages: list[Page], *, seed_seconds: float) -> str:
    """Save (scale 1) or compare with (other scales) the pages' in-process times;
    the report's section, in Markdown."""
    times = {page.key: page.inprocess_ms for page in pages if page.inprocess_ms is not None}
    # A logged-in page rendered anew (bench/inprocess.py measure_render): what the data's size can change.
    times |= {f"{page.key}:rendered": page.render_ms for page in pages if page.render_ms is not None}
    lines = [
        f"\n## Scale {SCALE}\n",
        f"{SIZES.courses:,} courses, {SIZES.students:,} students, {SIZES.enrollments:,} enrollments; "
        f"seeding (migrations excluded) took {seed_seconds:.1f} s this run "
        "(0 when the data was already there).\n",
    ]
    if SCALE == 1:
        RUNTIME.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(times, indent=1))
        lines.append(f"In-process times kept in {BASELINE.name} for a run at BENCH_SCALE=10 to compare.\n")
        return "\n".join(lines)
    if not BASELINE.exists():
        lines.append("No scale-1 run to compare with: run `make bench` first.\n")
        return "\n".join(lines)
    baseline = json.loads(BASELINE.read_text())
    lines += [
        "| page | scale 1, ms | this scale, ms | change | within 15 % |",
        "|---|--:|--:|--:|:-:|",
    ]
    for page in pages:
        for key, label in ((page.key, page.label), (f"{page.key}:rendered", f"{page.label}, rendered anew")):
            before, now = baseline.get(key), times.get(key)
            if not before or now is None:
                continue
            change = now / before - 1
            verdict = "yes" if change <= SCALE_TOLERANCE else "**no**"
            lines.append(f"| {label} | {before:.1f} | {now:.1f} | {change:+.0%} | {verdict} |")
    return "\n".join(lines) + "\n"
