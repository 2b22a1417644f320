"""The tutorial of docs/scenario-language.md (section 14) runs as it says.

Its YAML blocks, saved in order, are the valley war and the variant whose League threatens to
leave; the text's story is that the threat, carried out, takes away the only channel and so
costs ceasefires, and that a channel kept open (direct talks, or the League's return) wins most
of them back. Measured on common random numbers with the library's calibration, which every
command applies.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_comparative_statics import d_p

import sim

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario-language.md"
N = 4_000
Z = 3.0


def _files(folder: Path) -> tuple[Path, Path]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text[text.index("## 14. Tutorial") :], re.S)
    base, leave = folder / "vessa.yaml", folder / "leave.yaml"
    base.write_text("\n".join(blocks[:-1]), encoding="utf-8")
    leave.write_text(blocks[-1], encoding="utf-8")
    return base, leave


@pytest.mark.slow
def test_the_tutorials_threat_costs_ceasefires_and_an_open_channel_wins_them_back(tmp_path):
    base, leave = _files(tmp_path)
    lib = sim.library_calibration()

    def run(path: Path, *sets: str) -> sim.Results:
        return sim.run(sim.load_scenario(path, [*lib, *sets]), replicates=N, seed=1)

    calm, threat = run(base), run(leave)
    d, se = d_p(calm, threat)
    assert d < -Z * se  # the threat costs ceasefires (29 points in the text)
    assert float(threat.column("threats_fired").mean()) > 0.3  # it is carried out
    for channel in ("negotiation.direct=0.5", "actors.league.reengage_per_year=6"):
        d, se = d_p(threat, run(leave, channel))
        assert d > Z * se  # a channel kept open wins ceasefires back
