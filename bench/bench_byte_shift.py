"""Benchmark of repair_byte_shift: repair rate on simulated farm pages, and scan cost.

    python bench/bench_byte_shift.py                   # 60 pages (smoke run)
    python bench/bench_byte_shift.py --pages 500       # the issue's figure
    python bench/bench_byte_shift.py --pages 500 --jobs 3 --verbose 50  # same, in 3 processes
    python bench/bench_byte_shift.py --speed-docs 2000 # clean-text cost vs mend
    python bench/bench_byte_shift.py --pages 0 --speed-docs 0 --garbled-pages 200  # garbled pages
    python bench/bench_byte_shift.py --pages 500 --seed 21 --outside 8  # tuning pages

Accuracy: pages of ../shared/data/news_dev.jsonl go through the forward simulator
(bench/byte_shift_sim.py); each garbled run (a difference between the intended farm page
and the garbled one) counts as fully repaired when the fixer's output equals the intended
page over the whole run (labels aside: the pinyin fixer removes them next), as flagged when
a span reported ``uncertain`` or ``unrepaired`` overlaps it, as wrongly repaired when the
span overlapping it was reported repaired, and as silent when nothing was reported. A
correct repair reported ``uncertain`` is left as it was, so its run counts as flagged, not
as repaired. Wrong repairs are also split by the status they were reported with:
``repaired`` claims that labels named every byte, ``lost_byte`` says the model chose.

Speed, on clean news as given and NFKC-folded (and both together), CPU time of this
process, best of ``--repeats``: ``extra`` is what the fixer adds to ``zhmend.mend`` (mend
against mend with the fixer taken out of its pipeline; target <= 5%), ``alone_ratio`` the
fixer called by itself on every document against mend. Text as given costs it nothing:
mend returns before any fixer runs when its class scan finds nothing to do.

Garbled pages (``--garbled-pages``): ``mend`` on simulated pages with garbled runs against
``mend`` on the same pages as the farm meant them, CPU time, best of ``--repeats``, with the
median, 90th percentile and slowest page: what the search over each run costs.
"""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing
import random
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import byte_shift_sim as sim  # noqa: E402
import zhmend  # noqa: E402
from zhmend.config import DEFAULT  # noqa: E402
from zhmend.edits import apply_edits  # noqa: E402
from zhmend.fixers import FIXERS  # noqa: E402
from zhmend.fixers.base import Context  # noqa: E402
from zhmend.fixers.byte_shift import repair_byte_shift  # noqa: E402

DATA = sim.DATA


def _wrong_positions(expected: str, got: str) -> list[tuple[int, int]]:
    """Spans of ``expected`` that ``got`` does not reproduce (insertions as empty spans)."""
    sm = difflib.SequenceMatcher(None, expected, got, autojunk=False)
    return [(i1, i2) for tag, i1, i2, _, _ in sm.get_opcodes() if tag != "equal"]


_LABEL = sim.regex.compile(rf"\(([a-zü{sim.TONED}]{{1,7}})\)")


def _unlabelled(text: str) -> str:
    return _LABEL.sub("", text)


def _runs(page: sim.FarmPage, clean: str) -> list[tuple[int, int, int, int]]:
    """Runs as (unlabelled clean start, end, garbled start, end)."""
    keep = [i for i, _ in enumerate(page.clean)]
    for m in _LABEL.finditer(page.clean):
        for i in range(m.start(), m.end()):
            keep[i] = -1
    pos, k = [], 0
    for i in range(len(page.clean) + 1):
        pos.append(k)
        if i < len(page.clean) and keep[i] >= 0:
            k += 1
    return [(pos[c0], pos[c1], g0, g1) for c0, c1, g0, g1 in sim.runs(page.clean, page.garbled)]


COUNTS = ("runs", "repaired", "flagged", "wrong", "wrong_repaired", "wrong_lost_byte")
COUNTS += ("silent", "damaged", "spans_repaired", "spans_repaired_ok", "spans_lost_byte")
COUNTS += ("spans_lost_byte_ok",)


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1 or (a0 == a1 and b0 <= a0 <= b1) or (b0 == b1 and a0 <= b0 <= a1)


