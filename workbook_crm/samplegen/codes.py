"""Valid identifiers with their checksums: 统一社会信用代码, 身份证号, 银行卡号, phones."""

from __future__ import annotations

import random
from datetime import date

# GB 32100-2015: 31 characters (no I, O, Z, S, V); weights are 3^i mod 31.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714-1997: the 9-character organization code inside it has its own check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11643-1999: citizen ID weights 2^(17-i) mod 11, check characters by remainder.
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "158",
    "159",
    "166",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)


def uscc_check(body17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015 §4 / 附录B)."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def _org_code(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def credit_code(rng: random.Random, division: str) -> str:
    """A valid code: 9 = 工商 registration, 1 = 企业, the 6-digit 行政区划, the organization code."""
    body = "91" + division + _org_code(rng)
    return body + uscc_check(body)


def break_check(code: str) -> str:
    """Same code with a wrong check character (a typo a human makes when copying from the licence)."""
    good = code[-1]
    wrong = USCC_CHARS[(USCC_CHARS.index(good) + 7) % 31]
    return code[:-1] + wrong


# 行政区划 that existed for every birth year drawn below (python-stdnum checks place-at-birth-year)
ID_DIVISIONS = ("110105", "110108", "310104", "310110", "120101")


def id_card(rng: random.Random) -> str:
    """A 居民身份证号 with a valid check character (for the `personal data` check, seed 003 §四(一))."""
    division = rng.choice(ID_DIVISIONS)
    born = date(1965, 1, 1).toordinal() + rng.randrange(0, 35 * 365)
    body = division + date.fromordinal(born).strftime("%Y%m%d") + f"{rng.randrange(0, 1000):03d}"
    total = sum(int(d) * w for d, w in zip(body, _RIC_WEIGHTS, strict=True))
    return body + _RIC_CHECK[total % 11]


def luhn_complete(body: str) -> str:
    """Append the Luhn check digit (ISO/IEC 7812), as every 银联 debit card has."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            n = n - 9 if n > 9 else n
        total += n
    return body + str((10 - total % 10) % 10)


def bank_card(rng: random.Random) -> str:
    bin6 = rng.choice(("622202", "621700", "622848", "621226", "622588"))
    return luhn_complete(bin6 + "".join(str(rng.randrange(10)) for _ in range(12)))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 100_000_000):08d}"


def landline(rng: random.Random, area: str) -> str:
    digits = 8 if len(area) == 3 else rng.choice((7, 8))
    first = str(rng.randrange(2, 9))
    return f"{area}-{first}{rng.randrange(0, 10 ** (digits - 1)):0{digits - 1}d}"
