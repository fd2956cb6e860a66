"""The command line: parse options, call one library function, render, exit. Nothing else.

Exit codes are a contract: 0 = no errors (warnings allowed), 1 = errors found (and, for `run`,
marked in the workbook), 2 = the file could not be used and nothing was written, 130 = stopped by
Ctrl-C (128 + the signal for SIGTERM/SIGHUP), temporary files removed.
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
_LANG = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of messages."
)
_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table for people; json: one object on stdout.",
)
_PASSWORD = click.option(
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


_MONTH = click.option("--month", type=_Month(), default=None, help="Reporting month (default: this month).")
_RULES = click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file overriding the 规则配置 sheet.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="workbook-crm")
def main() -> None:
    """workbook-crm: validate, normalize and grade a hand-kept CRM workbook (客户台账) in place.

    \b
    Example:
      workbook-crm run 台账.xlsx --month 2024-05
    """


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@_FORMAT
@_LANG
@_PASSWORD
@_MONTH
@_RULES
def validate(
    file: Path, fmt: str, lang: str, password: str | None, month: str | None, rules_file: Path | None
) -> None:
    """Check every sheet and report each problem at its cell. Read-only.

    \b
    Example:
      workbook-crm validate 台账.xlsx --format json --lang en
    """
    from .api import validate_workbook

    result = _guard(
        lambda: validate_workbook(file, password=password, month=month, rules_file=rules_file),
        lang,
        fmt=fmt,
        file=file,
    )
    _render(result, fmt, lang)
    sys.exit(result.exit_code)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@_MONTH
@click.option("--dry-run", is_flag=True, help="Write nothing; show the changes the run would make.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the result to this copy instead of replacing FILE.",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the managers' summary (default: beside FILE).",
)
@click.option("--no-summary", is_flag=True, help="Do not write the summary workbook.")
@_FORMAT
@_LANG
@_PASSWORD
@_RULES
def run(
    file: Path,
    month: str | None,
    dry_run: bool,
    output: Path | None,
    summary_path: Path | None,
    no_summary: bool,
    fmt: str,
    lang: str,
    password: str | None,
    rules_file: Path | None,
) -> None:
    """The monthly run: validate, normalize, grade and write the results back into FILE.

    A backup of FILE is kept in .workbook-crm/backups/ beside it; the file is replaced only after
    the new version was written to a temporary file and read back.

    \b
    Example:
      workbook-crm run 台账.xlsx --month 2024-05 --dry-run
    """
    from .monthly import run_month

    summary: Path | bool = False if (no_summary or dry_run) else (summary_path or True)
    progress = _progress(fmt)
    result = _guard(
        lambda: run_month(
            file,
            month=month,
            dry_run=dry_run,
            output=output,
            summary=summary,
            password=password,
            rules_file=rules_file,
            lang=lang,
            progress=progress,
        ),
        lang,
        fmt=fmt,
        file=file,
    )
    _render(result, fmt, lang, show_changes=True)
    sys.exit(result.exit_code)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Summary workbook to write.",
)
@_MONTH
@click.option(
    "--unmask", is_flag=True, help="Show full phone numbers and emails (only for those allowed to see them)."
)
@click.option(
    "--per-owner",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write one workbook per 负责人 into this folder.",
)
@_LANG
@_PASSWORD
@_RULES
def summary(
    file: Path,
    out: Path,
    month: str | None,
    unmask: bool,
    per_owner: Path | None,
    lang: str,
    password: str | None,
    rules_file: Path | None,
) -> None:
    """Write the managers' summary workbook (read-only on FILE).

    \b
    Example:
      workbook-crm summary 台账.xlsx -o 汇总.xlsx --per-owner 分人汇总/
    """
    from .api import write_summary_for

    paths = _guard(
        lambda: write_summary_for(
            file,
            out,
            month=month,
            unmask=unmask,
            per_owner=per_owner,
            lang=lang,
            password=password,
            rules_file=rules_file,
        ),
        lang,
    )
    for p in paths:
        click.echo(str(p))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@_FORMAT
@_LANG
@_PASSWORD
@_RULES
def inspect(file: Path, fmt: str, lang: str, password: str | None, rules_file: Path | None) -> None:
    """Show how FILE is read: each sheet's kind and why, each column's field and a sample. Read-only.

    Correct a wrong guess with 字段映射 lines in 规则配置 or the --rules file.

    \b
    Example:
      workbook-crm inspect 客户名单.xls
    """
    from .inspection import inspect_workbook, render_text

    ins = _guard(lambda: inspect_workbook(file, password=password, rules_file=rules_file), lang)
    if fmt == "json":
        click.echo(json.dumps(ins.to_json_obj(), ensure_ascii=False, indent=1, default=str))
    else:
        click.echo(render_text(ins))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--quarter", required=True, help="The quarter to archive, e.g. 2024Q2.")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Snapshot to write (default: NAME-归档-2024Q2.xlsx beside FILE).",
)
@_FORMAT
@_LANG
@_PASSWORD
@_RULES
def archive(
    file: Path,
    quarter: str,
    out: Path | None,
    fmt: str,
    lang: str,
    password: str | None,
    rules_file: Path | None,
) -> None:
    """Write the quarter's read-only snapshot beside FILE and list the customers lost in it (FILE is only read).

    \b
    Example:
      workbook-crm archive 台账.xlsx --quarter 2024Q2
    """
    from .archive import archive_quarter

    res = _guard(
        lambda: archive_quarter(
            file, quarter=quarter, out=out, password=password, rules_file=rules_file, lang=lang
        ),
        lang,
    )
    if fmt == "json":
        click.echo(json.dumps(res.to_json_obj(), ensure_ascii=False, indent=1, default=str))
        return
    zh = lang == "zh"
    click.echo(f"{'归档' if zh else 'archive'}: {res.archive}")
    n = len(res.lost)
    click.echo(f"{res.quarter} {'本季流失客户' if zh else 'customers lost this quarter'}: {n}")
    for r in res.lost.itertuples(index=False):
        click.echo(f"  {r[0]}  {r[1]}  {r[2] if isinstance(r[2], str) else ''}  {r[4] or ''}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def init(file: Path, force: bool) -> None:
    """Create a new, empty workbook of record from the schemas.

    \b
    Example:
      workbook-crm init 台账.xlsx
    """
    from .template import write_template

    if file.exists() and not force:
        click.echo(
            f"{file}: 文件已存在，未覆盖（加 --force 覆盖）/ exists, not overwritten (use --force)", err=True
        )
        sys.exit(EXIT_UNUSABLE)
    click.echo(str(write_template(file)))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--customers", type=click.IntRange(min=1), default=300, show_default=True, help="Number of customers."
)
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same workbook).")
def sample(file: Path, customers: int, seed: int) -> None:
    """Write a realistic sample workbook, messes included.

    \b
    Example:
      workbook-crm sample 示例.xlsx --customers 500 --seed 1
    """
    from .sample import write_sample

    click.echo(str(write_sample(file, customers=customers, seed=seed)))


def _guard(call: Any, lang: str, *, fmt: str = "text", file: Path | None = None) -> Any:
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
        _refuse(
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
        _refuse(exc.message(lang), exc.code, fmt, file)
    except SystemExit:
        raise
    except Exception as exc:  # a bug of ours: say so without a wall of traceback
        if os.environ.get("WORKBOOK_CRM_DEBUG"):
            raise
        _refuse(
            f"内部错误，未写入任何文件 / internal error, nothing was written: {type(exc).__name__}: {exc}\n"
            "设置 WORKBOOK_CRM_DEBUG=1 可查看详情 / set WORKBOOK_CRM_DEBUG=1 for details",
            "internal",
            fmt,
            file,
        )


def _refuse(message: str, code: str, fmt: str, file: Path | None, *, exit_code: int = EXIT_UNUSABLE) -> None:
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


def _progress(fmt: str):
    if fmt == "json" or not sys.stderr.isatty():
        return lambda step: None
    from rich.console import Console

    console = Console(stderr=True)
    return lambda step: console.print(f"[cyan]›[/cyan] {step}…")


def _render(result: Result, fmt: str, lang: str, show_changes: bool = False) -> None:
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
