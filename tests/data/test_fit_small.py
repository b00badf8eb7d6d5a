"""Hand-checked fits of small tables: conjugate posteriors, noise-free impacts, the written
spec, too few rows, inconsistent rows, and the quality statistics."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from scipy import stats

from cxdsl.data.fit import fit_table
from cxdsl.data.fit_events import NO_COLUMN
from cxdsl.data.fit_quality import fitted_from, g_test, quality
from cxdsl.data.fitted_spec import fitted_text
from cxdsl.data.table import NO_ANSWER, RespondentTable
from cxdsl.lang import parser
from cxdsl.lang.api import check_text
from cxdsl.lang.printer import comment_texts, format_module


def unaligned(text: str) -> str:
    """``text`` with the canonical layout's padding before ``~`` in uncertain lines
    removed."""
    return re.sub(r" +~ ", " ~ ", text)


def table(model, persona, reached, happened, answers, inconsistent=None) -> RespondentTable:
    """A table of ``model`` from lists: persona names, reached stage names, per-row event
    flags (1/0/-1) and per-row answers (None: blank)."""
    n = len(persona)
    E, S = len(model.events), len(model.all_surveys)
    return RespondentTable(
        source="<hand>", personas=tuple(p.name for p in model.personas),
        stages=tuple(s.name for s in model.stages), events=tuple(e.name for e in model.events),
        surveys=tuple(s.name for s in model.all_surveys),
        persona=np.array([model.persona_index(p) for p in persona], dtype=np.int32),
        reached=np.array([model.stage_index(r) for r in reached], dtype=np.int32),
        happened=np.array(happened, dtype=np.int8).reshape(n, E),
        answer=np.array([[NO_ANSWER if a is None else a for a in row] for row in answers],
                        dtype=np.int32).reshape(n, S),
        row=np.arange(2, n + 2), has_event=(True,) * E, has_survey=(True,) * S,
        inconsistent=np.zeros(n, dtype=bool) if inconsistent is None
        else np.array(inconsistent))


GLITCH = """\
persona enterprise share=30% baseline=8
persona smb        share=70% baseline=7
stage Convert advance=50%
stage Close
# the demo may stop
event demo_glitch p=5% at Convert  # about one in twenty
  for enterprise p=2%
