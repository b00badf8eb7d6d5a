"""``cxdsl diff`` on uncertain values and worlds: added, removed and changed ``uncertain``
lines (matched by path, distributions in the attribute's unit) and a changed ``worlds``,
in the model diff, its text and the command's output."""

from __future__ import annotations

import cxdsl
from cxdsl.model.diff import diff_models, render
from support import invoke, write

BASE = ("persona smb share=1 baseline=7\npersona ent share=1 baseline=8\n"
        "stage S advance=50%\nstage T\nevent e p=5% impact=-3 at S\n")
OLD = BASE + ("uncertain e.p ~ beta(3, 57)\nuncertain e.impact ~ normal(-3, 1)\n"
              "uncertain S.advance[ent] ~ uniform(40%, 60%)\n")
NEW = BASE + ("worlds 500\nuncertain e.p ~ beta(5, 95)\n"
              "uncertain S.advance[ent] ~ uniform(40%, 60%)\n"
              "uncertain ent.share ~ discrete(40%: 1, 60%: 3)\n")


def test_uncertain_lines_added_removed_and_changed():
    changes = diff_models(cxdsl.loads(OLD), cxdsl.loads(NEW))
    by = {(c.kind, c.name): c for c in changes}
    assert [f.to_dict() for f in by[("journey", "journey")].fields] == [
        {"field": "worlds", "old": None, "new": "500"}]
    changed = by[("uncertain", "e.p")]
    assert changed.change == "changed"
    assert [(f.field, f.old, f.new) for f in changed.fields] == [
        ("distribution", "beta(3, 57)", "beta(5, 95)")]
    assert by[("uncertain", "e.impact")].change == "removed"
    assert by[("uncertain", "e.impact")].summary == "e.impact ~ normal(-3, 1)"
    added = by[("uncertain", "ent.share")]
    assert added.change == "added"
    # a share in percent, the weights normalised: 1 and 3 are 25% and 75%
    assert added.summary == "ent.share ~ discrete(40%: 25%, 60%: 75%)"
    assert ("uncertain", "S.advance[ent]") not in by  # the same on both sides
    # uncertain values are listed last, the journey first
    assert changes[0].kind == "journey" and changes[-1].kind == "uncertain"


def test_rendered_lines():
    lines = render(diff_models(cxdsl.loads(OLD), cxdsl.loads(NEW)))
    assert "~ journey" in lines and "    worlds: (none) → 500" in lines
    assert "~ uncertain e.p" in lines
    assert "    distribution: beta(3, 57) → beta(5, 95)" in lines
    assert "- uncertain e.impact ~ normal(-3, 1)" in lines
    assert "+ uncertain ent.share ~ discrete(40%: 25%, 60%: 75%)" in lines


def test_probabilities_read_in_percent():
    old = cxdsl.loads(BASE + "uncertain e.p ~ uniform(1%, 9%)\n")
    new = cxdsl.loads(BASE + "uncertain e.p ~ triangular(1%, 5%, 9%)\nworlds 50\n")
    [journey, change] = diff_models(old, new)
    assert change.fields[0].old == "uniform(1%, 9%)"
    assert change.fields[0].new == "triangular(1%, 5%, 9%)"
    assert journey.fields[0].new == "50"


def test_no_change_when_only_the_layout_differs():
    spaced = OLD.replace("uncertain e.p ~ beta(3, 57)", "uncertain   e.p~beta(3,57)  # a note")
    assert diff_models(cxdsl.loads(OLD), cxdsl.loads(spaced)) == []


def test_the_command_reports_them(tmp_path):
    old = write(tmp_path, "old.cxj", OLD)
    new = write(tmp_path, "new.cxj", NEW)
    res = invoke("diff", str(old), str(new), "--engine", "exact")
    assert res.exit_code == 0, res.output
    assert "~ uncertain e.p" in res.output
    assert "distribution: beta(3, 57) → beta(5, 95)" in res.output
    assert "+ uncertain ent.share ~ discrete(40%: 25%, 60%: 75%)" in res.output
    assert "- uncertain e.impact ~ normal(-3, 1)" in res.output
    assert "worlds: (none) → 500" in res.output
