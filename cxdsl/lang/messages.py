"""Every message and hint of the checker, in one place.

Messages are functions of the facts they name (or constants when they name none); hints
end in ``_hint`` / ``_HINT``. The golden tests in ``tests/cases`` compare these texts, so a
change of wording here is a change of the language's output.
"""

from __future__ import annotations

from collections.abc import Sequence

from .diagnostics import a_or_an

# ------------------------------------------------------------------ phrases


def attribute_of(attr: str, who: str) -> str:
    return f"{attr} of {who}"


def for_persona(who: str, persona: str) -> str:
    return f"{who} for {persona}"


def scenario_who(name: str) -> str:
    return f"scenario {name}"


# ------------------------------------------------------------------ numbers
NUMBER_HINT = "write numbers like 3, -1.5, 0.05, 5%, 1e6 or 200_000"
TOO_LARGE_HINT = "numbers must stay below about 1.8e308"
SCALE_LOW = "the low end of the scale"
SCALE_HIGH = "the high end of the scale"
CUSTOMERS = "customers"
SEED = "seed"
THE_SCORE = "the score"
MEAN_TARGET = "a mean target"
REVENUE_TARGET = "a revenue target"
MONEY_PER_CUSTOMER = "money per customer"


def not_a_number(raw: str) -> str:
    return f"'{raw}' is not a number"


def too_large(raw: str) -> str:
    return f"'{raw}' is too large to compute with"


def not_a_percentage(what: str, unit: str, raw: str) -> str:
    return f"{what} is {unit}, not a percentage: '{raw}'"


def without_percent_hint(raw: str) -> str:
    return f"write it without '%', as in {raw[:-1]}"


def percent_of_scale_hint(raw: str, lo: int, hi: int, point: float) -> str:
    return f"{raw} of the scale {lo}..{hi} is {point:g}"


def not_whole(what: str, lo: int, hi: int, raw: str) -> str:
    return f"{what} must be a whole number from {lo:,} to {hi:,}; got '{raw}'"


def single_number(what: str) -> str:
    return f"{what} takes a single number, not a distribution"


SINGLE_NUMBER_HINT = "distributions are for impact and baseline"


def not_probability(what: str, raw: str) -> str:
    return f"{what} must be a probability from 0% to 100%; got '{raw}'"


def probability_hint(value: float, raw: str, is_percent: bool) -> str:
    return ("a probability is at least 0%" if value < 0 else
            "a probability is at most 100%" if is_percent else
            f"did you mean {raw}%?" if value <= 100 else
            "write a percentage such as 5%, or a fraction such as 0.05")


def negative(what: str, raw: str) -> str:
    return f"{what} must be >= 0; got '{raw}'"


def baseline_outside(who: str, shown: str, lo: int, hi: int) -> str:
    return f"baseline of {who} ({shown}) lies outside the scale {lo}..{hi}"


def baseline_hint(lo: int, hi: int) -> str:
    return f"a baseline is a score from {lo} to {hi}"


# ------------------------------------------------------------ distributions
DISTRIBUTIONS_HINT = ("use normal(mu, sd), uniform(lo, hi), triangular(lo, mode, hi) or "
                      "discrete(v1: w1, v2: w2, ...)")
DISCRETE_EMPTY = "discrete(...) needs at least one 'value: weight' pair"
DISCRETE_EMPTY_HINT = "e.g. discrete(7: 60%, 9: 40%)"
DISCRETE_NO_WEIGHT = "each value of discrete(...) needs a weight, as in '7: 60%'"
WEIGHT_HINT = "weights are relative and must be >= 0"
WEIGHTS_ZERO = "the weights of discrete(...) add up to 0"
RELATIVE_WEIGHTS_HINT = "they are used as relative weights (normalised)"
SD_HINT = "sd must be >= 0"
SWAP_HINT = "swap the two numbers"
TRIANGULAR_ORDER = "triangular(lo, mode, hi) needs lo <= mode <= hi"


def unknown_distribution(name: str) -> str:
    return f"unknown distribution '{name}'"


def negative_weight(raw: str) -> str:
    return f"weight {raw} is negative"


def weights_not_100(total: float) -> str:
    return f"the weights of discrete(...) add up to {total * 100:g}%, not 100%"


def pairs_outside_discrete(name: str) -> str:
    return f"'value: weight' pairs belong in discrete(...), not {name}(...)"


def signature_hint(signature: str) -> str:
    return f"write {signature}"


def wrong_arity(name: str, arity: int, signature: str, got: int) -> str:
    return f"{name} takes {arity} numbers, {signature}; got {got}"


def negative_sd(raw: str) -> str:
    return f"the standard deviation of normal(...) is negative ({raw})"