"""


def test_three_glitches_in_sixty_demos_give_beta_4_58():
    comp = check_text(GLITCH)
    m = comp.model
    rows = 60
    t = table(m, ["smb"] * rows, ["Convert"] * rows, [[int(i < 3)] for i in range(rows)],
              [[None]] * rows)
    fit = fit_table(m, t, comp.module)
    v = fit.value("demo_glitch.p[smb]")
    assert v.posterior.text() == "beta(4, 58)"
    assert v.fitted == pytest.approx(4 / 62)
    assert v.ci95 == pytest.approx(tuple(stats.beta(4, 58).ppf([0.025, 0.975])))
    assert v.rows == 60 and not v.outside
    assert not fit.value("demo_glitch.p[enterprise]").informed
    text = fitted_text(fit, GLITCH)
    assert "uncertain demo_glitch.p[smb] ~ beta(4, 58)  # fitted from 60 rows" in text
    assert "event demo_glitch p=6.45% at Convert  # about one in twenty" in text
    assert "  for enterprise p=2%" in text  # not informed: kept
    # the share of smb: 60 of 60 rows, Dirichlet(1 + 0, 1 + 60)
    assert fit.value("smb.share").posterior.text() == "beta(61, 1)"


NOISE_FREE = """\
scale 0..10
persona a share=1 baseline=7
stage S advance=50%
stage T
survey asked at S
event good p=50% impact=+2 at S
event bad p=50% impact=-1 at S
"""


def test_an_impact_without_noise_is_recovered_exactly():
    comp = check_text(NOISE_FREE)
    m = comp.model
    # baseline 8, good +1, bad -3, every answer exact (baseline sd 0)
    patterns = [((0, 0), 8, 10), ((1, 0), 9, 7), ((0, 1), 5, 6), ((1, 1), 6, 4)]
    persona, reached, happened, answers = [], [], [], []
    for flags, answer, count in patterns:
        persona += ["a"] * count
        reached += ["S"] * count
        happened += [list(flags)] * count
        answers += [[answer]] * count
    fit = fit_table(m, table(m, persona, reached, happened, answers), comp.module)
    assert fit.value("good.impact").fitted == pytest.approx(1.0, abs=1e-12)
    assert fit.value("bad.impact").fitted == pytest.approx(-3.0, abs=1e-12)
    assert fit.value("a.baseline").fitted == pytest.approx(8.0, abs=1e-12)
    assert fit.value("a.baseline.sd").fitted == 0.0
    text = fitted_text(fit, NOISE_FREE)
    assert "persona a share=1 baseline=8" in text
    assert "event bad p=" in text and "impact=-3 at S" in text


def test_too_few_rows_keep_every_value_with_a_warning():
    comp = check_text(GLITCH)
    fit = fit_table(comp.model, table(comp.model, [], [], [], []), comp.module)
    assert fit.values and not any(v.informed for v in fit.values)
    assert len(fit.warnings) == len(fit.values)
    assert all(w.endswith("the spec's value is kept") for w in fit.warnings)
    module = parser.parse(GLITCH)
    assert fitted_text(fit, GLITCH) == format_module(module, GLITCH)


def test_inconsistent_rows_are_left_out_and_counted():
    comp = check_text(GLITCH)
    m = comp.model
    rows = [("smb", "Convert", 1), ("smb", "Convert", 0), ("smb", "Close", 0),
            ("enterprise", "Convert", 1)]
    flags = [False, False, False, True]
    full = table(m, [r[0] for r in rows], [r[1] for r in rows], [[r[2]] for r in rows],
                 [[None]] * 4, flags)
    kept = table(m, [r[0] for r in rows[:3]], [r[1] for r in rows[:3]],
                 [[r[2]] for r in rows[:3]], [[None]] * 3)
    a, b = fit_table(m, full, comp.module), fit_table(m, kept, comp.module)
    assert (a.rows, a.used, a.inconsistent) == (4, 3, 1)
    assert [(v.path, v.fitted, v.rows) for v in a.values] == \
        [(v.path, v.fitted, v.rows) for v in b.values]
    assert a.value("Convert.advance").posterior.text() == "beta(2, 3)"


def test_the_fitted_spec_keeps_comments_and_replaces_uncertain_lines():
    text = GLITCH + "uncertain demo_glitch.p[smb] ~ beta(3, 57)  # the old guess\n" \
                    "uncertain demo_glitch.p[enterprise] ~ beta(2, 98)\n"
    comp = check_text(text)
    m = comp.model
    t = table(m, ["smb"] * 10, ["Close"] * 10, [[0]] * 10, [[None]] * 10)
    written = fitted_text(fit_table(m, t, comp.module), text)
    out = unaligned(written)
    assert "beta(3, 57)" not in out and "# the old guess" not in out
    assert "uncertain demo_glitch.p[enterprise] ~ beta(2, 98)" in out  # not fitted: kept
    assert "uncertain demo_glitch.p[smb] ~ beta(1, 11)  # fitted from 10 rows" in out
    assert "uncertain Convert.advance ~ beta(11, 1)" in out
    original = [c for c in comment_texts(text) if "old guess" not in c[0]]
    assert all(c in comment_texts(written) for c in original)
    assert check_text(written).ok
    assert format_module(parser.parse(written), written) == written


def test_g_statistic_and_merging():
    obs = np.array([30.0, 50.0, 20.0])
    exp = np.array([25.0, 50.0, 25.0])
    g, dof, p = g_test(obs, exp)
    want = stats.power_divergence(obs, exp, lambda_="log-likelihood")
    assert (g, dof, p) == pytest.approx((want.statistic, 2, want.pvalue))
    # the sparse end merges into its neighbour towards the middle
    g, dof, p = g_test(np.array([1.0, 9.0, 50.0, 40.0]), np.array([2.0, 8.0, 50.0, 40.0]))
    want = stats.power_divergence([10.0, 50.0, 40.0], [10.0, 50.0, 40.0],
                                  lambda_="log-likelihood")
    assert (g, dof) == pytest.approx((want.statistic, 2))


def test_the_degrees_of_freedom_subtract_the_values_fitted_from_the_answers():
    obs = np.array([30.0, 50.0, 20.0])
    exp = np.array([25.0, 50.0, 25.0])
    g, dof, p = g_test(obs, exp, fitted=1)
    want = stats.power_divergence(obs, exp, lambda_="log-likelihood", ddof=1)
    assert (g, dof, p) == pytest.approx((want.statistic, 1, want.pvalue))
    g, dof, p = g_test(obs, exp, fitted=2)  # nothing left to test
    assert (dof, p) == (None, None) and g == pytest.approx(want.statistic)
    # the answers of NOISE_FREE's patterns inform a's baseline, its spread, good and bad
    comp = check_text(NOISE_FREE)
    m = comp.model
    patterns = [((0, 0), 8, 10), ((1, 0), 9, 7), ((0, 1), 5, 6), ((1, 1), 6, 4)]
    flags = [list(f) for f, _, c in patterns for _ in range(c)]
    answers = [[a] for _, a, c in patterns for _ in range(c)]
    t = table(m, ["a"] * 27, ["S"] * 27, flags, answers)
    fit = fit_table(m, t, comp.module)
    survey = m.all_surveys[0]
    everyone = np.ones(27, dtype=bool)
    assert fitted_from(fit, t, survey, everyone) == 4
    # rows none of whom had `bad`: its impact is not fitted from their answers
    assert fitted_from(fit, t, survey, t.happened[:, 1] == 0) == 3
    assert fitted_from(fit, t, survey, np.zeros(27, dtype=bool)) == 0
    # 27 answers in 4 classes, 4 values fitted from them: no degree of freedom is left
    surveys, _, _ = quality(fit, t)
    assert [(s.dof, s.p_value) for s in surveys] == [(None, None), (None, None)]


def test_quality_predicts_with_the_exact_engine():
    comp = check_text(NOISE_FREE)
    m = comp.model
    n = 30
    t = table(m, ["a"] * n, ["T"] * 20 + ["S"] * 10, [[0, 0]] * n, [[7]] * n)
    fit = fit_table(m, t, comp.module)
    surveys, stages, manifest = quality(fit, t)
    assert manifest["engine"] == "exact"
    reach_t = fit.value("S.advance").fitted  # 21 / 32
    assert reach_t == pytest.approx(21 / 32)
    assert [(s.stage, s.persona, s.observed) for s in stages] == [
        ("S", None, 1.0), ("S", "a", 1.0), ("T", None, 2 / 3), ("T", "a", 2 / 3)]
    assert stages[2].predicted == pytest.approx(21 / 32)
    assert surveys[0].respondents == 30 and surveys[0].observed[7] == 1.0


THREE = """\
persona a share=1 baseline=7
persona b share=1 baseline=7
persona c share=1 baseline=7
stage S advance=50%
stage T
event e p=10% at S
  for c p=40%
