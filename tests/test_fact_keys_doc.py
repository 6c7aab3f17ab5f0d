"""docs/fact-keys.md is generated from the code and kept up to date."""

from __future__ import annotations

from pathlib import Path

from scripts.fact_keys_doc import DOC, main, render


def test_doc_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render(), "run .venv/bin/python scripts/fact_keys_doc.py"


def test_doc_names_keys_labels_units_and_identities():
    doc = render()
    assert "| `fees` | `amount` | 行政事业性收费 | 本年收费金额 | 第二十条第（八）项 | 万元 | 2021 |" in doc
    assert "| `licensing` | `decisions` | 行政许可 | 处理决定数量 | 第二十条第（五）项 |  | 2019 |" in doc
    assert "| `denied.state_secret` | 属于国家秘密 | （三）不予公开 | 2019, 2021 |" in doc
    assert "| `other.other` | 其他 | （六）其他处理 | 2021 |" in doc
    assert "| `natural_person` | 自然人 |  |" in doc
    assert "| `litigation_after_review` | 复议后起诉 | 行政诉讼 | 2019, 2021 |" in doc
    assert (
        "| `requests.balance[column]` | column of `requests` (7) "
        "| new_received + carried_over = total + carried_forward |"
    ) in doc
    assert "| `requests.row_total[row]` | row of `requests` (25; 23 with （六）其他处理 as one row) |" in doc


def test_check_fails_on_a_stale_doc_and_writing_fixes_it(tmp_path: Path):
    path = tmp_path / "fact-keys.md"
    path.write_text(render().replace("本年收费金额", "本年收费"), encoding="utf-8")
    assert main(["--check", str(path)]) == 1
    assert main([str(path)]) == 0
    assert main(["--check", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == render()
