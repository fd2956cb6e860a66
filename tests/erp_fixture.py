"""A 486-customer ERP 客户档案 export, shaped like the one issue #11 describes, with planted mistakes.

Legacy codes 0001…0486 (text), 客户类型 meaning payment terms (月结/现金), 业务员, 7-digit local
landlines in 电话 beside (often empty) 手机, a 税号 column, shop and stall names that share a market
or chain prefix. Everything is generated (credit codes carry valid checksums; no real party).
``PLANTED`` names the true mistakes: the only errors a run may report.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

from workbook_crm.samplegen import codes

N = 486
SHEET = "客户档案"
HEADER = [
    "客户编码",
    "客户名称",
    "客户简称",
    "客户类型",
    "联系人",
    "手机",
    "电话",
    "地址",
    "业务员",
    "税号",
    "信用额度",
    "备注",
]
CITIES = ["杭州", "宁波", "温州", "绍兴", "嘉兴", "湖州", "金华", "台州", "丽水", "衢州", "舟山", "义乌"]
BRANDS = [
    "华兴",
    "鼎盛",
    "顺达",
    "恒通",
    "金禾",
    "永利",
    "瑞丰",
    "众诚",
    "新亚",
    "宏图",
    "汇丰",
    "天成",
    "佳美",
    "乐购",
    "和润",
    "嘉禾",
    "万达",
    "盛源",
    "联发",
    "同创",
    "长青",
    "博远",
    "隆昌",
    "德馨",
    "兴业",
    "安泰",
    "明辉",
    "富康",
    "晨光",
    "福临",
]
TRADES = ["五金", "建材", "食品", "日化", "文具", "电器", "服饰", "茶叶", "水产", "粮油", "酒业", "家具"]
FORMS = ["有限公司", "商贸有限公司", "经营部", "商行"]
PEOPLE = [
    "王建国",
    "李秀英",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周杰",
    "吴芳",
    "徐强",
    "孙丽",
    "胡军",
    "朱婷",
    "高峰",
    "林涛",
    "何娟",
    "郭亮",
    "马超",
    "罗琳",
]
REPS = ["业务一部-张明", "业务一部-李娜", "业务二部-王强", "业务二部-赵敏", "业务三部-刘洋"]
ROADS = ["解放路", "人民路", "中山路", "建设路", "文化路", "新华路", "和平路"]

# shops of one market / chain: distinct customers whose names differ only in their own part (item 9)
BRANCHES = ["城东水果批发市场-亚平批发", "城东水果批发市场-亚芳批发", "百果园龙头店", "百果园坡头店"]
TYPO_PAIR = ("杭州青禾贸易有限公司", "杭州清禾贸易有限公司")  # the classic typo: still 疑似重复


def _rows(rng: random.Random) -> list[list[object]]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < N - len(BRANCHES) - 2:
        city, brand, trade = rng.choice(CITIES), rng.choice(BRANDS), rng.choice(TRADES)
        name = f"{city}{brand}{trade}{rng.choice(FORMS)}"
        key = f"{city}{brand}{trade}"
        if key not in seen:
            seen.add(key)
            names.append(name)
    names[40:40] = BRANCHES
    names.insert(200, TYPO_PAIR[0])
    names.insert(330, TYPO_PAIR[1])
    rows: list[list[object]] = []
    mobiles: set[str] = set()
    locals_: set[str] = set()
    start = date(2016, 3, 1)
    for i, name in enumerate(names):
        mobile = ""
        if rng.random() < 0.55:
            while not mobile or mobile in mobiles:
                mobile = codes.mobile(rng)
            mobiles.add(mobile)
        phone = ""
        if not mobile or rng.random() < 0.5:
            while not phone or phone in locals_:
                phone = f"{rng.randrange(2, 9)}{rng.randrange(0, 1_000_000):06d}"  # 7 digits, no area code
            locals_.add(phone)
        short = name[2:6]
        rows.append(
            [
                f"{i + 1:04d}",
                name,
                short,
                rng.choice(["月结", "现金", "月结", "现金", "现金"]),
                rng.choice(PEOPLE),
                mobile or None,
                phone or None,
                f"{name[:2]}市{rng.choice(ROADS)}{rng.randrange(1, 400)}号",
                rng.choice(REPS),
                codes.credit_code(rng, "330100") if rng.random() < 0.6 else None,
                rng.choice([5000, 10000, 20000, 50000, None]),
                (start + timedelta(days=7 * i)).isoformat() + " 建档" if rng.random() < 0.2 else None,
            ]
        )
    return rows


# (row offset in the data, column header, what is planted, expected check code)
MISTAKES = [
    (57, "客户编码", "code of row 12 used again", "duplicate-id"),
    (88, "手机", "138****5678", "masked-phone"),
    (131, "手机", "23800138000", "bad-phone"),
    (175, "电话", "0000-1234567", "bad-phone"),
    (222, "客户名称", None, "required"),
    (264, "客户名称", "name of row 3 filed again", "duplicate-customer"),
    (301, "税号", "broken check character", "bad-credit-code"),
    (377, "业务员", None, "required"),
]


def _plant(rows: list[list[object]], rng: random.Random) -> None:
    col = {h: i for i, h in enumerate(HEADER)}
    for offset, header, what, _ in MISTAKES:
        row = rows[offset]
        c = col[header]
        if what == "code of row 12 used again":
            row[c] = rows[11][c]
        elif what == "name of row 3 filed again":
            row[c] = rows[2][c]
        elif what == "broken check character":
            row[c] = codes.break_check(codes.credit_code(rng, "330100"))
        else:
            row[c] = what
        if header == "手机":
            row[col["电话"]] = None  # the planted number is the row's only one


def planted() -> list[tuple[str, str, str]]:
    """The (sheet, cell, code) of every planted mistake, in row order."""
    letters = {h: chr(ord("A") + i) for i, h in enumerate(HEADER)}
    return [(SHEET, f"{letters[h]}{offset + 2}", code) for offset, h, _, code in MISTAKES]


def write_erp(path: Path, seed: int = 11) -> Path:
    rng = random.Random(seed)
    rows = _rows(rng)
    _plant(rows, rng)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET)
    text = wb.add_format({"num_format": "@"})
    ws.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v, text if HEADER[c] in ("客户编码", "手机", "电话", "税号") else None)
            else:
                ws.write_number(r, c, v)
    wb.close()
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(write_erp(Path(sys.argv[1] if len(sys.argv) > 1 else "erp.xlsx")))
