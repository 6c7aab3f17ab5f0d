"""Where in a YAML file a key is: the line an error about it points at."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


def syntax_error_line(error: yaml.YAMLError) -> int:
    """The 1-based line of a YAML syntax error (1 when the parser gives none)."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def syntax_message(error: yaml.YAMLError) -> str:
    """One line: what the parser expected, and where the construct it was reading started."""
    problem = getattr(error, "problem", None)
    if not problem:
        return str(error).splitlines()[0]
    context, mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and mark is not None:
        return f"{problem} ({context} that starts on line {mark.line + 1})"
    return problem


def error_line(text: str, loc: Sequence[Any]) -> int:
    """The 1-based line of the deepest node of `loc` (keys and list indexes, as pydantic gives
    them) that the file has: a missing key points at its parent, an empty loc at line 1."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return 1
    line = 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
