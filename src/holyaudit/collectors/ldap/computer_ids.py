"""Computer ids: unique in the domain, where a computer's cn need not be.

Active Directory keeps a cn unique only within its OU (two ``CN=PC01`` in different OUs are legal), but a
sAMAccountName is unique in the domain. A computer's id is its sAMAccountName without the trailing "$" that
Windows gives machine accounts (``PC01$`` is ``PC01``), which is its cn for every machine joined the ordinary
way, so the endpoint collectors and drift, which join hosts to computers by this id, still find them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    dn: str
    cn: str
    sam: str | None
    """sAMAccountName, when it could be read."""


def computer_ids(accounts: Sequence[Account]) -> list[str]:
    """One id per account, in order, no two equal ignoring case.

    Ids that would still be equal (an administrator may give a computer a sAMAccountName without "$", so
    ``PC01`` and ``PC01$`` can both exist; an unreadable sAMAccountName falls back to the cn) are given the whole
    sAMAccountName instead, and, should even those be equal, the DN, which is unique.
    """
    choices = [[_short(a.sam) if a.sam else a.cn, *([a.sam] if a.sam else []), a.dn] for a in accounts]
    level = [0] * len(accounts)
    while True:
        counts = Counter(choice[at].casefold() for choice, at in zip(choices, level, strict=True))
        clashing = [
            n
            for n, (choice, at) in enumerate(zip(choices, level, strict=True))
            if counts[choice[at].casefold()] > 1 and at < len(choice) - 1
        ]
        if not clashing:
            return [choice[at] for choice, at in zip(choices, level, strict=True)]
        for n in clashing:
            level[n] += 1


def _short(sam: str) -> str:
    return sam[:-1] if sam.endswith("$") and len(sam) > 1 else sam
