"""The words of the language as the language server explains them: the kinds of
declaration, the attributes of each, the distributions (with their completion snippets),
the metrics, and a one-line doc for every keyword, attribute and metric; and how the
server writes a distribution or a number in a hover.

These tables are the server's own, kept in this one module so that features read them from
a single place.
"""

from __future__ import annotations

from ...model import ir

KINDS = ("persona", "stage", "event", "scenario")
ATTRIBUTES_OF = {"persona": ("share", "baseline", "value"), "stage": ("advance", "slope"),
                 "event": ("p", "impact"), "scenario": ("cost",)}
METRICS = ir.METRICS
DISTRIBUTIONS = {
    "normal": ("normal(${1:mu}, ${2:sd})", "normal(mu, sd): a normal distribution"),
    "uniform": ("uniform(${1:lo}, ${2:hi})", "uniform(lo, hi): any value from lo to hi"),
    "triangular": ("triangular(${1:lo}, ${2:mode}, ${3:hi})",
                   "triangular(lo, mode, hi): most likely at mode"),
    "discrete": ("discrete(${1:v1}: ${2:w1}, ${3:v2}: ${4:w2})",
                 "discrete(v1: w1, v2: w2, ...): value v with weight w"),
}

KEYWORD_DOCS = {
    "journey": 'journey "Title": the title of the journey (at most once).',
    "scale": "scale LO..HI: the integer score scale (default 0..10; NPS needs 0..10).",
    "customers": "customers N: the default number of customers per run.",
    "seed": "seed N: the default random seed; the same seed gives the same forecast.",
    "import": 'import "file.cxj": merge the declarations of another file.',
    "persona": 'persona NAME ["Label"] share=W baseline=B [value=V]: a kind of customer.',
    "stage": 'stage NAME ["Label"] [advance=P] [slope=K]: a step of the journey, in order.',
    "goal": "goal STAGE: reaching STAGE counts as conversion (default: the last stage).",
    "event": 'event NAME ["Label"] [p=P] [impact=I] at STAGE [when COND]: a moment of '
             "truth.",
    "at": "at STAGE: the stage at which the event can happen.",
    "when": "when COND: the event can only happen when COND holds (events that happened, "
            "score comparisons, not/and/or).",
    "for": "for PERSONA attr=value ...: a value for one persona (on the line after a "
           "stage or an event), or the persona a target is about.",
    "target": "target METRIC OP NUMBER [for PERSONA]: a forecast to meet.",
    "scenario": 'scenario NAME ["Label"] [extends A, B] [cost=C] { ... }: a set of '
                "changes to the baseline.",
    "extends": "extends A, B: apply these scenarios first, in order.",
    "remove": "remove EVENT: a scenario without this event.",
    "sweep": "sweep PATH from A to B step S, or sweep PATH in [v1, v2]: a parameter axis.",
    "from": "sweep PATH from A to B step S", "to": "sweep PATH from A to B step S",
    "step": "sweep PATH from A to B step S", "in": "sweep PATH in [v1, v2, ...]",
    "not": "not COND: true when COND is false.", "and": "A and B: both hold.",
    "or": "A or B: either holds.",
    "score": "score: the customer's running score, as in `when score < 5`.",
}
ATTRIBUTE_DOCS = {
    "share": "share: the persona's relative weight in the population (normalised).",
    "baseline": "baseline: the score this persona gives when nothing notable happens "
                "(a number or a distribution).",
    "value": "value: revenue per converted customer (default 0).",
    "advance": "advance: the probability of moving on to the next stage for a customer "
               "whose score equals their starting score (default 100%).",
    "slope": "slope: change in log-odds of advancing per score point above the starting "
             "score (default 0).",
    "p": "p: the probability that the event happens (default 100%).",
    "impact": "impact: what the event adds to the score (a number or a distribution; "
              "default 0).",
    "cost": "cost: what the scenario costs, for its return on investment.",
}
METRIC_DOCS = {
    "nps": "nps: net promoter score, 100 × (share scoring 9-10 − share scoring 0-6); "
           "only on a 0..10 scale.",
    "csat": "csat: 100 × the share in the top two scores.",
    "mean": "mean: the mean final score.",
    "conversion": "conversion: the share of customers who reach the goal stage.",
    "revenue": "revenue: the mean revenue per customer (value of the converted).",
}


def percent_text(x: float) -> str:
    """A probability or a share (0..1) as a percentage, 4 significant digits."""
    return f"{x * 100:.4g}%"


def number_text(x: float) -> str:
    """A number with 6 significant digits."""
    return f"{x:.6g}"


def dist_text(d: ir.Dist, signed: bool = False) -> str:
    """A distribution as written in a spec; a constant with its sign when ``signed``."""
    if isinstance(d, ir.Const):
        return f"{d.value:+.6g}" if signed else number_text(d.value)
    if isinstance(d, ir.Normal):
        return f"normal({number_text(d.mu)}, {number_text(d.sd)})"
    if isinstance(d, ir.Uniform):
        return f"uniform({number_text(d.lo)}, {number_text(d.hi)})"
    if isinstance(d, ir.Triangular):
        return (f"triangular({number_text(d.lo)}, {number_text(d.mode)}, "
                f"{number_text(d.hi)})")
    pairs = ", ".join(f"{number_text(v)}: {percent_text(w)}"
                      for v, w in zip(d.values, d.weights))
    return f"discrete({pairs})"
