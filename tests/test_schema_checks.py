"""The pandera stage (validators/schema_checks.py): parsed frames with real dtypes, a mask for the
cells typed but not parsed, failures mapped to catalog codes by equality, schemas built once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from conftest import build_workbook, cli_json, keys
from python_calamine import CalamineWorkbook

from workbook_crm.io.reader import SheetData, read_workbook
from workbook_crm.schema import registry
from workbook_crm.schema.base import DATE, SCORE, TEXT, Field, SheetSchema
from workbook_crm.validators.schema_checks import _CODES, pandera_schema, parsed_frame, schema_findings
from workbook_crm.validators.values import parse_sheet

HEAD = [
    "客户编号",
    "客户名称",
    "负责人",
    "首次接触时间",
    "满意度(5分制)",
    "合作频次",
    "年交易额(万元)",
    "备注",
]
ROWS = [
    ["CX202401001", "上海甲科技有限公司", "王五", "2024-01-05", 3, 2, 12, "老客户"],
    ["CX202401002", "上海乙贸易有限公司", "王五", "下周", 7, -1, "待确认", ""],
    ["CX202401003", "上海丙实业有限公司", None, None, "很好", None, None, None],
]


def _workbook(tmp_path: Path) -> Path:
    return build_workbook(tmp_path / "wb.xlsx", {"客户档案": [["客户档案"], HEAD, *ROWS]})


def test_parsed_frame_has_real_dtypes_and_a_mask_of_unparsed_cells(tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    sheet = read_workbook(path).get(registry.ARCHIVE.name)
    assert sheet is not None
    clean, _, _ = parse_sheet(sheet, context_year=2024)
    frame, unparsed = parsed_frame(sheet, clean)
    dtypes = {name: str(t) for name, t in frame.dtypes.items()}
    assert dtypes == {
        "customer_id": "string",
        "name": "string",
        "owner": "string",
        "first_contact": "datetime64[ns]",
        "satisfaction": "float64",
        "deal_count": "float64",
        "annual_amount": "float64",
        "remark": "string",
    }
    # what a second reader sees typed in the cells the mask names
    ws = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户档案").to_python()
    marked = {(int(r), name) for name in unparsed.columns for r in unparsed.index[unparsed[name]]}
    assert {(r, n): ws[r - 1][sheet.columns[n]] for r, n in marked} == {
        (4, "first_contact"): "下周",
        (4, "annual_amount"): "待确认",
        (5, "satisfaction"): "很好",
    }
    assert frame.at[3, "first_contact"] == pd.Timestamp(date(2024, 1, 5))
    assert frame.at[4, "satisfaction"] == 7.0


def test_schema_findings_are_the_nulls_and_bounds_outside_the_mask(tmp_path: Path) -> None:
    code, out = cli_json("validate", str(_workbook(tmp_path)))
    assert code == 1
    assert sorted(keys(out)) == sorted(
        [
            ("客户档案", "C5", "required"),  # 负责人 blank
            ("客户档案", "D4", "bad-date"),  # 下周: the parser's finding, not also required
            ("客户档案", "E4", "out-of-range"),  # 满意度 7 > 5
            ("客户档案", "E5", "bad-number"),  # 很好
            ("客户档案", "F4", "out-of-range"),  # 合作频次 -1 < 0 (lower bound only)
        ]
    )
    by_cell = {f["cell"]: f for f in out["findings"] if f["code"] == "out-of-range"}
    assert by_cell["E4"]["value"] == 7 and "1" in by_cell["E4"]["message"] and "5" in by_cell["E4"]["message"]


def _sheet(frame: pd.DataFrame, schema: SheetSchema) -> SheetData:
    columns = {f.name: i for i, f in enumerate(schema.fields)}
    headers = {i: f.header for i, f in enumerate(schema.fields)}
    return SheetData(schema, "表", 1, columns, {}, headers, frame, n_cols=len(columns))


def test_a_required_value_typed_but_not_parsed_is_left_to_the_parser() -> None:
    schema = SheetSchema(
        "表",
        (
            Field("key", "编号", TEXT, True),
            Field("when", "日期", DATE, True),
            Field("score", "评分", SCORE, False, low=1, high=5),
        ),
    )
    raw = pd.DataFrame(
        {"key": ["a", None, "c"], "when": ["2024-01-05", "某天", None], "score": [2, "很好", 9]},
        index=[2, 3, 4],
    )
    sheet = _sheet(raw, schema)
    clean, parsed, _ = parse_sheet(sheet, context_year=2024)
    got = [(x.cell, x.code) for x in schema_findings(sheet, clean)]
    assert sorted(got) == [("A3", "required"), ("B4", "required"), ("C4", "out-of-range")]
    assert sorted((x.cell, x.code) for x in parsed) == [("B3", "bad-date"), ("C3", "bad-number")]


def test_schemas_are_built_once_and_every_check_has_a_catalog_code() -> None:
    from workbook_crm.findings import CATALOG

    for schema in registry.ALL.values():
        built = pandera_schema(schema)
        assert pandera_schema(schema) is built
        assert isinstance(built, pa.DataFrameSchema)
        for column in built.columns.values():
            for check in column.checks:
                assert check.name in _CODES and check.error == check.name
    assert set(_CODES.values()) <= set(CATALOG)
