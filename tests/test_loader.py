"""The YAML loader: marks, extends, overrides, YAML safety rules and the resolved dump."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
import yaml
from scenario_files import DATA, MINIMAL, TEXT, line_of

from sim.errors import ScenarioError
from sim.model.scenario.loader import (
    Mark,
    dump_yaml,
    load_scenario,
    load_tree,
    scenario_sha256,
    scenario_to_tree,
    set_path,
    validate_loaded,
)


def problems_of(source: object, overrides: object = None) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_scenario(source, overrides)  # type: ignore[arg-type]
    return [str(p) for p in e.value.problems]


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ----------------------------------------------------------------------------- good input


def test_minimal_scenario_loads_with_dates_and_distributions() -> None:
    s = load_scenario(MINIMAL)
    assert s.name == "Test war"
    assert s.start == dt.date(2025, 1, 1)
    assert s.horizon_days == 364
    assert s.actors["a"].patience.name == "truncnormal"  # type: ignore[union-attr]


def test_mapping_input_loads_like_the_file() -> None:
    tree = yaml.safe_load(TEXT)
    assert load_scenario(tree) == load_scenario(MINIMAL)


def test_mapping_errors_carry_the_field_path_but_no_file() -> None:
    tree = yaml.safe_load(TEXT)
    tree["actors"]["a"]["support"] = 2
    (msg,) = problems_of(tree)
    assert msg == "actors.a.support: must be in [0, 1] (got 2)"


def test_marks_point_at_each_value_line_and_column() -> None:
    _, marks = load_tree(MINIMAL)
    assert marks[("actors", "a", "support")] == Mark(
        str(MINIMAL), line_of(TEXT, "support: 0.6"), 14
    )
    assert marks[("sources", 1)].line == line_of(TEXT, "sources:")
    assert marks[("actors", "b")].line == line_of(TEXT, "  b:")


def test_yaml_12_rules_keep_on_a_key_and_read_exponents_as_numbers(tmp_path: Path) -> None:
    p = write(tmp_path, "name: t\non: yes\nx: 1e-3\ny: 2025-01-01\nz: True\n")
    tree, _ = load_tree(p)
    assert tree == {"name": "t", "on": "yes", "x": 0.001, "y": "2025-01-01", "z": True}


def test_merge_keys_copy_a_mapping_and_explicit_keys_win(tmp_path: Path) -> None:
    p = write(tmp_path, "name: t\nbase: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
    tree, marks = load_tree(p)
    assert tree["other"] == {"x": 1, "y": 3}
    assert marks[("other", "y")].line == 5


# ----------------------------------------------------------------------------- YAML safety


def test_python_tag_is_refused_at_its_line(tmp_path: Path) -> None:
    p = write(
        tmp_path, TEXT.replace("name: Test war", "name: !!python/object/apply:os.system [ls]")
    )
    msgs = problems_of(p)
    assert msgs == [
        f"{p}:{line_of(TEXT, 'name: Test war')}:7: name: "
        "tags are not allowed (got !!python/object/apply:os.system)"
    ]


def test_custom_local_tag_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, TEXT.replace("support: 0.6", "support: !secret 0.6"))
    (msg,) = problems_of(p)
    assert "tags are not allowed (got !secret)" in msg


def test_duplicate_key_is_reported_at_the_second_occurrence(tmp_path: Path) -> None:
    text = TEXT.replace("    support: 0.6\n", "    support: 0.6\n    support: 0.7\n")
    p = write(tmp_path, text)
    (msg,) = problems_of(p)
    first = line_of(text, "support: 0.6")
    assert msg.startswith(f"{p}:{first + 1}:5: actors.a.support: duplicate key 'support'")
    assert f"first given on line {first}" in msg


def test_billion_laughs_fails_fast(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    msgs = problems_of(DATA / "bad" / "billion_laughs.yaml")
    assert time.perf_counter() - t0 < 1.0
    assert len(msgs) == 1
    assert "alias expansion too large (billion-laughs style); refusing" in msgs[0]


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "a: &x [1, *x]\n")
    (msg,) = problems_of(p)
    assert "refers to itself" in msg


def test_too_many_aliases_are_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "a: &x 1\nb: [" + ", ".join(["*x"] * 1001) + "]\n")
    (msg,) = problems_of(p)
    assert "alias expansion too large" in msg


def test_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "# " + "x" * (5 * 1024 * 1024) + "\n")
    (msg,) = problems_of(p)
    assert msg.startswith(f"{p}: ") and "too large" in msg


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "nope.yaml"
    assert problems_of(p) == [f"{p}: no such file"]


def test_control_character_is_a_yaml_error_naming_the_file(tmp_path: Path) -> None:
    p = write(tmp_path, "name: a\x07b\n")
    (msg,) = problems_of(p)
    assert msg.startswith(f"{p}:1:8: YAML error") and "special characters" in msg


# ----------------------------------------------------------------------------- extends


def test_extends_merges_mappings_and_replaces_lists() -> None:
    s = load_scenario(DATA / "good" / "child.yaml")
    assert s.name == "Child war"
    assert s.actors["b"].support == 0.4  # type: ignore[union-attr]
    assert s.actors["b"].side == "B"  # type: ignore[union-attr]
    assert s.sources == ["three"]
    assert list(s.actors) == ["a", "b", "m"]  # the base's order is kept
    assert s.extends is None


def test_inherited_value_error_points_at_the_base_file(tmp_path: Path) -> None:
    write(tmp_path, TEXT.replace("support: 0.6", "support: 1.6"), "base.yaml")
    child = write(tmp_path, "extends: base.yaml\nname: Child\n", "child.yaml")
    (msg,) = problems_of(child)
    base = tmp_path / "base.yaml"
    assert (
        msg
        == f"{base}:{line_of(TEXT, 'support: 0.6')}:14: actors.a.support: must be in [0, 1] (got 1.6)"
    )


def test_overridden_value_error_points_at_the_child_file(tmp_path: Path) -> None:
    write(tmp_path, TEXT, "base.yaml")
    child = write(tmp_path, "extends: base.yaml\nactors:\n  a:\n    support: -1\n", "child.yaml")
    (msg,) = problems_of(child)
    assert msg.startswith(f"{child}:4:14: actors.a.support: must be in [0, 1]")


def test_extends_to_a_missing_file_points_at_the_extends_line(tmp_path: Path) -> None:
    child = write(tmp_path, "name: x\nextends: gone.yaml\n")
    (msg,) = problems_of(child)
    assert msg.startswith(f"{child}:2:10: extends: base scenario '")
    assert "gone.yaml' does not exist" in msg


def test_extends_cycle_lists_the_chain() -> None:
    a, b = DATA / "bad" / "cycle_a.yaml", DATA / "bad" / "cycle_b.yaml"
    (msg,) = problems_of(a)
    assert msg == f"{b}:1:10: extends: extends cycle: {a} -> {b} -> {a}"


def test_extends_of_itself_is_a_cycle(tmp_path: Path) -> None:
    p = write(tmp_path, "extends: s.yaml\nname: x\n")
    (msg,) = problems_of(p)
    assert "extends cycle" in msg


# ----------------------------------------------------------------------------- overrides


def test_set_strings_parse_values_as_yaml() -> None:
    s = load_scenario(
        MINIMAL,
        [
            "actors.a.support=0.25",
            "actors.b.capability={lognormal: [1, 0.2]}",
            "negotiation.talks_open=false",
            "sources=[x, y, z]",
        ],
    )
    a, b = s.actors["a"], s.actors["b"]
    assert a.support == 0.25  # type: ignore[union-attr]
    assert b.capability.lognormal == (1, 0.2)  # type: ignore[union-attr]
    assert s.negotiation.talks_open is False
    assert s.sources == ["x", "y", "z"]


def test_set_mapping_overrides_and_creates_known_sections() -> None:
    s = load_scenario(
        MINIMAL,
        {
            "pressures.learning.rate": 0.2,
            "actors.a.stalling.prior": 0.3,
            "actors.a.stalling.weeks": 4,
            "actors.a.stalling.premium": 0.1,
        },
    )
    assert s.pressures.learning.rate == 0.2
    assert s.actors["a"].stalling is not None  # type: ignore[union-attr]
    assert s.actors["a"].stalling.prior == 0.3  # type: ignore[union-attr]


def test_set_value_problem_says_it_came_from_the_command_line() -> None:
    (msg,) = problems_of(MINIMAL, ["actors.a.support=1.5"])
    assert msg == "--set: actors.a.support: must be in [0, 1] (got 1.5)"


def test_a_threat_delay_beyond_the_longest_horizon_is_refused_with_its_rule() -> None:
    """A delay of a billion days once passed validation and crashed the run where its date was
    written in the trace (a date past the year 9999); a span of days is at most the longest
    horizon, and a drawn one must fit inside it."""
    path = "scenarios/baseline.yaml"
    assert load_scenario(path, ["actors.united_states.threats.0.delay_days=36525"])
    (msg,) = problems_of(path, ["actors.united_states.threats.0.delay_days=1e9"])
    assert (
        msg
        == "--set: actors.united_states.threats.0.delay_days: must be in [0, 36525] (got 1000000000.0)"
    )
    (msg,) = problems_of(path, ["actors.united_states.threats.0.delay_days={uniform: [1, 4e4]}"])
    assert "support [1, 40000]); narrow its range" in msg
    (msg,) = problems_of(path, ["actors.united_states.threats.0.delay_days={normal: [5, 1]}"])
    assert "use a bounded one such as truncnormal" in msg


def test_set_unknown_actor_suggests_the_close_one() -> None:
    (msg,) = problems_of(MINIMAL, ["actors.aa.support=0.5"])
    assert msg.startswith("--set: actors.aa.support: no such path: 'aa' is not in actors")
    assert "did you mean 'a'?" in msg


def test_set_unknown_last_key_is_caught_by_validation() -> None:
    (msg,) = problems_of(MINIMAL, ["actors.a.supprt=0.5"])
    assert msg == "--set: actors.a.supprt: unknown key 'supprt' (did you mean 'support'?)"


def test_set_without_equals_is_a_usage_problem() -> None:
    (msg,) = problems_of(MINIMAL, ["actors.a.support"])
    assert msg == "--set: expected PATH=VALUE (got 'actors.a.support')"


def test_set_path_indexes_lists_and_rejects_out_of_range() -> None:
    tree, marks = load_tree(MINIMAL)
    set_path(tree, "sources.1", "changed", marks)
    assert tree["sources"] == ["one", "changed"]
    assert marks[("sources", 1)] == Mark("--set", None, None)
    with pytest.raises(ScenarioError, match="index 5 is out of range"):
        set_path(tree, "sources.5", "x")


def test_set_path_below_a_single_value_is_an_error() -> None:
    tree, _ = load_tree(MINIMAL)
    with pytest.raises(ScenarioError, match="is a single value"):
        set_path(tree, "actors.a.support.x", 1)


def test_sweep_style_revalidation_reports_the_set_origin() -> None:
    tree, marks = load_tree(MINIMAL)
    set_path(tree, "pressures.sanctions.level", 3, marks, origin="--vary")
    with pytest.raises(ScenarioError) as e:
        validate_loaded(tree, marks)
    assert str(e.value) == "--vary: pressures.sanctions.level: must be in [0, 1] (got 3)"


def test_extends_and_set_round_trip(tmp_path: Path) -> None:
    child = DATA / "good" / "child.yaml"
    s = load_scenario(child, ["sources=[four, five]", "actors.a.support=0.1"])
    assert s.sources == ["four", "five"]
    assert s.actors["a"].support == 0.1  # type: ignore[union-attr]
    assert s.actors["b"].support == 0.4  # type: ignore[union-attr]
    again = load_scenario(write(tmp_path, dump_yaml(s)))
    assert again == s


# ----------------------------------------------------------------------------- dumping


def test_dump_yaml_loads_back_to_an_equal_scenario(tmp_path: Path) -> None:
    s = load_scenario(MINIMAL)
    assert load_scenario(write(tmp_path, dump_yaml(s))) == s


def test_summarised_dump_comments_each_distribution_and_still_loads(tmp_path: Path) -> None:
    s = load_scenario(MINIMAL)
    text = dump_yaml(s, summarise=True)
    line = next(x for x in text.splitlines() if x.strip().startswith("patience: {truncnormal"))
    assert line.strip().startswith(
        "patience: {truncnormal: [0.98, 0.01, 0.9, 0.999]}  # mean 0.979"
    )
    assert "[p5 " in line and "p95 " in line
    assert text.count("  # mean") == 2
    assert load_scenario(write(tmp_path, text)) == s


def test_scenario_to_tree_is_json_and_drops_extends() -> None:
    s = load_scenario(DATA / "good" / "child.yaml")
    tree = scenario_to_tree(s)
    assert "extends" not in tree
    assert json.loads(json.dumps(tree)) == tree


def test_sha256_is_stable_and_tracks_values() -> None:
    s = load_scenario(MINIMAL)
    assert scenario_sha256(s) == scenario_sha256(load_scenario(MINIMAL))
    assert len(scenario_sha256(s)) == 64
    assert scenario_sha256(s) != scenario_sha256(load_scenario(MINIMAL, ["actors.a.support=0.5"]))


def test_a_variant_distribution_replaces_the_base_distribution_instead_of_merging(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(MINIMAL_FOR_MERGE)
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nactors:\n  a:\n    support: {beta: [2, 5]}\n")
    s = load_scenario(child)
    assert s.actors["a"].support.beta == (2, 5)  # type: ignore[union-attr]


def test_fixing_a_correlated_input_with_set_drops_its_correlation(tmp_path):
    f = tmp_path / "corr.yaml"
    f.write_text(
        MINIMAL_FOR_MERGE
        + "correlations:\n  - between: [actors.a.support, actors.b.support]\n    rank: 0.5\n"
    )
    assert len(load_scenario(f).correlations) == 1
    s = load_scenario(f, ["actors.a.support=0.4"])
    assert s.correlations == []
    assert s.actors["a"].support == 0.4  # type: ignore[union-attr]


MINIMAL_FOR_MERGE = """\
name: merge test
start: 2025-01-01
horizon: 30
issues:
  x: {range: [0, 1]}