def uniform_reversed(lo: str, hi: str) -> str:
    return f"uniform(lo, hi) has lo > hi ({lo} > {hi})"


def not_positive(name: str, raw: str) -> str:
    return f"{name}(a, b) needs a > 0 and b > 0; got {raw}"


NOT_POSITIVE_HINT = "a and b count successes and failures, as in beta(3, 57) for about 5%"


def probability_form_for_score(what: str, unit: str, signature: str) -> str:
    return f"{what} is {unit}; {signature} is a probability"


# ------------------------------------------------------ names and attributes
NAME_TAKEN_HINT = "every persona, stage and event needs its own name"
CHOOSE_NAME_HINT = "choose another name"
GIVEN_TWICE_HINT = "remove one of them"
MERGE_FOR_HINT = "merge the two lines"


def unknown_attribute(name: str, kind: str, who: str, allowed: Sequence[str]) -> str:
    return (f"unknown attribute '{name}' for {kind} {who}" if allowed else
            f"{kind} {who} takes no attribute '{name}'")


def attributes_hint(kind: str, allowed: Sequence[str]) -> str:
    return (f"{kind} takes " + ", ".join(allowed) if allowed else
            f"this {kind} takes no attributes")


def attribute_twice(name: str) -> str:
    return f"attribute '{name}' is given twice"


def reserved_name(name: str, kind: str) -> str:
    return f"'{name}' is a reserved word and cannot name {a_or_an(kind)}"


def already_declared(name: str, other_kind: str, line: int, path: str | None,
                     same_file: bool) -> str:
    where = f" at line {line}" if same_file else f" in {path}:{line}"
    return f"'{name}' is already declared as {a_or_an(other_kind)}{where}"


def unknown_name(kind: str, name: str) -> str:
    return f"unknown {kind} '{name}'"


def is_a_hint(name: str, kind: str) -> str:
    return f"'{name}' is {a_or_an(kind)}"


def second_for_line(persona: str, line: int) -> str:
    return f"persona '{persona}' already has a 'for' line here (line {line})"


def for_changes_nothing(persona: str) -> str:
    return f"'for {persona}' changes nothing"


# ------------------------------------------------------------------ imports
IMPORT_NEEDS_PATH = "import needs a file path"
OUTSIDE_IMPORT_HINT = ("move the file under this directory, or pass "
                       "--allow-outside-imports")
CYCLE_HINT = "an imported file must not import the file that imports it"
NO_IMPORTS = "imports are not available here"


def unusable_import(rel: str) -> str:
    return f"cannot import '{rel}': not a usable file path"


def import_outside(rel: str) -> str:
    return f"import '{rel}' reaches outside the directory of the importing file"


def import_cycle(files: Sequence[str]) -> str:
    return "import cycle: " + " -> ".join(files)


# ------------------------------------------------------------------- header
KEEP_ONE_HINT = "keep one"
EMPTY_SCALE_HINT = "e.g. scale 0..10"


def given_more_than_once(what: str, path: str | None, line: int) -> str:
    return f"'{what}' is given more than once (first at {path}:{line})"


def empty_scale(lo: int, hi: int) -> str:
    return f"scale {lo}..{hi} is empty: the low end must be below the high end"


def wide_scale(lo: int, hi: int, width: int) -> str:
    return f"scale {lo}..{hi} is wider than {width} points"


# ------------------------------------------------------------- declarations
NO_PERSONA = "the journey has no persona"
NO_PERSONA_HINT = 'add one, e.g. persona buyer "Buyer" share=100% baseline=7'
NO_STAGE = "the journey has no stage"
NO_STAGE_HINT = 'add stages in journey order, e.g. stage Attract "Awareness" advance=60%'
SHARES_ZERO = "the shares of the personas add up to 0"
SHARES_ZERO_HINT = "give at least one persona a positive share"
MIXED_SHARES_HINT = "write every share as a percentage, or every one as a weight"
REMOVE_IT_HINT = "remove it"
_REQUIRED_EXAMPLES = {"share": "share=30%", "baseline": "baseline=8"}


def persona_needs(name: str, required: str) -> str:
    return f"persona {name} needs {required}=..."


def persona_needs_hint(required: str) -> str:
    return f"e.g. {_REQUIRED_EXAMPLES[required]}"


def shares_not_100(total: float) -> str:
    return f"persona shares add up to {total * 100:g}%, not 100%"


def mixed_shares(first: str, odd: str) -> str:
    return f"persona shares mix percentages and plain weights: '{first}' and '{odd}'"


def last_stage_attribute(attr: str, stage: str) -> str:
    return f"{attr} on the last stage {stage} means nothing: nobody advances past it"


