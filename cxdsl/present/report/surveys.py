"""The report's surveys: who each one asks and when, the share of customers asked, its
scores with their intervals, overall and per persona; and the words that say which survey
the headline figures come from.
"""

from __future__ import annotations

from ...model import ir
from ..export import display, survey_asks, survey_where
from ..numbers import METRIC_WORDS, REPORT_LABELS, fmt_share
from .data import ReportData
from .style import esc
from .tables import html_table, with_interval

#: The metrics a survey reports besides its share of customers asked.
SCORE_METRICS = ("nps", "csat", "mean")


def score_metrics(model: ir.Model) -> list[str]:
    """The survey metrics shown on the model's scale (NPS only on 0..10)."""
    return [m for m in SCORE_METRICS if m != "nps" or model.has_nps]


def and_list(words: list[str]) -> str:
    """``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def headline_words(model: ir.Model) -> str:
    """Whose answers the headline figures are: ``of converted customers, survey customers
    at Delight``."""
    survey = model.headline_survey
    return f"of {survey_asks(model, survey)}, survey {survey.name} {survey_where(survey)}"


def survey_title(survey: ir.Survey) -> str:
    """``customers — Relationship NPS``, or the name alone without a label."""
    return f"{survey.name} — {survey.label}" if survey.label else survey.name


def asked_text(doc: dict | None) -> str:
    """The share of customers asked, with its interval: ``21.9% [21.4%, 22.5%]``."""
    if not doc or doc.get("value") is None:
        return "—"
    lo, hi = (doc.get("ci95") or [None, None])[:2]
    text = fmt_share(doc["value"])
    if lo is None or hi is None or lo == hi:
        return text
    return f"{text} [{fmt_share(lo)}, {fmt_share(hi)}]"


def surveys_section(data: ReportData) -> str:
    """The surveys section's HTML: what each survey is and its figures, then the same per
    persona."""
    model = data.model
    docs = data.result.get("surveys")
    if not docs:
        return '<p class="note">The run result carries no survey figures.</p>'
    metrics = score_metrics(model)
    labels = [REPORT_LABELS[m] for m in metrics]
    headline = model.headline_survey
    implicit = (" The spec declares no survey: the journey has the implicit one, "
                f"{headline.name}, at the goal stage." if headline.implicit else "")
    note = ("A survey at a stage asks every customer who reaches it (the score at the end "
            "of that stage); a survey at end asks every customer at the end of their "
            "journey. The first survey is the headline: the forecast's "
            f"{and_list([METRIC_WORDS[m] for m in metrics])} are its figures." + implicit)
    overview = [["survey", "who is asked, and when", "asked (share of customers)", *labels]]
    per_persona = [["survey", "persona", "asked (share of the persona)", *labels]]
    for survey in model.all_surveys:
        doc = docs.get(survey.name)
        if doc is None:
            continue
        overall = doc.get("overall") or {}
        title = survey_title(survey) + (" (headline)" if survey.name == headline.name
                                         else "")
        overview.append([title, f"{survey_asks(model, survey)} ({survey_where(survey)})",
                         asked_text(overall.get("respondents")),
                         *[with_interval(m, overall.get(m)) for m in metrics]])
        for p in model.personas:
            group = (doc.get("personas") or {}).get(p.name) or {}
            per_persona.append([survey.name, display(p), asked_text(group.get("respondents")),
                                *[with_interval(m, group.get(m)) for m in metrics]])
    persona_table = ""
    if len(model.personas) > 1:
        persona_table = ("<h3>Per persona</h3>" + html_table(per_persona, numeric_from=2))
    return (f'<p class="note">{esc(note)}</p>' + html_table(overview, numeric_from=2)
            + persona_table)