def _page_counts(args: tuple[str, bool, bool, bool, int]) -> tuple[dict[str, int], list[str]]:
    """Simulate one page, repair it, and classify its runs (see the module docstring)."""
    text, second_pass, nfkc, marker_vanishes, verbose = args
    page = sim.simulate(text, second_pass=second_pass, nfkc=nfkc, marker_vanishes=marker_vanishes)
    ctx = Context(DEFAULT)
    edits = repair_byte_shift(page.garbled, ctx)
    fixed = apply_edits(page.garbled, edits)
    notes = ctx.notes.get("byte_shift", [])
    # Labels are compared away: the pinyin fixer removes them next, and a character
    # whose bytes a false match split never received its own label.
    clean, fixed = _unlabelled(page.clean), _unlabelled(fixed)
    wrong = _wrong_positions(clean, fixed)
    counts = dict.fromkeys(COUNTS, 0)
    shown: list[str] = []
    runs_c = _runs(page, clean)
    for c0, c1, g0, g1 in runs_c:
        counts["runs"] += 1
        ok = not any(_overlaps(c0, c1, w0, w1) for w0, w1 in wrong)
        statuses = {n["status"] for n in notes if _overlaps(g0, g1, n["start"], n["end"])}
        counts["repaired"] += ok
        if not ok:
            if statuses & {"uncertain", "unrepaired"}:
                counts["flagged"] += 1
            elif statuses:
                counts["wrong"] += 1  # reported as repaired, but not the intended text
                counts["wrong_repaired" if "repaired" in statuses else "wrong_lost_byte"] += 1
            else:
                counts["silent"] += 1
        if not ok and len(shown) < verbose:
            lines = [
                f"  run: {page.garbled[max(0, g0 - 3) : g1 + 3]}"
                f" | want: {clean[max(0, c0 - 3) : c1 + 3]}"
            ]
            for n in notes:
                if _overlaps(g0, g1, n["start"], n["end"]):
                    lines.append(f"       {n['status']} {n['before']} -> {n['after']}")
            shown.append("\n".join(lines))
    for w0, w1 in wrong:
        if not any(_overlaps(c0, c1, w0, w1) for c0, c1, _, _ in runs_c):
            counts["damaged"] = 1
            break
    # How far each status can be trusted: spans reported so, and those whose runs all came
    # back as intended.
    for n in notes:
        if n["status"] in ("repaired", "lost_byte"):
            mine = [r for r in runs_c if _overlaps(r[2], r[3], n["start"], n["end"])]
            counts[f"spans_{n['status']}"] += 1
            counts[f"spans_{n['status']}_ok"] += bool(mine) and not any(
                _overlaps(c0, c1, w0, w1) for c0, c1, _, _ in mine for w0, w1 in wrong
            )
    return counts, shown


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _draws(docs: list[dict], seed: int) -> list[tuple[str, bool, bool, bool]]:
    """What :func:`sim.simulate` makes of each document: its first 2,000 characters, the
    second pass, NFKC folding, a vanishing marker. Drawn in page order, so any number of
    jobs sees the same pages."""
    rng = random.Random(seed)
    return [
        (doc["text"][:2000], rng.random() < 6 / 27, rng.random() < 0.8, rng.random() < 0.3)
        for doc in docs
    ]


def accuracy(docs: list[dict], seed: int, verbose: int, jobs: int = 1) -> dict[str, float]:
    tasks = [(*draw, verbose) for draw in _draws(docs, seed)]
    started = time.process_time()
    if jobs > 1:
        with multiprocessing.Pool(jobs) as pool:
            results = pool.map(_page_counts, tasks, chunksize=4)
    else:
        results = [_page_counts(t) for t in tasks]
    totals = dict.fromkeys(COUNTS, 0)
    shown = 0
    for counts, lines in results:
        for k, v in counts.items():
            totals[k] += v
        for line in lines[: max(0, verbose - shown)]:
            print(line)
            shown += 1
    total = totals["runs"]
    return {
        "pages": len(docs),
        "runs": total,
        "fully_repaired": totals["repaired"] / total if total else 0.0,
        "flagged_unrepaired": totals["flagged"] / total if total else 0.0,
        "wrongly_repaired": totals["wrong"] / total if total else 0.0,
        "  reported_repaired": totals["wrong_repaired"] / total if total else 0.0,
        "  reported_lost_byte": totals["wrong_lost_byte"] / total if total else 0.0,
        "silent_unrepaired": totals["silent"] / total if total else 0.0,
        "pages_with_damage_outside_runs": totals["damaged"],
        "spans_reported_repaired": totals["spans_repaired"],
        "  repaired_spans_correct": _share(totals["spans_repaired_ok"], totals["spans_repaired"]),
        "spans_reported_lost_byte": totals["spans_lost_byte"],
        "  lost_byte_spans_correct": _share(
            totals["spans_lost_byte_ok"], totals["spans_lost_byte"]
        ),
        # This process only: with --jobs the work is done in the workers.
        "cpu_seconds": time.process_time() - started,
    }


