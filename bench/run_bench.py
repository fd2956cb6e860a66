"""The benchmark harness (issue #7): the monthly run at Excel scale, stage by stage, against a floor
and against the naive pipeline. Prints a table; it is not a test and asserts nothing about speed.

    python bench/run_bench.py                      # 10k and 100k customers, both string forms (make bench)
    python bench/run_bench.py --sizes 10000 100000 300000 --strings shared

Workbooks are generated once into bench/out/ (wb-100k.xlsx: shared strings, as Excel and WPS save;
wb-100k-inline.xlsx: xlsxwriter's constant-memory inline strings) and reused; each measurement
works on a fresh copy.

Each measurement runs in its own process so its peak memory (max RSS) is its own.
  stages  read → normalize+validate → grade → write-back → summary, timed inside one process
  run     the whole `workbook-crm run` command
  floor   (a) reading every sheet with the fastest reader (fastexcel) + writing the 客户分层 table
          with XlsxWriter's constant-memory mode
  naive   (b) pandas.read_excel(sheet_name=None) + openpyxl.load_workbook + save
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable


def child(kind: str, path: Path) -> dict:
    """Run one measurement in a fresh interpreter; returns its JSON figures plus max RSS."""
    t0 = time.perf_counter()
    proc = subprocess.run([PY, __file__, "--child", kind, str(path)], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{kind} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    out = json.loads(lines[-1]) if lines else {}
    out["wall"] = wall
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _now_mb() -> float:
    """Current resident memory (not the peak), to see which stage holds what."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def do_stages(path: Path) -> dict:
    from workbook_crm._strings import python_strings_context

    with python_strings_context():  # as the commands run (workbook_crm/_strings.py)
        return _stages(path)


