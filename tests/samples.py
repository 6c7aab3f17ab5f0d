"""The project's own sample reports: hand-written fixtures with truth, and mirror-generated reports.

tests/fixtures holds reports written for the tests in the shapes real reports are published in,
each with a truth file (`<name>.json`, the format of mirror.report_spec.load_truth):

- zhongmu-2023.txt: 2021 template as text copied from a browser (tabs, merged cells left empty,
  a row that lost its leading cells); consistent, 200 facts.
- huojia-2022.txt: the same kind of copy whose result rows lost a cell (six numbers for seven
  columns): the identities place them.
- guangshan-2022.txt: a PDF text layer (rows wrapped with their numbers before their label, a
  vertical group label, page footers, a label that lost characters, （六）其他处理 as one row);
  table 四 prints totals of 0 while their parts are not: a source inconsistency.
- kaifeng-2024.json: facts only (a city office, large numbers in many columns), printed by the
  mirror's renderers.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from mirror.generate import generate_report
from mirror.report_spec import ReportSpec, load_truth
from pipelines.schema import FORMAT_2021
from tests.roundtrip import FORMS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ZHONGMU = FIXTURES / "zhongmu-2023.txt"
HUOJIA = FIXTURES / "huojia-2022.txt"
GUANGSHAN = FIXTURES / "guangshan-2022.txt"
ZHONGMU_TEXT = ZHONGMU.read_text(encoding="utf-8")


def truth_path(name: str) -> Path:
    return FIXTURES / f"{name}.json"


def fixture_spec(name: str) -> ReportSpec:
    return load_truth(truth_path(name))


# file name, agency, year, form: mirror-generated reports beside zhongmu-2023.txt in `write_samples`
GENERATED = (
    ("lankao-2021.html", "兰考县人民政府", 2021, "html-gbk"),
    ("luoyang-finance-2022.docx", "洛阳市财政局", 2022, "docx"),
    ("xihua-chengguan-2024.md", "西华县城关镇人民政府", 2024, "markdown"),
    ("xinxiang-environment-2024.txt", "新乡市生态环境局", 2024, "text-pdf-kangxi"),
)


@cache
def samples() -> dict[str, tuple[bytes, ReportSpec]]:
    """file name -> (bytes, the facts they print): five 2021 reports of 200 facts, all consistent."""
    reports = {ZHONGMU.name: (ZHONGMU.read_bytes(), fixture_spec("zhongmu-2023"))}
    for index, (name, agency, year, form) in enumerate(GENERATED):
        spec = generate_report(random.Random(index), agency=agency, year=year, fmt=FORMAT_2021)
        reports[name] = (FORMS[form](spec), spec)
    return reports


def write_samples(target: Path) -> None:
    """The five sample reports as files in `target` (created)."""
    target.mkdir()
    for name, (body, _) in samples().items():
        (target / name).write_bytes(body)
