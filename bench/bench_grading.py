"""Grading speed: synthetic 100k customers + 300k follow-ups + 200k deals (issue #4).

Run: .venv/bin/python bench/bench_grading.py [customers]

Prints wall-clock and CPU seconds (the machine is shared: compare CPU). The normalizers (cn2an,
OpenCC tables) are imported before timing, as they are in the monthly run by the time it grades.
"""

from __future__ import annotations

import sys
import time
from datetime import date

import numpy as np
import pandas as pd

import workbook_crm.normalize  # noqa: F401  (loaded by the run before grading; ~0.4 s to import)
from workbook_crm.grading import grade_month
from workbook_crm.rules import Rules


def frames(n: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cid = np.array([f"CX2023{m:02d}{i:05d}" for i, m in zip(range(n), rng.integers(1, 13, n), strict=True)])
    day0 = np.datetime64("2022-01-01")
    arch = pd.DataFrame(
        {
            "customer_id": cid,
            "name": [f"客户{i}有限公司" for i in range(n)],
            "owner": rng.choice(["张三", "李四", "王五", "赵六", None], n),
            "customer_type": rng.choice(["成交客户", "潜在客户", "高意向潜在客户", "流失预警客户", None], n),
            "urgency": rng.choice(["高", "中", "低", None], n),
            "source": rng.choice(["展会对接", "线上推广", "陌拜"], n),
            "annual_amount_yuan": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(12, 1.2, n).round(-2)),
            "renewal_rate": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0.3, 1, n).round(2)),
            "satisfaction": rng.integers(1, 11, n) / 2,
            "potential": rng.integers(1, 11, n).astype(float),
            "dependency": rng.integers(1, 6, n).astype(float),
            "first_contact": day0 + rng.integers(0, 800, n).astype("timedelta64[D]"),
        },
        index=np.arange(3, n + 3),
    )
    m = 3 * n
    fu = pd.DataFrame(
        {
            "customer_id": rng.choice(cid, m),
            "follow_date": day0 + rng.integers(300, 850, m).astype("timedelta64[D]"),
            "next_step": rng.choice(
                ["5月15日前发送A模块资料", "2024-06-05前提供报价方案", "下周三前回访", "继续跟进", None], m
            ),
            "status": rng.choice(["已完成", "进行中", "未开始", "已取消"], m, p=[0.7, 0.15, 0.1, 0.05]),
        },
        index=np.arange(2, m + 2),
    )
    k = 2 * n
    deals = pd.DataFrame(
        {
            "customer_id": rng.choice(cid, k),
            "deal_date": day0 + rng.integers(0, 850, k).astype("timedelta64[D]"),
            "amount_yuan": rng.lognormal(10, 1, k).round(2),
        },
        index=np.arange(2, k + 2),
    )
    hist = pd.DataFrame(
        {
            "month": "2024-03",
            "customer_id": cid,
            "grade": rng.choice(list("SABC"), n),
            "tier": rng.choice(["核心客户", "成熟客户", "潜力客户", "基础客户"], n),
        }
    )
    return {"客户档案": arch, "客户跟进记录表": fu, "交易记录": deals, "分级历史": hist}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    clean = frames(n)
    for workdays in (False, True):
        t, cpu = time.perf_counter(), time.process_time()
        res = grade_month(
            clean,
            Rules(use_workdays=workdays),
            month="2024-04",
            today=date(2024, 4, 30),
            cells=lambda s, f, r: f"A{r}",
        )
        dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
        print(
            f"grade_month: {n:,} customers, {len(clean['客户跟进记录表']):,} follow-ups, "
            f"{len(clean['交易记录']):,} deals, use_workdays={workdays}: {dt:.2f} s ({dcpu:.2f} s CPU) "
            f"({len(res.reminders):,} reminders, {len(res.findings):,} findings)"
        )


if __name__ == "__main__":
    main()
