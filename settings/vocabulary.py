"""The registry's closed vocabularies, in a module without imports: the command line offers them as
choices without loading the registry's validation (pydantic)."""

from typing import Literal

Level = Literal["province", "city", "county", "township"]
LEVELS: tuple[str, ...] = Level.__args__  # type: ignore[attr-defined]
Family = Literal["trs", "hanweb", "zwgk", "sitesources", "gkmlpt", "static", "ucap"]
FAMILIES: tuple[str, ...] = Family.__args__  # type: ignore[attr-defined]
