"""The command line: parse options, call one library function, render, exit. Nothing else.

Exit codes are a contract: 0 = no errors (warnings allowed), 1 = errors found (and, for `run`,
marked in the workbook), 2 = the file could not be used and nothing was written, 130 = stopped by
Ctrl-C (128 + the signal for SIGTERM/SIGHUP), temporary files removed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .clikit import EXIT_UNUSABLE, FORMAT, LANG, MONTH, PASSWORD, RULES, guard, render, show_progress


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
@FORMAT
@LANG
@PASSWORD
@MONTH
@RULES
def validate(
    file: Path, fmt: str, lang: str, password: str | None, month: str | None, rules_file: Path | None
) -> None:
    """Check every sheet and report each problem at its cell. Read-only.

    \b
    Example:
      workbook-crm validate 台账.xlsx --format json --lang en
    """
    from .api import validate_workbook

    result = guard(
        lambda: validate_workbook(file, password=password, month=month, rules_file=rules_file),
        lang,
        fmt=fmt,
        file=file,
    )
    render(result, fmt, lang)
    sys.exit(result.exit_code)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@MONTH
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
@FORMAT
@LANG
@PASSWORD
@RULES
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
    progress = show_progress(fmt)
    result = guard(
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
    render(result, fmt, lang, show_changes=True)
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
@MONTH
@click.option(
    "--unmask", is_flag=True, help="Show full phone numbers and emails (only for those allowed to see them)."
)
@click.option(
    "--per-owner",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write one workbook per 负责人 into this folder.",
)
@LANG
@PASSWORD
@RULES
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

    paths = guard(
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
@FORMAT
@LANG
@PASSWORD
@RULES
def inspect(file: Path, fmt: str, lang: str, password: str | None, rules_file: Path | None) -> None:
    """Show how FILE is read: each sheet's kind and why, each column's field and a sample. Read-only.

    Correct a wrong guess with 字段映射 lines in 规则配置 or the --rules file.

    \b
    Example:
      workbook-crm inspect 客户名单.xls
    """
    from .inspection import inspect_workbook, render_text

    ins = guard(lambda: inspect_workbook(file, password=password, rules_file=rules_file), lang)
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
@FORMAT
@LANG
@PASSWORD
@RULES
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

    res = guard(
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
