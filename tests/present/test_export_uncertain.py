"""Uncertain values in the exports: the range of 95% of a value's draws (checked against
scipy's quantiles and closed forms), which persona's task or label it marks, a scenario
that sets a path making it certain, and the ``export`` command (Mermaid, DOT, JSON)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from scipy import stats

import cxdsl
from cxdsl.present import export
from support import CASES_DIR, invoke, invoke_json, write

SPEC = CASES_DIR / "export" / "uncertain.cxj"


def pct(x: float) -> str:
    return f"{x * 100:.3g}%"


def test_the_range_is_the_middle_95_percent_of_the_draws():
    model = cxdsl.load(SPEC)
    lo, hi = export.uncertain_range(model, "demo_glitch", "p", "smb")
    assert (lo, hi) == pytest.approx(tuple(stats.beta.ppf([0.025, 0.975], 3, 57)), rel=1e-9)
    # triangular(1, 2, 3): F(x) = (x - 1)^2 / 2 below the mode
    lo, hi = export.uncertain_range(model, "recovery", "impact")
    assert (lo, hi) == pytest.approx((1 + 0.05 ** 0.5, 3 - 0.05 ** 0.5))
    assert export.uncertain_range(model, "Convert", "advance", "enterprise") == \
        pytest.approx((0.3025, 0.3975))
    # only smb's glitch rate is uncertain; the follow-up is certain
    assert export.uncertain_range(model, "demo_glitch", "p", "enterprise") is None
    assert export.uncertain_range(model, "followup", "p", "smb") is None


def test_mermaid_marks_the_persona_whose_value_is_uncertain():
    text = export.to_mermaid(cxdsl.load(SPEC))
    lo, hi = stats.beta.ppf([0.025, 0.975], 3, 57)
    assert f"      Demo glitch (5%, uncertain {pct(lo)}–{pct(hi)}): 1: Small business\n" in text
    assert "      Demo glitch (2%): 1: Enterprise\n" in text
    # p = 100% is shown when it is uncertain, and an uncertain impact with its range
    r_lo, r_hi = stats.beta.ppf([0.025, 0.975], 18, 2)
    assert (f"Instant recovery (100%, uncertain {pct(r_lo)}–{pct(r_hi)}, impact uncertain "
            f"+{1 + 0.05 ** 0.5:.3g}–+{3 - 0.05 ** 0.5:.3g}): 5:") in text
    assert "    section Evaluation (advance uncertain 30.2%–39.8%, slope uncertain" in text
    assert "followup (20%): 2:" in text


def test_dot_labels_carry_the_ranges_and_a_dashed_border():
    text = export.to_dot(cxdsl.load(SPEC))
    lo, hi = stats.beta.ppf([0.025, 0.975], 3, 57)
    glitch = next(ln for ln in text.splitlines() if ln.strip().startswith("e_demo_glitch ["))
    assert f"smb 5% ({pct(lo)}–{pct(hi)})\\nenterprise 2%\\n" in glitch
    assert 'style="rounded,filled,dashed"' in glitch
    followup = next(ln for ln in text.splitlines() if ln.strip().startswith("e_followup ["))
    assert "dashed" not in followup
    assert 'label="advance 35% (30.2%–39.8%)\\nslope 0.4 (' in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_with_uncertain_values_renders():
    proc = subprocess.run(["dot", "-Tsvg"], input=export.to_dot(cxdsl.load(SPEC)),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "1.06%" in proc.stdout


JOURNEY = ("persona smb share=1 baseline=7\npersona ent share=1 baseline=8\n"
           "stage S advance=50%\nstage T\nevent e p=5% impact=-3 at S\n"
           "uncertain e.p ~ beta(3, 57)\nuncertain S.advance[ent] ~ uniform(40%, 60%)\n"
           "scenario fix_smb {\n  e.p[smb] = 1%\n}\nscenario fix_all {\n  e.p = 1%\n"
           "  S.advance = 70%\n}\nscenario drop {\n  remove e\n}\n")


def test_a_scenario_that_sets_a_path_makes_it_certain():
    model = cxdsl.loads(JOURNEY)
    fix_smb = export.with_scenario(model, "fix_smb")
    assert export.uncertain_range(fix_smb, "e", "p", "smb") is None
    assert export.uncertain_range(fix_smb, "e", "p", "ent") == pytest.approx(
        tuple(stats.beta.ppf([0.025, 0.975], 3, 57)))
    fix_all = export.with_scenario(model, "fix_all")
    assert fix_all.uncertain == ()
    assert [str(u.path) for u in export.with_scenario(model, "drop").uncertain] == \
        ["S.advance[ent]"]
    assert export.with_scenario(model, None) is model


def test_command_exports_a_scenario_with_its_certain_paths(tmp_path):
    spec = write(tmp_path, "u.cxj", JOURNEY)
    res = invoke("export", str(spec), "--to", "mermaid", "--scenario", "fix_smb")
    assert res.exit_code == 0, res.output
    assert "e (1%): 1: smb" in res.output
    assert "e (5%, uncertain" in res.output and ": 1: ent" in res.output
    res = invoke("export", str(spec), "--to", "dot", "--scenario", "fix_all")
    assert res.exit_code == 0 and "uncertain" not in res.output and "–" not in res.output


def test_command_json_of_a_forecast_has_worlds_and_forecast_intervals(tmp_path):
    spec = write(tmp_path, "u.cxj", "persona a share=1 baseline=9\nstage S\n"
                 "event e p=5% impact=-3 at S\nsurvey all at S\nworlds 40\n"
                 "uncertain e.p ~ beta(3, 57)\n")
    doc = invoke_json("export", str(spec), "--to", "json", "--engine", "exact")
    assert doc["manifest"]["worlds"] == 40
    lo, hi = doc["overall"]["nps"]["forecast95"]
    # NPS in a world is 100 × (1 − 2p); 40 worlds spread over most of beta(3, 57)'s range
    p_lo, p_hi = stats.beta.ppf([0.025, 0.975], 3, 57)
    assert 100 * (1 - 2 * p_hi) - 3 < lo < hi < 100 * (1 - 2 * p_lo) + 3
