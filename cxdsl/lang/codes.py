"""Every diagnostic code, in one place. ``docs/diagnostics.md`` is generated from this table
(``python -m cxdsl.lang.codes > docs/diagnostics.md``) and a test keeps the two equal, and checks
that every code here is used by the compiler and covered by a golden test."""

from __future__ import annotations

#: (code, title, explanation), in the order of the generated page
ROWS: tuple[tuple[str, str, str], ...] = (
    # reading
    ("E001", "cannot read file",
     "The file is missing, is a directory, or cannot be opened (also for an `import` of such a "
     "file)."),
    ("E002", "not UTF-8 text",
     "The file is not valid UTF-8, or contains NUL bytes. A leading byte-order mark is accepted "
     "and ignored."),
    ("E003", "file too large",
     "A spec may be at most 2 MB; split it with `import`."),
    ("E005", "condition nested too deeply",
     "A `when` condition nests more than 64 levels."),
    ("E010", "no persona",
     "A journey needs at least one `persona`."),
    ("E011", "no stage",
     "A journey needs at least one `stage`."),
    # syntax
    ("E100", "unexpected token",
     "The parser found something it did not expect; the hint lists what would fit."),
    ("E101", "unexpected character",
     "A character that is not part of the language, such as `@` or `;`."),
    ("E102", "unterminated string",
     "A label opened with `\"` is not closed on its line."),
    ("E103", "unknown statement",
     "A line does not start with a statement keyword."),
    ("E104", "malformed statement",
     "A statement of a known shape is incomplete or misspelled (missing `at STAGE`, `=` without "
     "a value, `scale 0-10`, ...)."),
    ("E105", "misplaced `for` line",
     "A `for PERSONA ...` line must follow a stage or an event."),
    ("E106", "unknown escape",
     "In a quoted string a backslash escapes only `\\\"` and `\\\\`; an import path separates "
     "folders with `/`."),
    # names
    ("E201", "unknown name",
     "A stage, event, persona, survey or scenario name that is not declared; the hint suggests "
     "the closest one."),
    ("E202", "duplicate name",
     "Personas, stages, events and surveys share one namespace; scenarios have their own."),
    ("E203", "reserved word",
     "A keyword of the language cannot name a declaration."),
    ("E204", "unknown attribute",
     "The declaration does not take this attribute."),
    ("E205", "attribute given twice",
     "An attribute, or a persona's `for` line, appears twice for one declaration."),
    ("E206", "missing attribute",
     "A persona needs `share=` and `baseline=`."),
    ("E207", "unknown metric",
     "A target names a metric other than nps, csat, mean, conversion, revenue."),
    ("E208", "unknown distribution",
     "Distributions are normal, uniform, triangular, discrete and beta; an `uncertain` line's "
     "hint lists those that fit its attribute."),
    ("E209", "statement given twice",
     "`journey`, `scale`, `customers`, `seed`, `volume`, `worlds` and `goal` may appear once."),
    ("E210", "unknown period",
     "`volume N per PERIOD` counts per day, week, month, quarter or year."),
    ("E211", "not a survey metric",
     "`target SURVEY.METRIC` takes nps, csat or mean: conversion and revenue are funnel metrics "
     "over all customers, written without a survey."),
    # values
    ("E301", "malformed number",
     "A number such as `1__0` or `5_`."),
    ("E302", "value out of range",
     "A probability outside 0%..100%, a negative share or cost, a `volume` that is not more than "
     "0 or is above 1e15, a value or cost above 1e15, a conversion target that is not a share, "
     "a target that is always met or can never be met."),
    ("E303", "bad distribution",
     "Wrong number of arguments, sd < 0, lo > hi, a mode outside lo..hi, negative or all-zero "
     "discrete weights."),
    ("E304", "baseline outside the scale",
     "A persona's baseline must lie within LO..HI (for an `uncertain` baseline, the "
     "distribution's mean)."),
    ("E305", "bad scale",
     "The scale is empty (LO >= HI) or wider than 1000 points."),
    ("E306", "not a whole number",
     "`customers`, `seed`, `worlds` (1 to 100,000) and the ends of `scale` are whole numbers "
     "in range."),
    ("E307", "distribution not allowed",
     "Only `impact` and `baseline` take a distribution."),
    ("E308", "no customers",
     "The personas' shares add up to 0."),
    ("E309", "attribute on the last stage",
     "Nobody advances past the last stage, so it takes neither `advance` nor `slope`."),
    ("E310", "not a percentage",
     "A percentage where a score, a number of score points, money or a slope is meant "
     "(`baseline=80%`, `impact=-3%`, `score < 50%`)."),
    # conditions
    ("E401", "condition on a later event",
     "An event may refer only to events at an earlier stage, or declared earlier at the same "
     "stage (not to itself)."),
    # imports
    ("E501", "import cycle",
     "Files import each other in a loop."),
    ("E502", "import outside the tree",
     "An import reaches outside the importing file's directory; allowed with "
     "`--allow-outside-imports`."),
    ("E503", "bad import",
     "An import with an empty path, or where imports are not available."),
    # scenarios and sweeps
    ("E601", "scenario cycle",
     "Scenarios extend each other in a loop."),
    ("E602", "path names nothing",
     "A scenario, sweep or `uncertain` path whose declaration or attribute does not exist (an "
     "`uncertain` path names the baseline's declarations, not an event only a scenario adds)."),
    ("E603", "not per persona",
     "`X.attr[persona]` on an attribute that has one value for everybody (persona attributes)."),
    ("E604", "removed event still used",
     "A scenario removes an event that a remaining condition refers to."),
    ("E605", "bad sweep",
     "An empty list, a step <= 0, a range that runs backwards, a path swept twice, or a grid of "
     "more than 100,000 points."),
    ("E606", "sweep out of range",
     "A sweep that would make a probability leave 0..1, a share negative, or a baseline leave "
     "the scale."),
    ("E607", "bad uncertain value",
     "An `uncertain` line with a single number instead of a distribution, a path declared "
     "uncertain twice, or a distribution that can draw values outside the attribute's range (a "
     "`normal` for a probability)."),
    ("E608", "nps needs a 0..10 scale",
     "NPS is defined on the 0..10 scale only."),
    # warnings
    ("W001", "shares do not sum to 100%",
     "Shares or `discrete(...)` weights written as percentages that do not add up to 100%, or "
     "shares that mix percentages and plain weights; they are normalised."),
    ("W002", "event can never happen",
     "p is 0 for every persona, or the condition can never hold."),
    ("W003", "stage cannot be reached",
     "An earlier stage's advance is 0% for every persona."),
    ("W004", "unused cost",
     "A scenario with a cost that changes nothing."),
    ("W005", "empty scenario",
     "A scenario block with no changes."),
    ("W006", "empty `for` line",
     "A `for PERSONA` line that sets nothing."),
    ("W007", "target in the wrong unit",
     "An nps or csat target between -1 and 1 written without `%`: these metrics are in points "
     "out of 100 (`csat >= 0.8` is 0.8 points; 80% is 80)."),
    ("W008", "sweep stops short",
     "The steps of a `from A to B step S` sweep do not land on B; the last point is below it."),
    ("W009", "survey nobody answers",
     "A survey at a stage that no customer can reach (an earlier stage's advance is 0% for every "
     "persona)."),
    ("W010", "uncertainty that never matters",
     "An `uncertain` value that every scenario sets: in each scenario it is certain."),
    ("W011", "worlds without uncertain values",
     "`worlds W` in a spec that declares no `uncertain` value: no forecast runs, so it "
     "changes nothing."),
)

#: code -> (title, explanation)
CODES: dict[str, tuple[str, str]] = {code: (title, text) for code, title, text in ROWS}


def markdown() -> str:
    lines = ["# Diagnostic codes", "",
             "Every message `cxdsl check` prints has a code: `E` for errors (the file is "
             "not run), `W` for warnings (it runs, but look). This page is generated from "
             "`cxdsl/lang/codes.py`.", "",
             "| code | what | when |", "| --- | --- | --- |"]
    lines += [f"| {code} | {title} | {text} |" for code, (title, text) in CODES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