# --------------------------------------------------------------- conditions
INCOMPLETE_CONDITION_HINT = ("a condition joins events and score comparisons, as in "
                             "'when glitch and not score < 5'")
SELF_REFERENCE_HINT = "a condition refers to events that happened before"
EARLIER_EVENTS_HINT = ("an event may refer only to events at an earlier stage, or "
                       "declared earlier at the same stage")


def keyword_in_condition(name: str) -> str:
    return f"'{name}' is a keyword, not an event: the condition is incomplete"


def depends_on_itself(name: str) -> str:
    return f"event {name} cannot depend on itself"


def refers_to_removed(owner: str, name: str, removed_by: str) -> str:
    return f"event {owner} refers to {name}, which {removed_by}"


def keep_or_drop_hint(name: str) -> str:
    return f"keep {name}, or drop it from the condition"


def refers_to_later(owner: str, stage: str, name: str, later: str, same_stage: bool) -> str:
    where = (f"is declared further down at the same stage {later}" if same_stage
             else f"happens at the later stage {later}")
    return f"event {owner} at {stage} refers to {name}, which {where}"


# ------------------------------------------------------------------ targets
TARGET_MISSABLE_HINT = "a target should be one the forecast can miss"
NPS_SCALE_HINT = "use csat or mean instead"


def unknown_metric(metric: str) -> str:
    return f"unknown metric '{metric}'"


def metrics_hint(metrics: Sequence[str]) -> str:
    return "metrics: " + ", ".join(metrics)


def target_operator(op: str) -> str:
    return f"a target compares with >=, >, <= or <, not '{op}'"


def nps_scale(lo: int, hi: int) -> str:
    return f"nps is defined on a 0..10 scale only; this journey's scale is {lo}..{hi}"


def points_of_100(metric: str, raw: str, value: float) -> str:
    return f"{metric} is in points out of 100: '{raw}' is {value:g} of a point"


def points_hint(value: float) -> str:
    return f"for {value * 100:g} points write {value * 100:g} or {value * 100:g}%"


def conversion_not_share(raw: str) -> str:
    return f"conversion is a share; '{raw}' is not one"


def conversion_hint(value: float) -> str:
    return f"write it as a percentage, e.g. {value:g}%"


def target_reach(metric: str, lo: float, hi: float) -> str:
    """How far ``metric`` reaches, for a target that is always or never met."""
    return (f"runs from {lo * 100:g}% to {hi * 100:g}%" if metric == "conversion" else
            "cannot be negative while no value is" if lo == 0 and metric == "revenue" else
            f"is at least {lo:,g} here" if metric == "revenue" else
            f"runs from {lo:g} to {hi:g}")


def target_decided(metric: str, reach: str, op: str, raw: str, always: bool) -> str:
    return (f"{metric} {reach}, so 'target {metric} {op} {raw}' is "
            f"{'always met' if always else 'never met'}")


# -------------------------------------------------------------------- paths
def path_names_removed(path: str, target: str, removed_by: str) -> str:
    return f"'{path}' names event {target}, which {removed_by}"


def set_before_removing_hint(attr: str, target: str) -> str:
    return f"set {attr} before removing {target}, or keep it"


def path_names_nothing(path: str, target: str) -> str:
    return f"'{path}' names nothing: there is no persona, stage or event '{target}'"


def no_such_attribute(kind: str, target: str, attr: str) -> str:
    return f"{kind} {target} has no attribute '{attr}'"


def has_attributes_hint(kind: str, attrs: Sequence[str]) -> str:
    return f"{a_or_an(kind)} has " + ", ".join(attrs)


def not_per_persona(kind: str, attr: str, persona: str) -> str:
    return f"{kind} attribute '{attr}' is not per persona; drop '[{persona}]'"


# ---------------------------------------------------------------- scenarios
EXTENDS_ONCE_HINT = "name each scenario once"
COST_ONLY_HINT = "the cost is only used to weigh a change against its effect"
REMOVED_BY_PARENTS = "the scenarios it extends remove"
KEEP_ONE_LINE_HINT = "keep one of the two lines"
OWN_NAME_HINT = "give the new event its own name"
NO_SHARE_LEFT = "this change leaves every persona with a share of 0"


def removed_by(who: str) -> str:
    return f"{who} removes"


def scenario_reserved(name: str) -> str:
    return f"'{name}' is a reserved word and cannot name a scenario"


def scenario_declared(name: str, line: int) -> str:
    return f"scenario '{name}' is already declared at line {line}"


def extends_twice(name: str, parent: str) -> str:
    return f"scenario {name} extends {parent} twice"


def extends_cycle(loop: Sequence[str]) -> str:
    return "scenarios extend each other in a cycle: " + " -> ".join(loop)