"""


def test_pooled_personas_get_lines_of_their_own_when_a_kept_value_would_be_drawn_over():
    comp = check_text(THREE)
    m = comp.model
    t = table(m, ["a", "b"] * 5, ["S"] * 10, [[0]] * 10, [[None]] * 10)
    fit = fit_table(m, t, comp.module)
    assert fit.value("e.p").informed and not fit.value("e.p[c]").informed
    out = unaligned(fitted_text(fit, THREE))
    assert "uncertain e.p[a] ~ beta(1, 11)" in out and "uncertain e.p[b] ~ beta(1, 11)" in out
    assert "uncertain e.p ~" not in out
    # c's own rows: then the every-persona line is right (c's line applies after it)
    t = table(m, ["a", "b", "c"] * 4, ["S"] * 12, [[0]] * 12, [[None]] * 12)
    out = unaligned(fitted_text(fit_table(m, t, comp.module), THREE))
    assert "uncertain e.p ~ beta(1, 9)" in out and "uncertain e.p[c] ~ beta(1, 5)" in out


def test_an_event_without_a_column_keeps_its_values_and_the_rest_is_fitted():
    comp = check_text(NOISE_FREE)
    m = comp.model
    patterns = [((0, -1), 8, 10), ((1, -1), 9, 7)]
    persona, reached, happened, answers = [], [], [], []
    for flags, answer, count in patterns:
        persona += ["a"] * count
        reached += ["S"] * count
        happened += [list(flags)] * count
        answers += [[answer]] * count
    t = dataclasses.replace(table(m, persona, reached, happened, answers),
                            has_event=(True, False))
    fit = fit_table(m, t, comp.module)
    assert fit.value("good.impact").fitted == pytest.approx(1.0, abs=1e-12)
    assert fit.value("good.p").posterior.text() == "beta(8, 11)"
    assert fit.value("bad.p").note == NO_COLUMN == fit.value("bad.impact").note
    assert not fit.value("bad.impact").informed


def test_a_byte_order_mark_and_crlf_lines_are_kept():
    text = "\ufeff" + GLITCH.replace("\n", "\r\n")
    comp = check_text(text[1:])
    m = comp.model
    t = table(m, ["smb"] * 60, ["Convert"] * 60, [[int(i < 3)] for i in range(60)],
              [[None]] * 60)
    out = unaligned(fitted_text(fit_table(m, t, comp.module), text))
    assert out.startswith("\ufeffpersona enterprise")
    assert out.count("\r\n") == out.count("\n")
    assert "uncertain demo_glitch.p[smb] ~ beta(4, 58)  # fitted from 60 rows\r\n" in out


def test_answers_all_at_the_top_leave_the_baseline_unidentified():
    comp = check_text(NOISE_FREE)
    m = comp.model
    n = 40
    t = table(m, ["a"] * n, ["S"] * n, [[i % 2, 0] for i in range(n)], [[10]] * n)
    fit = fit_table(m, t, comp.module)
    assert not fit.value("a.baseline").informed
    assert not fit.value("a.baseline.sd").informed
    assert "persona a share=1 baseline=7" in fitted_text(fit, NOISE_FREE)
