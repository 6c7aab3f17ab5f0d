"""Fuzzy matching of printed labels against the template's labels.

Printed labels lose characters (`其他法律行政止公开`), gain typos (`本年度止件数`), wrap across
lines or cells and pick up neighbouring fragments (vertical group labels one character per line).
Character bigrams with an F1 score tolerate all of these while still telling `其他` (a row) from
`计其他情形` (the tail of another row's label).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pipelines.normalize import label_core

MIN_ROW_SCORE = 0.55
MIN_COLUMN_SCORE = 0.6


@lru_cache(maxsize=4096)
def bigrams(core: str) -> frozenset[str]:
    if len(core) < 2:
        return frozenset({core}) if core else frozenset()
    return frozenset(core[i : i + 2] for i in range(len(core) - 1))


def similarity(printed: str, template: str) -> float:
    """F1 of shared character bigrams between a printed label and a template label."""
    return overlap(bigrams(label_core(printed)), bigrams(label_core(template)))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    common = len(a & b)
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def best_match(printed: str, templates: Sequence[str], minimum: float) -> tuple[int, float] | None:
    """Index and score of the template label closest to `printed`, if close enough."""
    best: tuple[int, float] | None = None
    for i, template in enumerate(templates):
        score = similarity(printed, template)
        if score >= minimum and (best is None or score > best[1]):
            best = (i, score)
    return best


def align_labels(
    segments: Sequence[Sequence[str]], templates: Sequence[str], *, max_span: int = 4
) -> list[tuple[int, int, int]]:
    """Match runs of printed label segments to template labels, both in printed order.

    `segments` is a list of blocks; each block is the label fragments found between two groups
    of numbers, in order. A match is (block, first fragment, template index) and covers
    fragments first.. of that block; the last one chosen by the dynamic programme. Matches keep the
    template order and maximise the summed similarity, so a fragment that resembles a later row
    cannot steal it from the row that really comes next.
    """
    flat: list[tuple[int, int, str]] = [
        (b, i, frag) for b, block in enumerate(segments) for i, frag in enumerate(block)
    ]
    n, m = len(flat), len(templates)
    template_grams = [bigrams(label_core(t)) for t in templates]
    # templates by bigram: a span is scored only against templates it shares a bigram with
    having: dict[str, list[int]] = {}
    for j, grams in enumerate(template_grams):
        for gram in grams:
            having.setdefault(gram, []).append(j)
    # candidate spans: start position -> list of (end position, template index, score)
    spans: list[list[tuple[int, int, float]]] = [[] for _ in range(n)]
    for start in range(n):
        text = ""
        for end in range(start, min(n, start + max_span)):
            if flat[end][0] != flat[start][0]:
                break
            text += flat[end][2]
            grams = bigrams(label_core(text))
            sharing = {j for gram in grams for j in having.get(gram, ())}
            for j in sorted(sharing):
                score = overlap(grams, template_grams[j])
                if score >= MIN_ROW_SCORE:
                    spans[start].append((end + 1, j, score))
    # best[p][j]: best total score using fragments from p and templates from j. A fragment that
    # starts no span can only be skipped: its scores are the next fragment's (one shared row).
    skip: list[tuple[int, int] | None] = [None] * (m + 1)
    best: list[list[float]] = [[0.0] * (m + 1)] * (n + 1)
    choice: list[list[tuple[int, int] | None]] = [skip] * (n + 1)
    for p in range(n - 1, -1, -1):
        if not spans[p]:
            best[p] = best[p + 1]
            continue
        row, picks = list(best[p + 1]), list(skip)
        for j in range(m, -1, -1):
            for end, t, score in spans[p]:
                if t >= j and score + best[end][t + 1] > row[j]:
                    row[j], picks[j] = score + best[end][t + 1], (end, t)
        best[p], choice[p] = row, picks
    matches: list[tuple[int, int, int]] = []
    p = j = 0
    while p < n:
        pick = choice[p][j]
        if pick is None:
            p += 1
        else:
            end, t = pick
            matches.append((flat[p][0], flat[p][1], t))
            p, j = end, t + 1
    return matches
