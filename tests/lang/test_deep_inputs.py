"""Inputs deeper than Python's recursion limit: a long ``extends`` chain and a long import
chain are walked without recursion and in about linear time; sweep bounds too large or a
step too small to count are reported and never used."""

from __future__ import annotations

import time

from cxdsl.lang import api
from cxdsl.model import ir
from support import write

HEAD = ('journey "Deep"\npersona a share=100% baseline=7\nstage S1 advance=50%\nstage S2\n'
        "event e p=10% impact=-1 at S1\n")


def chain_of_scenarios(depth: int) -> str:
    lines = ["scenario s0 { e.p = 20% }"]
    lines += [f"scenario s{i} extends s{i - 1} {{ e.p = {20 + i % 50}% }}"
              for i in range(1, depth)]
    return HEAD + "\n".join(lines) + "\n"


def _seconds_to_check(text: str) -> float:
    start = time.perf_counter()
    comp = api.check_text(text, "<deep>")
    assert comp.ok, comp.diagnostics.sorted()[:3]
    return time.perf_counter() - start


def test_a_scenario_chain_deeper_than_the_recursion_limit():
    depth = 3000
    comp = api.check_text(chain_of_scenarios(depth), "<deep>")
    assert comp.ok, comp.diagnostics.sorted()[:3]
    last = f"s{depth - 1}"
    assert ir.scenario_order(comp.model, last)[0] == "s0"
    assert len(ir.scenario_order(comp.model, last)) == depth
    assert ir.with_scenario(comp.model, last).events[0].p[0] == (20 + (depth - 1) % 50) / 100


def test_a_scenario_chain_checks_in_about_linear_time():
    small = min(_seconds_to_check(chain_of_scenarios(500)) for _ in range(2))
    large = min(_seconds_to_check(chain_of_scenarios(2000)) for _ in range(2))
    assert large < 12 * small + 0.5, (small, large)  # quadratic would be 16 times


def test_a_cycle_in_a_long_chain_is_reported():
    text = chain_of_scenarios(2000).replace("scenario s0 {", "scenario s0 extends s1999 {")
    comp = api.check_text(text, "<deep>")
    assert not comp.ok
    assert [d.code for d in comp.diagnostics.errors] == ["E601"]


def test_an_import_chain_longer_than_the_recursion_limit(tmp_path):
    files = 1500
    for i in range(files - 1):
        write(tmp_path, f"f{i}.cxj", f'import "f{i + 1}.cxj"\nevent e{i} p=1% impact=-1 at S1\n')
    write(tmp_path, f"f{files - 1}.cxj", HEAD)
    comp = api.check_file(str(tmp_path / "f0.cxj"))
    assert comp.ok, comp.diagnostics.sorted()[:3]
    assert len(comp.model.events) == files


def test_an_import_cycle_at_the_end_of_a_long_chain(tmp_path):
    for i in range(1200):
        write(tmp_path, f"f{i}.cxj", f'import "f{i + 1}.cxj"\n')
    write(tmp_path, "f1200.cxj", 'import "f600.cxj"\n' + HEAD)
    comp = api.check_file(str(tmp_path / "f0.cxj"))
    assert [d.code for d in comp.diagnostics.errors] == ["E501"]


def test_a_step_too_small_to_count_is_reported_not_used():
    comp = api.check_text(HEAD + "sweep S1.advance from 0 to 1 step 1e-99999999999\n")
    assert [d.code for d in comp.diagnostics.errors] == ["E605"]
    assert "more points than can be counted" in comp.diagnostics.errors[0].message


def test_a_bound_too_large_is_reported_once_and_not_used():
    comp = api.check_text(HEAD + "sweep S1.advance from 0 to 1e999999 step 1\n")
    assert [d.code for d in comp.diagnostics.errors] == ["E302"]
