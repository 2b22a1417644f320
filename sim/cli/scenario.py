"""Verbs on scenario files that run nothing: validate, schema, show (fast: no numpy, no engine)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ScenarioError
from .calibrate import add_calibration_option, calibration_overrides
from .options import Subparsers, add_set_option, formatter, load_checked, report_error

__all__ = ["add_schema", "add_show", "add_validate"]


def add_validate(sub: Subparsers) -> None:
    p = sub.add_parser(
        "validate",
        help="check scenario files and report every problem with file:line",
        description="Check scenario files: every problem is reported as FILE:LINE:COL: field: rule.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim validate scenarios/baseline.yaml\n"
        "  sim validate scenarios/*.yaml\n"
        "  sim validate scenarios/baseline.yaml --set actors.russia.patience=0.95\n",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML file(s)")
    add_set_option(p)
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for f in args.files:
        try:
            s = load_checked(f, args.overrides)
        except ScenarioError as e:
            failed = True
            report_error(e)
            continue
        sys.stdout.write(f"{f}: ok ({s.name})\n")
    return 2 if failed else 0


def add_schema(sub: Subparsers) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of the scenario language",
        description="Print the JSON Schema of the scenario language (for editors and linters).",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim schema > scenario.schema.json\n"
        "  # VS Code (YAML extension): first line of a scenario\n"
        "  # yaml-language-server: $schema=./scenario.schema.json\n",
    )
    p.set_defaults(func=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    from ..model.scenario.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0


def add_show(sub: Subparsers) -> None:
    p = sub.add_parser(
        "show",
        help="print the fully resolved scenario (extends and --set applied)",
        description="Print the fully resolved scenario as YAML, as 'sim run' runs it: bases "
        "merged, the calibration's structural numbers, overrides and defaults applied, each "
        "distribution followed by a comment with its mean and 90% range.",
        formatter_class=formatter,
        epilog="Examples:\n"
        "  sim show scenarios/us_walks_away.yaml\n"
        "  sim show scenarios/baseline.yaml --set pressures.sanctions.cost=0.0004\n"
        "  sim show scenarios/baseline.yaml --no-summary > resolved.yaml\n",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    add_set_option(p)
    add_calibration_option(p)
    p.add_argument(
        "--no-summary",
        dest="summarise",
        action="store_false",
        help="leave out the comments summarising each distribution",
    )
    p.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    from ..model.scenario.dump import dump_yaml
    from ..model.scenario.loader import calibration_of
    from ..output.headline import structural

    s = load_checked(args.file, calibration_overrides(args))  # what 'sim run' would run
    sys.stdout.write(f"# structural numbers: {structural(calibration_of(s))}\n")
    sys.stdout.write(dump_yaml(s, summarise=args.summarise))
    return 0
