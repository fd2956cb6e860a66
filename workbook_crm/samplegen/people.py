"""Companies and people: names, addresses, contacts — unique, plausible, deterministic."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from . import codes
from . import vocab as v


@dataclass
class Company:
    name: str
    short: str
    region: str
    division: str
    area: str
    industry: str
    domain: str
    credit: str
    address: str
    founded: date
    size: str
    main_business: str


@dataclass
class Person:
    name: str
    email_local: str


class Namer:
    """Draws companies with names never used before in this workbook (accidental duplicates would
    blur the planted ones)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self._brands = list(v.BRAND_CHARS)
        self._regions = list(v.REGIONS)
        self._industries = list(v.INDUSTRIES)

    def person(self) -> Person:
        rng = self.rng
        surname = rng.choice(list(v.SURNAMES))
        given = "".join(rng.sample(list(v.GIVEN), rng.choice((1, 2, 2))))
        local = v.SURNAMES[surname] + "".join(v.GIVEN[ch][0] for ch in given)
        return Person(surname + given, local)

    def company(self, *, plain_suffix: bool = False) -> Company:
        """``plain_suffix``: end in 有限公司, so that a 有限责任公司 variant can be planted."""
        rng = self.rng
        for _attempt in range(50):
            region = rng.choice(self._regions)
            industry = rng.choices(self._industries, weights=v.INDUSTRY_WEIGHTS)[0]
            b1, b2 = rng.sample(self._brands, 2)
            word = rng.choice(v.INDUSTRIES[industry][0])
            suffix = v.SUFFIXES[0] if plain_suffix else rng.choices(v.SUFFIXES, weights=v.SUFFIX_WEIGHTS)[0]
            if rng.random() < 0.06:
                # a branch written the licence way: 恒达精密机械（苏州）有限公司 (full-width brackets)
                name = f"{b1}{b2}{word}（{region}）{suffix}"
            else:
                name = f"{region}{b1}{b2}{word}{suffix}"
            if name not in self.used:
                break
        self.used.add(name)
        division, area = v.REGIONS[region]
        domain = v.BRAND_CHARS[b1] + v.BRAND_CHARS[b2] + rng.choice((".com", ".cn", ".com.cn", "-tech.com"))
        founded = date.fromordinal(date(1995, 1, 1).toordinal() + rng.randrange(0, 25 * 365))
        address = f"{region}市{rng.choice(v.DISTRICTS)}{rng.choice(v.ROADS)}{rng.randrange(1, 999)}号"
        return Company(
            name=name,
            short=b1 + b2 + word[:2],
            region=region,
            division=division,
            area=area,
            industry=industry,
            domain=domain,
            credit=codes.credit_code(rng, division),
            address=address,
            founded=founded,
            size=rng.choices(v.SIZES, weights=(10, 45, 35, 10))[0],
            main_business=f"{word}产品的研发、生产与销售" if industry == "制造业" else f"{word}相关服务",
        )

    def email(self, person: Person, company: Company) -> str:
        if self.rng.random() < 0.2:
            return f"{self.rng.randrange(10_000_000, 2_000_000_000)}@{self.rng.choice(v.FREE_MAIL)}"
        return f"{person.email_local}@{company.domain}"

    def variant(self, name: str) -> str:
        """The same company typed differently: 有限公司 ↔ 有限责任公司 (SPEC §3 company names)."""
        if name.endswith("有限责任公司"):
            return name[: -len("有限责任公司")] + "有限公司"
        if name.endswith("股份有限公司"):
            return name[: -len("股份有限公司")] + "股份公司"
        if name.endswith("有限公司"):
            return name[: -len("有限公司")] + "有限责任公司"
        return name + "（总部）"