def _cpu() -> float:
    """CPU seconds of this process and its ended children (the read's second reader, #16)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _stages(path: Path) -> dict:
    from datetime import date

    from workbook_crm import monthly
    from workbook_crm.grading import grade_month
    from workbook_crm.io.reader import read_workbook
    from workbook_crm.period import parse_month
    from workbook_crm.reports import write_summary
    from workbook_crm.validators import check_workbook

    month, asof = parse_month("2026-11", date(2026, 11, 30))
    import gc

    from workbook_crm.api import settle  # the GC handling of the monthly run (api.bulk_work)

    t = {}
    s, c = time.perf_counter(), _cpu()
    gc.disable()
    wb = read_workbook(path)
    gc.enable()
    settle()
    t["read"] = time.perf_counter() - s
    t["read cpu"] = _cpu() - c
    t["mb after read"] = round(_now_mb())
    s, c = time.perf_counter(), _cpu()
    checked = check_workbook(wb, asof=asof)
    settle()
    t["normalize+validate"] = time.perf_counter() - s
    t["normalize+validate cpu"] = _cpu() - c
    t["mb after normalize+validate"] = round(_now_mb())
    s, c = time.perf_counter(), _cpu()
    graded = grade_month(checked.clean, checked.rules, month=month, today=asof)
    settle()
    t["grade"] = time.perf_counter() - s
    t["grade cpu"] = _cpu() - c
    t["mb after grade"] = round(_now_mb())
    n_customers = len(checked.clean.get("客户档案", []))
    s, c = time.perf_counter(), _cpu()
    # the write-back as monthly.run_month does it (its own functions, so the harness follows them)
    from workbook_crm import runstate
    from workbook_crm.findings import Result
    from workbook_crm.validators import reportable

    findings = reportable(checked, graded.findings)
    box = {"editor": monthly._open_editor(checked)}
    changes, kept = monthly.spare_formulas(
        checked, list(checked.changes) + monthly._computed_changes(checked, graded), box["editor"]
    )
    findings = [*findings, *kept]
    edits = runstate.hand_edits(
        checked.wb, runstate.load(path), runstate.current(checked.wb, changes), graded.asof
    )
    graded.lifecycle = edits.lifecycle
    monthly._write_record(
        path,
        checked,
        graded,
        Result(file=str(path), findings=findings, changes=changes),
        findings,
        changes,
        output=None,
        lang="zh",
        backup_dir=path.parent / "backups",
        progress=lambda _: None,
        hand=edits,
        box=box,
    )
    del box
    settle()
    t["write-back"] = time.perf_counter() - s
    t["write-back cpu"] = _cpu() - c
    t["mb after write-back"] = round(_now_mb())
    s, c = time.perf_counter(), _cpu()
    write_summary(graded, findings, path.with_name(path.stem + "-summary.xlsx"))
    t["summary"] = time.perf_counter() - s
    t["summary cpu"] = _cpu() - c
    t["mb after summary"] = round(_now_mb())
    t["customers"] = n_customers
    t["findings"] = len(findings)
    t["changes"] = len(changes)
    return t


def do_run(path: Path) -> dict:
    s = time.perf_counter()
    proc = subprocess.run(
        [
            str(Path(PY).parent / "workbook-crm"),
            "run",
            str(path),
            "--month",
            "2026-11",
            "--format",
            "json",
            "--summary",
            str(path.with_name(path.stem + "-summary.xlsx")),
        ],
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - s
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr[-3000:])
    return {"run": took, "run_rss_mb": child_rss}


def do_floor(path: Path) -> dict:
    import fastexcel
    import xlsxwriter

    s = time.perf_counter()
    reader = fastexcel.read_excel(str(path))
    frames = {}
    for name in reader.sheet_names:
        frames[name] = reader.load_sheet_by_name(name, header_row=1).to_pandas()
    read = time.perf_counter() - s
    # 客户分层 has one row per customer: as many rows as the archive (the generator's 客户档案 has a
    # title row above the header, so header_row=1 leaves exactly the customers)
    n = len(frames.get("客户档案", max(frames.values(), key=len)))
    s = time.perf_counter()
    out = path.with_name(path.stem + "-floor.xlsx")
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    ws = wb.add_worksheet("客户分层")
    ws.write_row(0, 0, [f"列{i}" for i in range(20)])
    row = [
        "CX202401001",
        "上海某某科技有限公司",
        "制造业",
        "王五",
        62.5,
        12.0,
        8.0,
        "A",
        "核心客户",
        "高价值",
        "老客户",
        4.2,
        "良好",
        "重要价值客户",
        "每月",
        30,
        "季度拜访",
        "2026-10-01",
        "正常",
        "年合作金额 62万 ≥ 50万",
    ]
    for r in range(1, n + 1):
        ws.write_row(r, 0, row)
    wb.close()
    return {"floor_read": read, "floor_write": time.perf_counter() - s, "floor_rows": n}


def do_naive(path: Path) -> dict:
    import openpyxl
    import pandas as pd

    s = time.perf_counter()
    pd.read_excel(path, sheet_name=None)
    wb = openpyxl.load_workbook(path)
    wb.save(path.with_name(path.stem + "-naive.xlsx"))
    return {"naive": time.perf_counter() - s}


CHILDREN = {"stages": do_stages, "run": do_run, "floor": do_floor, "naive": do_naive}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument(
        "--strings",
        nargs="+",
        choices=("shared", "inline"),
        default=["shared", "inline"],
        help="which saved forms of the text to measure (default both)",
    )
    ap.add_argument("--skip-naive", action="store_true", help="the naive pipeline takes minutes at 100k")
    ap.add_argument(
        "--naive-max",
        type=int,
        default=100_000,
        help="measure the naive pipeline only up to this many customers (default 100000)",
    )
    ap.add_argument(
        "--kinds",
        nargs="+",
        choices=("stages", "run", "floor", "naive"),
        default=["stages", "run", "floor", "naive"],
        help="which measurements to take (default all)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each measurement this many times, interleaved, and keep the fastest (the machine is shared)",
    )
    ap.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, path = args.child
        figures = CHILDREN[kind](Path(path))
        figures["rss_mb"] = _rss_mb()
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["cpu_s"] = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
        print(json.dumps(figures))
        return
    OUT.mkdir(exist_ok=True)
    rows = []
    for n, form in ((n, form) for n in args.sizes for form in args.strings):
        src = OUT / f"wb-{n // 1000}k{'' if form == 'shared' else '-inline'}.xlsx"
        if not src.exists():
            print(f"generating {src.name} …", flush=True)
            subprocess.run(
                [
                    PY,
                    str(HERE / "make_workbook.py"),
                    "--customers",
                    str(n),
                    "--strings",
                    form,
                    "--out",
                    str(src),
                ],
                check=True,
            )
        size_mb = src.stat().st_size / 1e6
        work = OUT / f"work-{n // 1000}k.xlsx"
        res = {"customers": n, "strings": form, "file_mb": size_mb}
        naive = not args.skip_naive and n <= args.naive_max
        kinds = [
            k for k in ("stages", "run", "floor", "naive") if k in args.kinds and (k != "naive" or naive)
        ]
        # interleaved (run, floor, run, floor, …): the machine's speed drifts from one minute to the
        # next, so each try of the run is paired with a try of the floor taken right after it
        tries: dict[str, list[dict]] = {k: [] for k in kinds}
        for _ in range(max(1, args.repeat)):
            for kind in kinds:
                shutil.copy(src, work)
                shutil.rmtree(OUT / "backups", ignore_errors=True)
                shutil.rmtree(OUT / ".workbook-crm", ignore_errors=True)
                tries[kind].append(child(kind, work))
        for kind in kinds:
            figures = min(tries[kind], key=lambda f: f.get("run", f["wall"]))
            res[kind] = figures
            print(
                f"  {n:>7} {form:6} {kind:7} {figures['wall']:7.1f} s  cpu {figures.get('cpu_s', 0):6.1f} s  "
                f"peak {figures.get('run_rss_mb', figures['rss_mb']):7.0f} MB {json.dumps(figures)}",
                flush=True,
            )
        if "run" in tries and "floor" in tries:
            pairs = [
                r["run"] / (f["floor_read"] + f["floor_write"])
                for r, f in zip(tries["run"], tries["floor"], strict=True)
            ]
            res["pairs"] = pairs
            print(
                "  run/floor try by try (each run with the floor taken right after it): "
                + ", ".join(f"{x:.2f}×" for x in pairs)
                + f"; median {statistics.median(pairs):.2f}×",
                flush=True,
            )
        rows.append(res)
    print()
    print(
        "| customers | strings | file MB | read | norm+valid | grade | write-back | summary | whole run | run peak MB |"
        " floor (a) | run/floor | naive (b) | naive/run | CPU s: run / floor / naive |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        st, rn, fl, nv = (r.get(k, {}) for k in ("stages", "run", "floor", "naive"))
        run_s = rn.get("run")
        floor = fl["floor_read"] + fl["floor_write"] if fl else None
        naive = nv.get("naive")

        def f1(v: float | None) -> str:
            return "–" if v is None else f"{v:.1f}"

        def ratio(a: float | None, b: float | None) -> str:
            return "–" if a is None or b is None else f"{a / b:.2f}×"

        print(
            f"| {r['customers']:,} | {r['strings']} | {r['file_mb']:.1f} | {f1(st.get('read'))} | "
            f"{f1(st.get('normalize+validate'))} | {f1(st.get('grade'))} | {f1(st.get('write-back'))} | "
            f"{f1(st.get('summary'))} | {f1(run_s)} | {rn.get('run_rss_mb', 0):.0f} | {f1(floor)} | "
            f"{ratio(run_s, floor)} | {f1(naive)} | {ratio(naive, run_s)} | "
            f"{f1(rn.get('cpu_s'))} / {f1(fl.get('cpu_s'))} / {f1(nv.get('cpu_s'))} |"
        )
    for r in rows:
        if "stages" in r:
            print(
                f"\n{r['customers']:,} customers ({r['strings']} strings), stage by stage: "
                + "; ".join(
                    f"{k} {v:.1f} s" if isinstance(v, float) and not k.startswith("mb") else f"{k} {v}"
                    for k, v in r["stages"].items()
                    if k not in ("wall",)
                )
            )
        if "floor" in r:
            fl = r["floor"]
            print(
                f"  floor: read {fl['floor_read']:.1f} s + write {fl['floor_rows']:,} rows {fl['floor_write']:.1f} s"
            )
    print(f"\nmachine: {os.cpu_count()} cores; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