actors:
  a:
    role: belligerent
    side: A
    ideal: {x: 0}
    salience: {x: 1}
    support: {pert: [0.2, 0.5, 0.8]}
  b:
    role: belligerent
    side: B
    ideal: {x: 1}
    salience: {x: 1}
    support: {uniform: [0.3, 0.6]}
"""


def test_correlations_that_cannot_hold_together_are_refused_and_ones_that_can_pass(tmp_path):
    # a~b and b~c strongly positive but a~c strongly negative: no joint distribution has them.
    three = (
        "correlations:\n"
        "  - between: [actors.a.patience, actors.b.optimism]\n    rank: {r1}\n"
        "  - between: [actors.b.optimism, actors.a.support]\n    rank: {r2}\n"
        "  - between: [actors.a.patience, actors.a.support]\n    rank: {r3}\n"
    )
    body = MINIMAL.read_text().replace("support: 0.6", "support: {beta: [6, 4]}")
    bad = tmp_path / "bad.yaml"
    bad.write_text(body + three.format(r1=0.9, r2=0.9, r3=-0.9))
    with pytest.raises(ScenarioError, match="not positive definite"):
        load_scenario(bad)
    good = tmp_path / "good.yaml"
    good.write_text(body + three.format(r1=0.5, r2=0.5, r3=0.2))
    assert len(load_scenario(good).correlations) == 3


def test_the_pure_python_definiteness_check_agrees_with_the_eigenvalues():
    import numpy as np

    from sim.model.scenario.correlation_checks import positive_definite

    rng = np.random.default_rng(3)
    for _ in range(500):
        n = int(rng.integers(2, 7))
        a = rng.uniform(-1, 1, (n, n))
        m = (a + a.T) / 2
        np.fill_diagonal(m, 1.0)
        low = np.linalg.eigvalsh(m).min()
        if abs(low) > 1e-8:  # clear of the tolerance
            assert positive_definite(m.tolist()) == (low > 0)
