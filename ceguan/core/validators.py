"""Code validators shared by every app (pure functions, no Django inside)."""

from __future__ import annotations

# GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》, clause 4 and appendix: the
# 31-character alphabet (digits and capitals without I, O, Z, S, V) and the weights of the check
# character (position 18), W_i = 3^(i-1) mod 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """Return the check character of a unified social credit code's first 17 characters.

    Parameters
    ----------
    first17 : str
        Registration authority, organisation category, division code, body code.

    Returns
    -------
    str
        The 18th character: ``31 - (sum(value_i * W_i) mod 31)``, with 31 written as ``0``.

    References
    ----------
    GB 32100-2015, clause 4.2 and appendix B (check character).

    Examples
    --------
    >>> credit_code_check_character("91350100M000100Y4")
    '3'
    """
    if len(first17) != 17:
        raise ValueError("a credit code has 17 characters before its check character")
    total = 0
    for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True):
        index = CREDIT_CODE_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not allowed in a credit code")
        total += index * weight
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Say why ``code`` is not a valid unified social credit code, or return ``None``."""
    if len(code) != 18:
        return f"must have 18 characters, has {len(code)}"
    bad = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if bad:
        return f"contains characters not allowed by GB 32100-2015: {''.join(bad)}"
    if not code[2:8].isdigit():
        return "characters 3–8 must be the administrative division code (digits)"
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, GB 32100-2015 gives {expected}"
    return None


def make_credit_code(first17: str) -> str:
    """Append the check character (used by the demo province and tests)."""
    return first17 + credit_code_check_character(first17)
