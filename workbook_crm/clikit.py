"""The command line's shared parts: the common options (``--month`` checked by a click type), the
guard that turns the library's exceptions into one line and exit 2, and the rendering of a result
(a table for people, one JSON object for scripts). cli.py holds only the commands.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from .errors import BadOption, Interrupted, WorkbookCrmError
from .findings import Result
from .period import parse_month
from .runresult import RunResult

EXIT_UNUSABLE = 2
LANG = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of messages."
)
FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table for people; json: one object on stdout.",
)
PASSWORD = click.option(
    "--password", default=None, help="Password of an encrypted workbook (decrypted in memory only)."
)


class _Month(click.ParamType):
    """``--month``: checked when the command line is parsed (exit 2 with click's usage line)."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_month(str(value))[0]
        except BadOption as exc:
            self.fail(exc.message("en"), param, ctx)


MONTH = click.option("--month", type=_Month(), default=None, help="Reporting month (default: this month).")
RULES = click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file overriding the 规则配置 sheet.",
)


def guard(call: Any, lang: str, *, fmt: str = "text", file: Path | None = None) -> Any:
    """User mistakes and unusable files → one line naming the file and the fix, exit 2, no traceback.

    With ``--format json`` the refusal is also one JSON object on stdout (issue #11), so a script
    reading stdout always gets a document.
    """
    from .writeback.runfiles import install_signal_handlers

    install_signal_handlers()
    try:
        return call()
    except (KeyboardInterrupt, Interrupted) as exc:
        written = getattr(exc, "written", False)
        refuse(
            "已中断 / interrupted: "
            + (
                "工作簿已写入（备份在 .workbook-crm/backups/），汇总未生成 / the workbook was written (backup in "
                ".workbook-crm/backups/); no summary"
                if written
                else "未写入任何文件，临时文件已删除 / nothing was written; temporary files removed"
            ),
            "interrupted",
            fmt,
            file,
            exit_code=128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT),
        )
    except WorkbookCrmError as exc:
        refuse(exc.message(lang), exc.code, fmt, file)
    except SystemExit:
        raise
    except Exception as exc:  # a bug of ours: say so without a wall of traceback
        if os.environ.get("WORKBOOK_CRM_DEBUG"):
            raise
        refuse(
            f"内部错误，未写入任何文件 / internal error, nothing was written: {type(exc).__name__}: {exc}\n"
            "设置 WORKBOOK_CRM_DEBUG=1 可查看详情 / set WORKBOOK_CRM_DEBUG=1 for details",
            "internal",
            fmt,
            file,
        )


def refuse(message: str, code: str, fmt: str, file: Path | None, *, exit_code: int = EXIT_UNUSABLE) -> None:
    click.echo(message, err=True)
    if fmt == "json":
        obj: dict[str, Any] = {
            "file": str(file) if file is not None else None,
            "ok": False,
            "exit_code": exit_code,
            "error": {"code": code, "message": message},
            "counts": {"error": 0, "warning": 0},
            "findings": [],
        }
        click.echo(json.dumps(obj, ensure_ascii=False, indent=1))
    sys.exit(exit_code)


def show_progress(fmt: str):
    if fmt == "json" or not sys.stderr.isatty():
        return lambda step: None
    from rich.console import Console

    console = Console(stderr=True)
    return lambda step: console.print(f"[cyan]›[/cyan] {step}…")


def render(result: Result, fmt: str, lang: str, show_changes: bool = False) -> None:
    if fmt == "json":
        obj = result.to_json_obj(lang)
        click.echo(json.dumps(obj, ensure_ascii=False, indent=1, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160, soft_wrap=False)
    zh = lang == "zh"
    by_sheet: dict[str, list] = {}
    for f in result.findings:
        by_sheet.setdefault(f.sheet or "-", []).append(f)
    for sheet, items in by_sheet.items():
        c = Counter(f.severity for f in items)
        table = Table(
            title=f"{sheet}  ({'错误' if zh else 'errors'} {c['error']}, {'警告' if zh else 'warnings'} {c['warning']})",
            title_justify="left",
            show_lines=False,
        )
        for col in (
            ("单元格", "cell"),
            ("级别", "severity"),
            ("代码", "code"),
            ("字段", "field"),
            ("说明", "message"),
        ):
            table.add_column(col[0] if zh else col[1], overflow="fold")
        for f in items[:200]:
            table.add_row(
                f.cell,
                ("错误" if f.severity == "error" else "警告") if zh else f.severity,
                f.code,
                f.field,
                f.message(lang),
            )
        if len(items) > 200:
            table.add_row("…", "", "", "", f"{len(items) - 200} more")
        console.print(table)
    counts = result.counts()
    if show_changes:
        run = result if isinstance(result, RunResult) else RunResult(file=result.file)
        action = (
            ("将修改" if run.dry_run else "已修改") if zh else ("would change" if run.dry_run else "changed")
        )
        console.print(f"{action} {len(result.changes)} {'个单元格' if zh else 'cells'}")
        if run.dry_run:
            for ch in result.changes[:50]:
                console.print(f"  {ch.sheet}!{ch.cell}: {ch.old!s} → {ch.new!s}  ({ch.rule})")
        if run.converted is not None:
            conv = run.converted
            console.print(
                f"「{conv.source}」是 {conv.kind} 文件，未改动；记录已写入新文件 {conv.record}"
                if zh
                else f"{conv.source} is a {conv.kind} file and was not changed; the record is now {conv.record}"
            )
        if run.hand_edits:
            n = len(run.hand_edits)
            console.print(
                f"人工修改 {n} 处，已记入变更记录" if zh else f"{n} hand edits since the last run logged"
            )
        if run.baseline:
            console.print(run.baseline if zh else "no state of a previous run: this run is the new baseline")
        if run.backup:
            console.print(f"{'备份' if zh else 'backup'}: {run.backup}")
        if run.summary:
            console.print(f"{'汇总' if zh else 'summary'}: {run.summary}")
        if run.summary_error:
            click.echo(f"{'汇总未生成' if zh else 'summary not written'}: {run.summary_error}", err=True)
    console.print(
        f"{result.file}: {'错误' if zh else 'errors'} {counts['error']}, {'警告' if zh else 'warnings'} {counts['warning']}"
    )
