"""Scenario and sweep paths resolved by :mod:`cxdsl.model.paths`, and its range rules."""

from __future__ import annotations

import pytest

from cxdsl.lang import api
from cxdsl.model import ir, paths
from support import SAAS


@pytest.fixture(scope="module")
def model() -> ir.Model:
    return api.load(SAAS)


@pytest.mark.parametrize("text, kind", [
    ("nodot", paths.NOT_A_PATH),
    ("demo_glich.p", paths.NO_DECLARATION),
    ("demo_glitch.q", paths.NO_ATTRIBUTE),
    ("smb.share[smb]", paths.NOT_PER_PERSONA),
    ("demo_glitch.p[smbb]", paths.UNKNOWN_PERSONA),
    ("Delight.advance", paths.LAST_STAGE),
])
def test_problems(model, text, kind):
    assert paths.resolve_text(text, model).kind == kind


def test_resolved(model):
    assert paths.resolve_text(" demo_glitch.p[ smb ] ", model) == ir.PathRef(
        "event", "demo_glitch", "p", "smb")
    assert paths.resolve(model, "chatbot_answer", "p", extra_events={"chatbot_answer"}) \
        == ir.PathRef("event", "chatbot_answer", "p")


def test_value_rules(model):
    p = ir.PathRef("event", "demo_glitch", "p")
    assert paths.value_problem(p, 0.5, model.scale) is None
    assert paths.value_problem(p, 1.5, model.scale).kind == paths.NOT_PROBABILITY
    assert paths.value_problem(p, float("nan"), model.scale).kind == paths.NOT_FINITE
    share = ir.PathRef("persona", "smb", "share")
    assert paths.range_problem(share, -1, model.scale).kind == paths.NEGATIVE_SHARE
    base = ir.PathRef("persona", "smb", "baseline")
    assert paths.range_problem(base, 11, model.scale).kind == paths.OUTSIDE_SCALE
