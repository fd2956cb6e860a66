"""Recognition and error counts over the real CRM-shaped files in ../shared/realworld (issue #11).

    python bench/realworld.py [DIR] [--codes]

One line per file: what `validate` did (exit code, or the refusal), which of our sheets it took
each tab for, and how many errors/warnings it reported; then the totals. It asserts nothing: the
figures are for before/after comparisons (recorded in the issue's closing note).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parent.parent / "shared" / "realworld"


def measure(path: Path) -> dict:
    from workbook_crm.api import validate_workbook
    from workbook_crm.errors import WorkbookCrmError
    from workbook_crm.io.reader import read_workbook

    out: dict = {
        "file": path.name,
        "sheets": {},
        "errors": 0,
        "warnings": 0,
        "codes": Counter(),
        "refused": "",
    }
    try:
        wb = read_workbook(path)
        out["sheets"] = {s.tab: name for name, s in wb.sheets.items()}
        with contextlib.redirect_stdout(io.StringIO()):
            result = validate_workbook(path)
    except WorkbookCrmError as exc:
        out["refused"] = exc.message("en")[len(str(path)) + 2 :][:70]
        return out
    for f in result.findings:
        key = "errors" if f.severity == "error" else "warnings"
        out[key] += 1
        out["codes"][f"{f.severity[0]}:{f.code}"] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--codes", action="store_true", help="also list the finding codes of each file")
    args = ap.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv"))
    recognised = errors = warnings = 0
    for p in files:
        m = measure(p)
        recognised += bool(m["sheets"]) and not m["refused"]
        errors += m["errors"]
        warnings += m["warnings"]
        what = (
            f"refused: {m['refused']}"
            if m["refused"]
            else ", ".join(f"{tab}→{name}" for tab, name in m["sheets"].items())
        )
        print(f"{p.name:34} E{m['errors']:>4} W{m['warnings']:>4}  {what}")
        if args.codes and m["codes"]:
            print("    " + ", ".join(f"{c}×{n}" for c, n in sorted(m["codes"].items())))
    print(
        f"\n{len(files)} files: {recognised} recognised, {len(files) - recognised} refused; "
        f"errors {errors}, warnings {warnings}"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
