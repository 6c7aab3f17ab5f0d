"""Seeded mutations of the mirror's rendered reports, for the fuzz tests: byte flips, truncations,
duplications, tag damage and digit floods. `mutants(count, seed)` yields (name, bytes); the same
seed gives the same inputs, and a name says how to make its input again."""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Callable, Iterator
from io import BytesIO

from tests.samples import samples

Mutation = Callable[[random.Random, bytes], bytes]
_TAG = re.compile(rb"<[^<>]{0,80}>")
_DIGITS = re.compile(rb"\d+")


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def duplicate(rng: random.Random, data: bytes) -> bytes:
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 4000))
    return data[:end] + data[start:end] * rng.randint(1, 50) + data[end:]


def _replace_some(
    rng: random.Random, data: bytes, pattern: re.Pattern[bytes], most: int, replace: Callable[[bytes], bytes]
) -> bytes:
    """Up to `most` of the pattern's matches (at least one), each replaced by `replace(match)`;
    without a match, flipped bytes."""
    matches = list(pattern.finditer(data))
    if not matches:
        return flip_bytes(rng, data)
    out = data
    for match in sorted(
        rng.sample(matches, min(len(matches), rng.randint(1, most))), key=lambda m: -m.start()
    ):
        out = out[: match.start()] + replace(match.group()) + out[match.end() :]
    return out


def damage_tags(rng: random.Random, data: bytes) -> bytes:
    """Drop, repeat or unclose markup tags, or give a cell a hostile span."""

    def damaged(tag: bytes) -> bytes:
        return rng.choice(
            [
                b"",
                tag * rng.randint(2, 30),
                tag[:-1],
                tag.replace(
                    b">", b' rowspan="%d" colspan="%d">' % (rng.randint(0, 10**6), rng.randint(0, 300)), 1
                ),
                b"<table>" * rng.randint(1, 50),
                b"<!--",
            ]
        )

    return _replace_some(rng, data, _TAG, 10, damaged)


def flood_digits(rng: random.Random, data: bytes) -> bytes:
    """Replace numbers with runs of hundreds to thousands of digits (or a float that overflows)."""

    def flood(_number: bytes) -> bytes:
        digits = b"9" * rng.choice([16, 309, 400, 4301, 5000])
        return digits + b".5" if rng.random() < 0.3 else digits

    return _replace_some(rng, data, _DIGITS, 5, flood)


MUTATIONS: dict[str, Mutation] = {
    "flip": flip_bytes,
    "truncate": truncate,
    "duplicate": duplicate,
    "tags": damage_tags,
    "digits": flood_digits,
}


def mutate_docx_xml(rng: random.Random, data: bytes, mutation: Mutation) -> bytes:
    """A DOCX whose word/document.xml is mutated (the zip itself stays readable)."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(
                info.filename, mutation(rng, body) if info.filename == "word/document.xml" else body
            )
    return out.getvalue()


def mutants(count: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """`count` mutated reports, cycling through the samples and the mutations."""
    reports = sorted(samples().items())
    for index in range(count):
        rng = random.Random(seed * 1_000_003 + index)
        name, (data, _) = reports[index % len(reports)]
        kind, mutation = rng.choice(sorted(MUTATIONS.items()))
        if name.endswith(".docx") and rng.random() < 0.7:
            yield f"{index}-{name}-xml-{kind}", mutate_docx_xml(rng, data, mutation)
        else:
            yield f"{index}-{name}-{kind}", mutation(rng, data)
