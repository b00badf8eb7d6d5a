"""The value-form registry: each form owns its checks, mean, support, outcomes, text and JSON
form; ``beta`` is added through it alone."""

from __future__ import annotations

import math

import pytest

import cxdsl
from cxdsl.model import values
from cxdsl.model.values import Beta, Const, Discrete, Normal, Problem, Triangular, Uniform


@pytest.mark.parametrize("form,mean,support", [
    (Const(3.0), 3.0, (3.0, 3.0)),
    (Normal(-2.0, 0.5), -2.0, (-math.inf, math.inf)),
    (Normal(1.0, 0.0), 1.0, (1.0, 1.0)),
    (Uniform(0.5, 1.5), 1.0, (0.5, 1.5)),
    (Triangular(1.0, 2.0, 6.0), 3.0, (1.0, 6.0)),
    (Discrete((4.0, 5.0), (0.6, 0.4)), 4.4, (4.0, 5.0)),
    (Beta(3.0, 57.0), 0.05, (0.0, 1.0)),
])
def test_mean_and_support(form, mean, support):
    assert form.mean() == pytest.approx(mean)
    assert form.support() == support


def test_every_form_round_trips_through_its_json_and_text():
    for form in (Const(-3.0), Normal(-2.0, 0.5), Uniform(0.5, 1.5), Triangular(1.0, 2.0, 3.0),
                 Discrete((1.0, 2.0), (0.5, 0.5)), Beta(3.0, 57.0)):
        assert values.from_dict(form.to_dict()) == form
    assert Beta(3.0, 57.0).text() == "beta(3, 57)"
    assert Const(2.0).text(signed=True) == "+2"


@pytest.mark.parametrize("cls,nums,problem", [
    (Normal, (0.0, -1.0), Problem("negative_sd", 1)),
    (Uniform, (2.0, 1.0), Problem("lo_above_hi")),
    (Triangular, (1.0, 5.0, 3.0), Problem("mode_outside")),
    (Beta, (0.0, 3.0), Problem("not_positive", 0)),
    (Beta, (3.0, -1.0), Problem("not_positive", 1)),
    (Beta, (3.0, 57.0), None),
])
def test_checks(cls, nums, problem):
    assert cls.problem(nums) == problem


def test_beta_is_for_probabilities_only():
    assert "beta" in values.forms_for("probability")
    assert "beta" not in values.forms_for("score")
    assert set(values.forms_for("score")) == {"normal", "uniform", "triangular", "discrete"}


def test_exact_outcomes_refused_for_continuous_forms():
    assert Discrete((1.0, 1.0, 2.0), (0.25, 0.25, 0.5)).outcomes() == [(1.0, 0.5), (2.0, 0.5)]
    assert Uniform(2.0, 2.0).outcomes() == [(2.0, 1.0)]
    assert Normal(0.0, 1.0).outcomes() is None
    assert Beta(1.0, 1.0).outcomes() is None


SPEC = """\
persona a share=1 baseline=9
stage S advance={advance}
stage T
event glitch p={p} impact=-3 at S
"""


def test_beta_p_means_its_mean_per_customer_in_every_engine():
    """p=beta(3, 57) behaves exactly as p=5%: each customer's chance is the mean."""
    with_beta = cxdsl.loads(SPEC.format(p="beta(3, 57)", advance="beta(1, 3)"))
    with_mean = cxdsl.loads(SPEC.format(p="5%", advance="25%"))
    assert with_beta == with_mean
    exact = cxdsl.simulate(with_beta, engine="exact").to_dict()
    assert exact["overall"]["nps"]["value"] == pytest.approx(100 * (1 - 2 * 0.05))
    sampled = cxdsl.simulate(with_beta, customers=20_000, seed=1).to_dict()
    assert sampled == cxdsl.simulate(with_mean, customers=20_000, seed=1).to_dict()


def test_beta_keeps_its_form_through_the_formatter():
    from cxdsl.tooling.formatter import format_text

    text = "persona a share=1 baseline=9\nstage S\nevent g p=beta( 3,57 ) at S\n"
    once = format_text(text)
    assert "p=beta(3, 57)" in once
    assert format_text(once) == once
