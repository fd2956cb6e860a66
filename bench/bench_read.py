"""The read with and without the second reader (#16): wall time of read_workbook plus the check's
per-sheet half (in one process: after the read, as the run then does it), when the child was forked, how long the parent waited for it and took to load what
it made, and which process claimed each float tab when (io/readsplit.py). Prints figures; not a test.

    python bench/bench_read.py bench/out/wb-100k.xlsx [--split-only]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

from workbook_crm._strings import python_strings_context
from workbook_crm.io import reader, sidecar
from workbook_crm.validators import sheet_work


def main(path: Path) -> None:
    marks: dict[str, float] = {}
    real_init, real_result = sidecar.Sidecar.__init__, sidecar.Sidecar.result

    def init(self: sidecar.Sidecar, job: object) -> None:
        marks["fork"] = time.perf_counter()
        real_init(self, job)  # type: ignore[arg-type]

    def result(self: sidecar.Sidecar) -> object:
        marks["parent done"] = time.perf_counter()
        self.proc.join()
        marks["child done"] = time.perf_counter()
        out = real_result(self)
        marks["loaded"] = time.perf_counter()
        return out

    parent = os.getpid()
    real_take = sidecar.Claims.take

    def take(self: sidecar.Claims, tab: str) -> bool:
        got = real_take(self, tab)
        who = "parent" if os.getpid() == parent else "child "
        print(f"  {who} asks for {tab} at {time.perf_counter() - t0:.2f} s: {'took it' if got else 'taken'}")
        return got

    sidecar.Claims.take = take  # type: ignore[method-assign]
    sidecar.Sidecar.__init__ = init  # type: ignore[method-assign]
    sidecar.Sidecar.result = result  # type: ignore[method-assign]
    work = sheet_work(date(2026, 11, 30), None)
    with python_strings_context():
        for split in (True, False)[: 1 if "--split-only" in sys.argv else 2]:
            marks.clear()
            t0 = time.perf_counter()  # read by take() in both processes (forked after this)
            wb = reader.read_workbook(path, work=work, split=split)
            if not split:  # the per-sheet checks the two readers ran while reading
                each = work(wb)
                for name, sheet in wb.sheets.items():
                    if name != "规则配置":
                        sheet.pre = each(sheet)
            took = time.perf_counter() - t0
            extra = ""
            if marks:
                extra = (
                    f"  fork at {marks['fork'] - t0:.2f} s, parent done {marks['parent done'] - t0:.2f} s,"
                    f" waited {marks['child done'] - marks['parent done']:.2f} s,"
                    f" load {marks['loaded'] - marks['child done']:.2f} s"
                )
            print(f"{'two processes' if split else 'one process  '} {took:6.2f} s{extra}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
