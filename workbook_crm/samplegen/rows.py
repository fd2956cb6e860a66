"""Row functions: one customer's 客户档案 row, follow-ups and deals; leads; KPI and campaign rows.

Rows are dicts keyed by schema field name (plus a user column such as `内部评级`). The sample and
the benchmark workbook both come from these functions: the sample is the same generator at small N.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..schema.common import CUSTOMER_TYPE_SYNONYMS, SOURCE_SYNONYMS, SOURCES
from ..schema.followups import SCHEMA as FOLLOWUPS
from . import codes
from . import vocab as v
from .messes import FAMILIES, Messer
from .people import Company, Namer, Person

EXTRA_COLUMN = "内部评级"  # the user's own column: the tool must keep it untouched
TYPES = (
    "潜在客户",
    "意向客户",
    "成交客户",
    "长期合作客户",
    "沉睡客户",
    "流失客户",
    "流失预警客户",
    "高意向潜在客户",
)
TYPE_WEIGHTS = (15, 15, 40, 12, 8, 5, 3, 2)
SOURCE_WEIGHTS = (18, 22, 16, 12, 10, 14, 8)
METHOD_WEIGHTS = {"电话": 30, "上门拜访": 18, "线上会议": 14, "邮件": 8, "微信": 26, "展会": 4}
_NEEDS_CODE = {"credit_badcheck", "duplicate_customer", "same_name"}  # planted stories about the code
_METHOD_PAIRS = FOLLOWUPS.field("method").choice_synonyms
_STATUS_PAIRS = FOLLOWUPS.field("status").choice_synonyms


@dataclass
class Customer:
    index: int
    cid: str
    company: Company
    person: Person
    mobile: str
    email: str
    ctype: str
    source: str
    owner: str
    first_contact: date
    potential: int
    deals: list[tuple[date, float, str, float]] = field(default_factory=list)  # date, yuan, product, profit


def _day(d0: date, d1: date, rng: random.Random) -> date:
    return d0 if d1 <= d0 else d0 + timedelta(days=rng.randrange(0, (d1 - d0).days + 1))


class RowMaker:
    """Canonical rows from one random stream; the messes go through ``Messer``."""

    def __init__(self, rng: random.Random, today: date, messy: bool) -> None:
        self.rng = rng
        self.today = today
        self.namer = Namer(rng)
        self.mess = Messer(rng, messy)
        n_owners = rng.randint(5, 8)
        self.owners = [self.namer.person().name for _ in range(n_owners)]

    # --- customers ---------------------------------------------------------------------------
    def customer(self, index: int, cid: str, first_contact: date, *, plain_suffix: bool = False) -> Customer:
        rng, today = self.rng, self.today
        company = self.namer.company(plain_suffix=plain_suffix)
        person = self.namer.person()
        ctype = rng.choices(TYPES, weights=TYPE_WEIGHTS)[0]
        c = Customer(
            index,
            cid,
            company,
            person,
            codes.mobile(rng),
            self.namer.email(person, company),
            ctype,
            rng.choices(SOURCES, weights=SOURCE_WEIGHTS)[0],
            rng.choice(self.owners),
            first_contact,
            rng.randint(1, 10),
        )
        # 流失 = no deal in the last 3 months, 沉睡 = none for half a year (seed 001 lifecycle)
        lag = {"成交客户": 0, "长期合作客户": 0, "沉睡客户": 200, "流失客户": 100, "流失预警客户": 60}.get(
            ctype
        )
        if lag is None:
            return c
        start, end = first_contact + timedelta(days=14), today - timedelta(days=lag)
        if end <= start:
            c.ctype = "意向客户"
            return c
        n = {"长期合作客户": rng.randint(3, 8), "成交客户": rng.randint(1, 4)}.get(ctype, rng.randint(1, 3))
        base = math.exp(rng.gauss(2.6 if ctype == "长期合作客户" else 2.0, 0.9))  # 万元 per deal, long tail
        products = v.INDUSTRIES[company.industry][1]
        for d in sorted(_day(start, end, rng) for _ in range(n)):
            yuan = round(base * 10_000 * rng.uniform(0.4, 1.3), -2)
            c.deals.append((d, yuan, rng.choice(products), round(yuan * rng.uniform(0.08, 0.3), -2)))
        return c

    def archive_row(self, c: Customer, tags: set[str], other: Customer | None) -> dict[str, Any]:
        rng, m = self.rng, self.mess
        comp = c.company
        row: dict[str, Any] = {
            "customer_id": c.cid,
            "name": comp.name,
            "short_name": comp.short,
            "credit_code": comp.credit if rng.random() < 0.9 or tags & _NEEDS_CODE else None,
            "industry": comp.industry,
            "company_size": comp.size,
            "reg_address": comp.address,
            "founded": comp.founded,
            "main_business": comp.main_business,
            "contact": c.person.name,
            "title": rng.choice(v.TITLES),
            "email": c.email,
            "decision_chain": rng.choice(v.DECISION) if rng.random() < 0.4 else None,
            "customer_type": c.ctype,
            "source": c.source,
            "owner": c.owner,
            "first_contact": c.first_contact,
            "potential": c.potential,
            "need_type": rng.choice(("产品需求型", "服务需求型", "定制需求型")),
            "tags": rng.choice(v.TAGS) or None,
            "remark": None,
        }
        year_ago = self.today - timedelta(days=365)
        if c.deals:
            annual_yuan = sum(d[1] for d in c.deals if d[0] > year_ago)
            row.update(
                {
                    "first_deal": c.deals[0][0],
                    "last_deal": c.deals[-1][0],
                    "total_amount": sum(d[1] for d in c.deals),
                    "annual_amount": round(annual_yuan / 10_000, 2),
                    "deal_count": len(c.deals),
                    "renewal_rate": round(rng.uniform(0.5, 1.0), 2),
                    "satisfaction": round(rng.uniform(2.8, 5.0), 1),
                    "profit": round(sum(d[3] for d in c.deals if d[0] > year_ago) / 10_000, 2),
                    "stability": rng.randint(1, 5),
                    "interaction": rng.randint(1, 5),
                    "dependency": rng.randint(1, 5),
                }
            )
        else:
            row["urgency"] = rng.choice(("高", "中", "低"))
        if m.messy:
            row[EXTRA_COLUMN] = rng.choice(v.INTERNAL_RATING) or None
        # --- messes ---
        other_mobile = other.mobile if other is not None else codes.mobile(rng)
        if tag := m.pick("mobile", tags):
            landline = codes.landline(rng, comp.area)
            row["mobile"] = m.phone(tag, c.mobile, other=other_mobile, landline=landline)
        else:
            row["mobile"] = c.mobile
        if tag := m.pick("email", tags):
            row["email"] = m.email(tag, c.email)
        if (tag := m.pick("credit_code", tags)) and row["credit_code"]:
            row["credit_code"] = m.credit(tag, row["credit_code"])
        for fam, rewrite in (
            ("annual_amount", m.annual),
            ("total_amount", m.total),
            ("renewal_rate", m.percent),
        ):
            # only customers with deals carry these, unless a mess is planted here (someone typed a guess)
            if (fam in row or tags.intersection(FAMILIES[fam])) and (tag := m.pick(fam, tags)):
                guess = {"annual_amount": 30.0, "total_amount": 300_000.0, "renewal_rate": 0.8}[fam]
                row[fam] = rewrite(tag, row.get(fam) or guess)
        if tag := m.pick("source", tags):
            # planted: exactly `展会` / `转介绍`; random: any synonym of the true source
            row["source"] = (
                tag.removeprefix("source_") if tag in tags else m.synonym(c.source, SOURCE_SYNONYMS)
            )
        if m.pick("customer_type", tags):
            row["customer_type"] = m.synonym(c.ctype, CUSTOMER_TYPE_SYNONYMS)
        if m.pick("remark", tags):
            # seed 003 §四(一): an ID number must never be collected — yet someone pasted one
            row["remark"] = f"法人{c.person.name}，身份证{codes.id_card(rng)}，已核实"
        return row

    # --- follow-ups and deals ----------------------------------------------------------------
    def followup_rows(self, c: Customer, tags: set[str]) -> list[dict[str, Any]]:
        rng, today, m = self.rng, self.today, self.mess
        n = rng.choice((1, 2, 3, 3, 3, 4, 5))
        lag = {"沉睡客户": 150, "流失客户": 90}.get(c.ctype, 0) + min(int(rng.expovariate(1 / 40)), 300)
        end = max(c.first_contact, today - timedelta(days=lag))
        dates = sorted(
            [c.first_contact + timedelta(days=rng.randrange(0, 4))]
            + [_day(c.first_contact, end, rng) for _ in range(n - 1)]
        )
        products = v.INDUSTRIES[c.company.industry][1]
        rows = []
        for k, d in enumerate(dates):
            d = min(d, today)
            product = rng.choice(products)
            due = d + timedelta(days=rng.randrange(3, 22))
            action = rng.choice(v.NEXT_ACTIONS).format(product=product)
            if due < today:
                status = rng.choices(("已完成", "进行中", "已取消"), weights=(85, 10, 5))[0]
            else:
                status = rng.choice(("进行中", "未开始"))
            row: dict[str, Any] = {
                "customer_id": c.cid,
                "customer_name": c.company.name if rng.random() < 0.8 else c.company.short,
                "follow_date": d,
                "method": rng.choices(list(METHOD_WEIGHTS), weights=list(METHOD_WEIGHTS.values()))[0],
                "content": rng.choice(v.FOLLOW_CONTENT).format(product=product),
                "feedback": rng.choice(v.FEEDBACK) or None,
                "follower": c.owner if rng.random() < 0.9 else rng.choice(self.owners),
                "next_step": f"{due.month}月{due.day}日前{action}",
                "due_date": due if rng.random() < 0.5 else None,
                "status": status,
            }
            first = k == 0
            if tag := m.pick("follow_date", tags if first else set()):
                row["follow_date"] = m.date(tag, d)
            if m.pick("method", tags if first else set()):
                row["method"] = m.synonym(row["method"], _METHOD_PAIRS)
            if m.pick("status", tags if first else set()):
                row["status"] = m.synonym(row["status"], _STATUS_PAIRS)
            if m.pick("next_step", tags if first else set()):
                row["next_step"] = rng.choice(v.VAGUE_NEXT)  # seed 003: vague, no date
                row["due_date"] = None
            rows.append(row)
        return rows

    def deal_rows(self, c: Customer) -> list[dict[str, Any]]:
        rows = []
        for d, yuan, product, profit in c.deals:
            amount: Any = yuan
            if self.mess.messy and self.rng.random() < 0.03:
                amount = f"¥{yuan:,.0f}"
            rows.append(
                {"customer_id": c.cid, "deal_date": d, "amount": amount, "product": product, "profit": profit}
            )
        return rows
