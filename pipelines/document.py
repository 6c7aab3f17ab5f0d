"""A document reduced to lines of cells plus what its container says about it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.lines import Line
from pipelines.messages import Message


@dataclass
class Extracted:
    kind: str
    lines: list[Line]
    text: str
    titles: list[str] = field(default_factory=list)  # page <title>, metadata title ...
    dates: list[str | None] = field(default_factory=list)  # publication dates the container states
    weak_dates: list[str | None] = field(default_factory=list)  # file creation dates: a last resort
    messages: list[Message] = field(default_factory=list)
    scanned: bool = False


class UnsupportedCompression(Exception):
    """A DOCX whose zip members use a compression method zipfile cannot inflate (Deflate64, AES)."""
