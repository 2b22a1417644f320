"""One formatter per kind of number, and terminal tables at most 100 columns wide."""

from __future__ import annotations

import pytest

from sim.model.scenario.loader import load_scenario
from sim.output.formats import count, days, ess, probability, score, text_table, value
from sim.output.labels import Vocabulary


@pytest.mark.parametrize(
    ("x", "unit", "text"),
    [
        (0.000217, "", "0.000217"),
        (5.54e-05, "utility per round", "0.0000554 utility per round"),
        (12952.3, "", "12,952"),
        (0.502, "", "0.502"),
        (2.0, "days", "2 days"),
        (0.0, "", "0"),
        (float("nan"), "", "—"),
    ],
)
def test_a_value_is_plain_decimals_with_its_unit_never_an_exponent(x, unit, text):
    assert value(x, unit) == text


def test_each_kind_has_its_format():
    assert score(1.23e-32) == "0.000"  # a Brier score, not "1.23e-32"
    assert score(-1e-9) == "0.000" and score(0.1234, 2) == "0.12"
    assert ess(3480.4) == "3,480"  # not "3.48e+03"
    assert count(7.0) == "7" and count(None) == "—"
    assert days(164.25) == "164 days" and days(1) == "1 day"
    assert probability(0.2013) == "20.1%" and probability(0.2013, 0) == "20%"


def test_a_terminal_table_fits_100_columns_and_abbreviates_only_text():
    rows = [
        {"input": "United States: threat 'reconsider our role as mediator if either side "
                  "obstructs' credibility (probability)", "mu": 0.5},
        {"input": "Russia: patience", "mu": 12345.678},
    ]  # fmt: skip
    t = text_table(rows, {"input": lambda r: r["input"], "μ* (pts)": lambda r: value(r["mu"])})
    lines = t.splitlines()
    assert max(map(len, lines)) <= 100
    assert lines[1].startswith("United States: threat") and "…" in lines[1]  # left-aligned
    assert lines[2].startswith("Russia: patience ")  # a long label does not push it right
    assert lines[2].endswith("12,346") and lines[1].endswith("0.5")  # numbers whole, right


def test_a_red_line_reads_by_its_issue_and_limit_not_its_index():
    v = Vocabulary.from_scenario(load_scenario("scenarios/baseline.yaml"))
    assert v.label("actors.russia.red_lines.1.penalty") == (
        "Russia: red line 'territory below 22.5' penalty"
    )
    assert v.label("actors.ukraine.red_lines.1.penalty") == (
        "Ukraine: red line 'territory above front + 0.3' penalty"
    )
    assert v.unit("actors.russia.red_lines.1.penalty") == "utility"
    assert v.unit("pressures.sanctions.cost") == "utility per round"
