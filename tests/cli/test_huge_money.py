"""Money beyond 1e15 is refused before any run (a value, a cost, a swept value): it would
overflow to infinity once multiplied by a volume and squared for an interval, and print
``+inf ±nan`` and numpy's warnings."""

from __future__ import annotations

import warnings

from support import invoke, refused, write

SPEC = "persona a share=100% baseline=7 value={value}\nstage S\nevent e p=5% at S\n" \
       "scenario s cost={cost} {{ e.p = 1% }}\n"


def test_a_huge_value_or_cost_is_an_error_not_infinity(tmp_path):
    for value, cost in (("1e308", "1"), ("1", "1e308")):
        spec = write(tmp_path, "huge.cxj", SPEC.format(value=value, cost=cost))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a numpy RuntimeWarning fails the test
            res = invoke("compare", spec, "-n", "1000")
        assert res.exit_code == 1, res.output
        assert "error[E302]" in res.output and "more than 1e+15" in res.output
        assert "inf" not in res.output.replace("info", "") and "nan" not in res.output


def test_a_huge_value_on_the_command_line_is_a_usage_error(tmp_path):
    spec = write(tmp_path, "ok.cxj", SPEC.format(value="10", cost="1"))
    out = refused("sweep", spec, "--vary", "a.value=1e308,1", "-n", "1000")
    assert "money is at most 1e+15" in out
