"""The validate, schema and show verbs: one located line per problem, exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_files import DATA, MINIMAL, TEXT, line_of

from sim.cli import main
from sim.model.scenario.calibration import library_calibration
from sim.model.scenario.loader import load_scenario

LIBRARY = library_calibration()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def edited(tmp_path: Path, old: str, new: str, name: str = "s.yaml") -> tuple[Path, str]:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p, text


def bad(
    capsys: pytest.CaptureFixture[str], path: Path, line: int, *needles: str, count: int = 1
) -> list[str]:
    """Validate ``path``: exit 2, ``count`` problem lines, the first at ``path:line`` with ``needles``."""
    rc, out, err = run(capsys, "validate", str(path))
    lines = err.splitlines()
    assert rc == 2
    assert out == ""
    assert "Traceback" not in err
    assert len(lines) == count, err
    assert lines[0].startswith(f"{path}:{line}:"), lines[0]
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines


# ----------------------------------------------------------------------------- good input


def test_valid_files_print_ok_with_the_scenario_name(capsys: pytest.CaptureFixture[str]) -> None:
    child = DATA / "good" / "child.yaml"
    rc, out, err = run(capsys, "validate", str(MINIMAL), str(child))
    assert rc == 0
    assert err == ""
    assert out.splitlines() == [f"{MINIMAL}: ok (Test war)", f"{child}: ok (Child war)"]


def test_one_bad_file_among_good_ones_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    p, _ = edited(tmp_path, "support: 0.6", "support: 7")
    rc, out, err = run(capsys, "validate", str(MINIMAL), str(p))
    assert rc == 2
    assert out == f"{MINIMAL}: ok (Test war)\n"
    assert err.startswith(f"{p}:")


def test_set_fixes_a_bad_value(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, _ = edited(tmp_path, "support: 0.6", "support: 7")
    rc, out, _ = run(capsys, "validate", str(p), "--set", "actors.a.support=0.5")
    assert rc == 0
    assert out == f"{p}: ok (Test war)\n"


def test_set_bad_value_is_reported_as_coming_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, _, err = run(capsys, "validate", str(MINIMAL), "--set", "round_days=-1")
    assert rc == 2
    assert err == "--set: round_days: must be > 0 (got -1)\n"


# ----------------------------------------------------------------------------- YAML layer


def test_empty_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "empty.yaml"
    p.write_text("# nothing here\n", encoding="utf-8")
    bad(capsys, p, 1, "the file is empty")


def test_yaml_syntax_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "    support: 0.6", "    support: [0.6")
    lines = bad(capsys, p, line_of(text, "  b:"), "YAML syntax error")
    assert "expected ',' or ']'" in lines[0]


def test_top_level_not_a_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "list.yaml"
    p.write_text("- name: x\n- name: y\n", encoding="utf-8")
    bad(capsys, p, 1, "the scenario must be a mapping", "(got a list)")


def test_duplicate_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "round_days: 7", "round_days: 7\nround_days: 14")
    bad(capsys, p, line_of(text, "round_days: 14"), "round_days: duplicate key 'round_days'")


def test_python_object_tag(capsys: pytest.CaptureFixture[str]) -> None:
    p = DATA / "bad" / "python_tag.yaml"
    lines = bad(
        capsys, p, 1, "name: tags are not allowed (got !!python/object/apply:os.system)", count=4
    )
    assert all("required key is missing" in x for x in lines[1:])


def test_alias_bomb(capsys: pytest.CaptureFixture[str]) -> None:
    p = DATA / "bad" / "billion_laughs.yaml"
    bad(capsys, p, 2, "alias expansion too large (billion-laughs style); refusing")


def test_directory_as_scenario(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "validate", str(tmp_path))
    assert rc == 2
    assert err == f"{tmp_path}: the file is a directory, not a scenario file\n"


def test_non_utf8_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "latin1.yaml"
    p.write_bytes("name: Test war\ndescription: caf\xe9\n".encode("latin-1"))
    bad(capsys, p, 2, "is not UTF-8 text (byte 0xe9")


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "validate", str(tmp_path / "gone.yaml"))
    assert rc == 2
    assert err == f"{tmp_path / 'gone.yaml'}: no such file\n"


# ----------------------------------------------------------------------------- schema rules


def test_unknown_key_nested_with_did_you_mean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    p, text = edited(tmp_path, "    support: 0.6", "    support: 0.6\n    patince: 0.9")
    bad(
        capsys,
        p,
        line_of(text, "patince"),
        ":5: actors.a.patince: unknown key 'patince' (did you mean 'patience'?)",
    )


def test_unknown_top_level_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "round_days: 7", "round_days: 7\nhorizn: 3")
    bad(
        capsys, p, line_of(text, "horizn"), "horizn: unknown key 'horizn' (did you mean 'horizon'?)"
    )


def test_missing_required_key_points_at_the_parent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    p, text = edited(tmp_path, "    side: B\n", "")
    bad(capsys, p, line_of(text, "  b:"), "actors.b.side: required key is missing")


def test_wrong_type(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "round_days: 7", "round_days: weekly")
    bad(capsys, p, line_of(text, "round_days"), "round_days: expected an integer (got 'weekly')")


@pytest.mark.parametrize("value", [".nan", "1e400", "-.inf"])
def test_non_finite_number(capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str) -> None:
    p, text = edited(tmp_path, "support: 0.6", f"support: {value}")
    bad(capsys, p, line_of(text, "support:"), "actors.a.support: must be a finite number")


def test_invalid_date(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "horizon: 2025-12-31", "horizon: 2025-02-30")
    bad(
        capsys,
        p,
        line_of(text, "horizon"),
        "horizon: not a valid date (day value is outside expected range)",
        "(got '2025-02-30')",
    )


def test_horizon_before_start(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "horizon: 2025-12-31", "horizon: 2024-12-31")
    bad(capsys, p, line_of(text, "horizon"), "horizon: horizon must be after start (2025-01-01)")


@pytest.mark.parametrize("value", ["0", "-7"])
def test_round_days_not_positive(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str
) -> None:
    p, text = edited(tmp_path, "round_days: 7", f"round_days: {value}")
    bad(capsys, p, line_of(text, "round_days"), f"round_days: must be > 0 (got {value})")


def test_distribution_with_wrong_arity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "[0.98, 0.01, 0.9, 0.999]", "[0.98, 0.01]")
    bad(
        capsys,
        p,
        line_of(text, "truncnormal"),
        "actors.a.patience: truncnormal takes 4 parameters [mean, sd, lo, hi]",
        "(got [0.98, 0.01])",
    )


def test_distribution_with_unknown_name(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "{truncnormal: [0.98", "{truncnorm: [0.98")
    bad(
        capsys,
        p,
        line_of(text, "truncnorm"),
        "actors.a.patience: unknown distribution 'truncnorm' (did you mean 'truncnormal'?)",
    )


def test_distribution_with_invalid_parameters(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    p, text = edited(tmp_path, "[0.1, 0.05, -0.5, 0.5]", "[0.1, -0.05, -0.5, 0.5]")
    bad(capsys, p, line_of(text, "-0.05"), "actors.b.optimism", "truncnormal sd must be > 0")


def test_probability_outside_unit_interval(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    p, text = edited(tmp_path, "level: 0.3", "level: 1.3")
    bad(capsys, p, line_of(text, "level"), "pressures.sanctions.level: must be in [0, 1] (got 1.3)")


def test_reference_to_unknown_actor(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "{target: b,", "{target: bb,")
    bad(
        capsys,
        p,
        line_of(text, "target: bb"),
        "pressures.sanctions.target: unknown belligerent 'bb' (did you mean 'b'?)",
    )


def test_reference_to_unknown_issue(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "salience: {territory: 0.5,", "salience: {teritory: 0.5,")
    lines = bad(
        capsys,
        p,
        line_of(text, "teritory"),
        "actors.b.salience.teritory: unknown issue 'teritory' (did you mean 'territory'?)",
    )
    column = text.splitlines()[line_of(text, "teritory") - 1].index("teritory") + 1
    assert lines[0].split(":")[2] == str(column)  # the key, not its value


def test_value_outside_issue_range(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "ideal: {territory: 30,", "ideal: {territory: 45,")
    bad(
        capsys,
        p,
        line_of(text, "territory: 45"),
        "actors.b.ideal.territory: outside issue 'territory' range [0, 30] (got 45)",
    )


def test_two_belligerents_on_one_side(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, text = edited(tmp_path, "    side: B", "    side: A")
    lines = bad(
        capsys, p, line_of(text, "actors:"), "exactly one belligerent with side: A", count=2
    )
    assert "(found a, b)" in lines[0]
    assert "side: B (found none)" in lines[1]


def test_extends_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "child.yaml"
    p.write_text("name: Child\nextends: base/missing.yaml\n", encoding="utf-8")
    bad(capsys, p, 2, "extends: base scenario '", "missing.yaml' does not exist")


def test_extends_cycle(capsys: pytest.CaptureFixture[str]) -> None:
    a, b = DATA / "bad" / "cycle_a.yaml", DATA / "bad" / "cycle_b.yaml"
    rc, _, err = run(capsys, "validate", str(a))
    assert rc == 2
    assert err == f"{b}:1:10: extends: extends cycle: {a} -> {b} -> {a}\n"


def test_every_problem_of_a_file_is_reported_in_one_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (
        TEXT.replace("support: 0.6", "support: 1.6")
        .replace("round_days: 7", "round_days: 0")
        .replace("level: 0.3", "level: -1")
    )
    p = tmp_path / "many.yaml"
    p.write_text(text, encoding="utf-8")
    rc, _, err = run(capsys, "validate", str(p))
    assert rc == 2
    paths = sorted(line.split(": ")[1] for line in err.splitlines())
    assert paths == ["actors.a.support", "pressures.sanctions.level", "round_days"]


# ----------------------------------------------------------------------------- schema and show


def test_schema_is_valid_json_describing_actors(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "schema")
    assert rc == 0
    doc = json.loads(out)
    assert doc["$schema"].startswith("https://json-schema.org/")
    assert doc["title"] == "sim scenario"
    assert "actors" in doc["properties"]
    assert "required" in doc and "name" in doc["required"]


def test_show_prints_resolved_yaml_that_loads_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    child = DATA / "good" / "child.yaml"
    rc, out, _ = run(capsys, "show", str(child), "--set", "actors.a.support=0.2")
    assert rc == 0
    assert "extends" not in out
    assert "# mean " in out
    p = tmp_path / "shown.yaml"
    p.write_text(out, encoding="utf-8")
    # what 'sim run' runs: the library's calibration, then --set
    assert load_scenario(p) == load_scenario(child, [*LIBRARY, "actors.a.support=0.2"])
    assert out.startswith(f"# structural numbers: {len(LIBRARY)} from the calibration ")
    rc, out, _ = run(capsys, "show", str(child), "--calibration", "none")
    assert out.startswith("# structural numbers: the model's defaults (no calibration)\n")
    p.write_text(out, encoding="utf-8")
    assert load_scenario(p) == load_scenario(child)


def test_show_of_a_bad_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p, _ = edited(tmp_path, "support: 0.6", "support: 7")
    rc, out, err = run(capsys, "show", str(p))
    assert rc == 2
    assert out == ""
    assert err.startswith(f"{p}:")


def test_python_m_sim_validate_behaves_the_same(tmp_path: Path) -> None:
    p, text = edited(tmp_path, "support: 0.6", "support: 7")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    r = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(p)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert r.returncode == 2
    assert (
        r.stderr
        == f"{p}:{line_of(text, 'support')}:14: actors.a.support: must be in [0, 1] (got 7)\n"
    )
