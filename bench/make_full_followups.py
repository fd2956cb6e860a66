"""A workbook at Excel's row limit: 客户跟进记录表 with 1,048,575 follow-ups (+ the header = 1,048,576 rows).

    python bench/make_full_followups.py --out bench/out/wb-fullrows.xlsx
    /usr/bin/time -v workbook-crm run bench/out/wb-fullrows.xlsx --month 2026-11 --no-summary

Issue #7: such a sheet must complete on a 24 GB machine. 50k customers, each with ~21 follow-ups.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

EXCEL_ROWS = 1_048_576


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "wb-fullrows.xlsx")
    ap.add_argument("--customers", type=int, default=50_000)
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    wb = xlsxwriter.Workbook(str(args.out), {"constant_memory": True, "strings_to_numbers": False})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    arch = wb.add_worksheet("客户档案")
    arch.write_row(
        0,
        0,
        [
            "客户编号",
            "客户名称",
            "负责人",
            "手机号码",
            "首次接触时间",
            "年合作金额(万元)",
            "续约率",
            "满意度(5分制)",
            "潜力评分",
            "客户类型",
        ],
    )
    owners = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊"]
    base = date(2020, 1, 1)
    ids = []
    for i in range(args.customers):
        first = base + timedelta(days=i % 2000)
        cid = f"C{i + 1:06d}"
        ids.append(cid)
        arch.write_row(
            i + 1, 0, [cid, f"上海第{i + 1}号科技有限公司", owners[i % 6], f"13{i % 10}{i:08d}"[:11]]
        )
        arch.write_datetime(i + 1, 4, first, datefmt)
        arch.write_row(
            i + 1, 5, [(i % 200) + 0.5, 0.5 + (i % 50) / 100, 3 + (i % 20) / 10, 1 + i % 10, "成交客户"]
        )
    fu = wb.add_worksheet("客户跟进记录表")
    fu.write_row(0, 0, ["客户编号", "跟进日期", "跟进方式", "跟进内容", "跟进人", "下一步计划", "完成状态"])
    methods = ["电话", "上门拜访", "微信", "邮件", "线上会议"]
    steps = ["5月20日前发送报价单", "继续跟进", "下周三前确认需求", None, "2026-12-05前提供方案"]
    for r in range(1, EXCEL_ROWS):
        i = r % args.customers
        fu.write_string(r, 0, ids[i])
        fu.write_datetime(r, 1, date(2024, 1, 1) + timedelta(days=r % 1000), datefmt)
        fu.write_row(r, 2, [methods[r % 5], "沟通进展", owners[i % 6]])
        step = steps[r % 5]
        if step:
            fu.write_string(r, 5, step)
        fu.write_string(r, 6, "已完成" if r % 3 else "进行中")
    rules = wb.add_worksheet("规则配置")
    rules.write_row(0, 0, ["参数", "值"])
    rules.write_row(1, 0, ["客户编号规则", "C{seq:06}"])
    wb.close()
    print(
        f"{args.out}: {EXCEL_ROWS - 1:,} follow-ups, {args.out.stat().st_size / 1e6:.1f} MB, "
        f"{time.perf_counter() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()