def speed(docs: list[dict], repeats: int = 3) -> dict[str, float]:
    """What the byte-shift fixer costs ``mend`` on clean news, as given and NFKC-folded.

    ``extra``: CPU time of ``mend`` against ``mend`` with the fixer taken out of the
    pipeline (switching it off in the config would still run it: a switched-off fixer
    reports what it finds), on the same texts; target <= 5%. On text its class scan finds
    nothing to do, ``mend`` returns before any fixer runs. ``alone_ratio``: the fixer
    called by itself on every text, against ``mend``. Every function warmed first, then
    timed in turn, best of ``repeats``.
    """
    given = [d["text"] for d in docs]
    corpora = {"given": given, "nfkc": [unicodedata.normalize("NFKC", t) for t in given]}

    def alone(t: str) -> object:
        return repair_byte_shift(t, Context(DEFAULT))

    # name -> (function, take the fixer out of the pipeline while it runs)
    fns = {
        "mend": (zhmend.mend, False),
        "mend_without": (zhmend.mend, True),
        "alone": (alone, False),
    }
    out: dict[str, float] = {"docs": len(given)}
    total = dict.fromkeys(fns, 0.0)
    for label, texts in corpora.items():
        best = dict.fromkeys(fns, float("inf"))
        for fn, _ in fns.values():  # tables and models load on first use: not measured
            fn(texts[0] if texts else "")
        for _ in range(repeats):
            for name, (fn, without) in fns.items():
                fixer = FIXERS.pop("repair_byte_shift") if without else None
                try:
                    # CPU time of this process: the machine may be shared.
                    t0 = time.process_time()
                    for t in texts:
                        fn(t)
                    best[name] = min(best[name], time.process_time() - t0)
                finally:
                    if fixer is not None:
                        FIXERS["repair_byte_shift"] = fixer
        for name in fns:
            total[name] += best[name]
        out.update(_cost(label, best))
    out.update(_cost("both", total))
    return out


def garbled_speed(docs: list[dict], seed: int, repeats: int = 3) -> dict[str, float]:
    """What a garbled page costs: CPU time of ``mend`` on simulated pages with garbled runs
    against ``mend`` on the same pages as the farm meant them (converted and labelled, no
    byte damage), best of ``repeats`` each; and per garbled page, its median, 90th
    percentile and slowest time (ms). The fixer's search over each garbled run is what
    the difference pays for."""
    pages = [sim.simulate(*draw) for draw in _draws(docs, seed)]
    zhmend.mend(pages[0].garbled if pages else "")  # tables and models load on first use
    per_page = [float("inf")] * len(pages)
    best = {"garbled": float("inf"), "intended": float("inf")}
    for _ in range(repeats):
        for name in best:
            t0 = time.process_time()
            for i, page in enumerate(pages):
                t = time.process_time()
                zhmend.mend(page.garbled if name == "garbled" else page.clean)
                if name == "garbled":
                    per_page[i] = min(per_page[i], time.process_time() - t)
            best[name] = min(best[name], time.process_time() - t0)
    per_page.sort()
    mb = sum(len(p.garbled.encode("utf-8")) for p in pages) / 1e6

    def ms(q: float) -> float:
        return 1e3 * per_page[min(len(per_page) - 1, int(q * len(per_page)))] if pages else 0.0

    return {
        "garbled_pages": len(pages),
        "garbled_mend_s": best["garbled"],
        "intended_mend_s": best["intended"],
        "garbled_ratio": best["garbled"] / best["intended"] if best["intended"] else 0.0,
        "garbled_mb_per_s": mb / best["garbled"] if best["garbled"] else 0.0,
        "garbled_page_ms_median": ms(0.5),
        "garbled_page_ms_p90": ms(0.9),
        "garbled_page_ms_max": ms(1.0),
    }


def _cost(label: str, seconds: dict[str, float]) -> dict[str, float]:
    return {
        f"{label}_mend_s": seconds["mend"],
        f"{label}_extra": seconds["mend"] / seconds["mend_without"] - 1,
        f"{label}_alone_ratio": seconds["alone"] / seconds["mend"],
    }


def _print(figures: dict[str, float]) -> None:
    for k, v in figures.items():
        print(f"{k:32}{v:>10.3f}" if isinstance(v, float) else f"{k:32}{v:>10}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--speed-docs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3, help="timing passes (best is kept)")
    parser.add_argument(
        "--garbled-pages",
        type=int,
        default=40,
        help="simulated garbled pages timed against the intended ones (0: skip)",
    )
    parser.add_argument("--verbose", type=int, default=0, help="print this many failed runs")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for accuracy")
    parser.add_argument(
        "--outside",
        type=int,
        metavar="SEED",
        help="draw the pages outside the 500-page sample of SEED (tune on these, so that the "
        "benchmark's own sample stays unseen)",
    )
    args = parser.parse_args()
    news = DATA / "news_dev.jsonl"
    if not news.exists():
        print(f"{news} is not present: nothing to measure", file=sys.stderr)
        return 0
    docs = [json.loads(line) for line in news.open(encoding="utf-8") if line.strip()]
    pool = docs
    if args.outside is not None:
        seen = {d["id"] for d in random.Random(args.outside).sample(docs, min(500, len(docs)))}
        pool = [d for d in docs if d["id"] not in seen]
    rng = random.Random(args.seed)
    sample = rng.sample(pool, min(args.pages, len(pool)))
    if sample:
        _print(accuracy(sample, args.seed, args.verbose, args.jobs))
    if args.garbled_pages:
        garbled = rng.sample(pool, min(args.garbled_pages, len(pool)))
        _print(garbled_speed(garbled, args.seed, args.repeats))
    if args.speed_docs:
        _print(speed(docs[: args.speed_docs], args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