def cost_changes_nothing(who: str) -> str:
    return f"{who} has a cost but changes nothing"


def changes_nothing(who: str) -> str:
    return f"{who} changes nothing"


def sets_twice(who: str, path: str, line: int) -> str:
    return f"{who} sets {path} twice (first at line {line})"


def removes_referenced(who: str, name: str, users: Sequence[str]) -> str:
    return f"{who} removes {name}, but the condition of {', '.join(users)} refers to it"


def remove_too_hint(user: str) -> str:
    return f"remove {user} too, or change its condition"


def removed_already(name: str, removed_by: str) -> str:
    return f"event {name} is removed already: {removed_by} it"


def adds_taken_name(who: str, name: str) -> str:
    return f"{who} adds event '{name}', but that name is taken"


def last_stage_change(attr: str, stage: str) -> str:
    return f"{attr} on the last stage {stage} means nothing"


# ------------------------------------------------------------------- sweeps
MERGE_SWEEPS_HINT = "merge the two sweeps"
PROBABILITY_RANGE_HINT = "keep the values within 0%..100%"
COARSER_STEPS_HINT = "use coarser steps"
COARSER_STEP_HINT = "use a coarser step"
SWEEP_EMPTY = "a sweep needs at least one value"
SMALLER_FIRST_HINT = "write the smaller value after 'from'"


def swept_twice(path: str, line: int) -> str:
    return f"'{path}' is swept twice (first at line {line})"


def sweep_not_probability(path: str, shown: str) -> str:
    return f"sweep of {path} reaches {shown}, which is not a probability"


def sweep_negative_share(path: str, shown: str) -> str:
    return f"sweep of {path} reaches {shown}; a share must be >= 0"


def sweep_outside_scale(path: str, shown: str, lo: int, hi: int) -> str:
    return f"sweep of {path} reaches {shown}, outside the scale {lo}..{hi}"


def sweep_stops_short(shown: str, stop: str) -> str:
    return f"the sweep stops at {shown}, not at {stop}"


def dividing_step_hint(span: str) -> str:
    return f"a step that divides {span} reaches the end"


def grid_too_large(total: int, limit: int) -> str:
    return f"the sweeps make a grid of {total:,} points; the limit is {limit:,}"


def step_not_positive(raw: str) -> str:
    return f"the step of a sweep must be positive; got '{raw}'"


def sweep_goes_down(start: str, stop: str) -> str:
    return f"the sweep goes from {start} down to {stop}"


def sweep_too_long(count: int | None, limit: int) -> str:
    """``count`` None: more points than can be counted (a step of 1e-99999999999)."""
    many = "more points than can be counted" if count is None else f"{count:,} points"
    return f"this sweep has {many}; the limit is {limit:,}"


# -------------------------------------------------------------------- lints
def never_happens_p(name: str) -> str:
    return f"event {name} can never happen: p is 0% for every persona"


def never_happens_condition(name: str) -> str:
    return f"event {name} can never happen: its condition can never hold"


def unreachable_stage(stage: str, before: str) -> str:
    return f"no customer can reach stage {stage}: advance at {before} is 0% for every persona"


# ------------------------------------------------------------------ surveys and volume
VOLUME = "volume"
CUSTOMERS_PER_PERIOD = "a number of customers per period"
VOLUME_POSITIVE_HINT = "the customers who enter the journey per period, as in volume 40_000"


def volume_not_positive(raw: str) -> str:
    return f"volume must be more than 0 customers per period; got '{raw}'"


def volume_too_large(raw: str, limit: float) -> str:
    return f"volume '{raw}' is more than {limit:.0e} customers per period"


def volume_limit_hint(limit: float) -> str:
    return f"volume counts customers per period, at most {limit:.0e}; use a longer period"


def unknown_period(word: str) -> str:
    return f"unknown period '{word}'"


def periods_hint(periods: Sequence[str]) -> str:
    return "a volume is counted per " + ", ".join(periods[:-1]) + " or " + periods[-1]


def funnel_metric_of_survey(survey: str, metric: str) -> str:
    return (f"'{survey}.{metric}': {metric} is a funnel metric over all customers, "
            "not a survey's")


def funnel_metric_hint(metric: str, survey_metrics: Sequence[str]) -> str:
    return (f"write 'target {metric} ...' without a survey; a survey has "
            + ", ".join(survey_metrics))


def unreachable_survey(survey: str, stage: str, before: str) -> str:
    return (f"nobody answers survey {survey}: no customer can reach stage {stage} "
            f"(advance at {before} is 0% for every persona)")


UNREACHABLE_SURVEY_HINT = "ask it at an earlier stage, or at end"
