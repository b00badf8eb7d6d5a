"""Every message and hint of the checker, in one place.

Messages are format strings whose fields name the facts they tell
(``UNKNOWN_NAME.format(kind="stage", name="Atract")``), constants when they name none, and
functions, after them, where the wording itself depends on the facts; hints end in
``_HINT`` / ``_hint``. The golden tests in ``tests/cases`` compare these texts, so a
change of wording here is a change of the language's output.
"""

from __future__ import annotations

from collections.abc import Sequence

from .diagnostics import a_or_an

# ------------------------------------------------------------------ phrases
ATTRIBUTE_OF = "{attr} of {who}"
FOR_PERSONA = "{who} for {persona}"
SCENARIO_WHO = "scenario {name}"


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
NOT_A_NUMBER = "'{raw}' is not a number"
TOO_LARGE = "'{raw}' is too large to compute with"
NOT_A_PERCENTAGE = "{what} is {unit}, not a percentage: '{raw}'"
PERCENT_OF_SCALE_HINT = "{raw} of the scale {lo}..{hi} is {point:g}"
NOT_WHOLE = "{what} must be a whole number from {lo:,} to {hi:,}; got '{raw}'"
SINGLE_NUMBER = "{what} takes a single number, not a distribution"
SINGLE_NUMBER_HINT = "distributions are for impact and baseline"
NOT_PROBABILITY = "{what} must be a probability from 0% to 100%; got '{raw}'"
NEGATIVE = "{what} must be >= 0; got '{raw}'"
BASELINE_OUTSIDE = "baseline of {who} ({shown}) lies outside the scale {lo}..{hi}"
BASELINE_HINT = "a baseline is a score from {lo} to {hi}"


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
UNKNOWN_DISTRIBUTION = "unknown distribution '{name}'"
NEGATIVE_WEIGHT = "weight {raw} is negative"
PAIRS_OUTSIDE_DISCRETE = "'value: weight' pairs belong in discrete(...), not {name}(...)"
SIGNATURE_HINT = "write {signature}"
WRONG_ARITY = "{name} takes {arity} numbers, {signature}; got {got}"
NEGATIVE_SD = "the standard deviation of normal(...) is negative ({raw})"
UNIFORM_REVERSED = "uniform(lo, hi) has lo > hi ({lo} > {hi})"
NOT_POSITIVE = "{name}(a, b) needs a > 0 and b > 0; got {raw}"
NOT_POSITIVE_HINT = "a and b count successes and failures, as in beta(3, 57) for about 5%"
PROBABILITY_FORM_FOR_SCORE = "{what} is {unit}; {signature} is a probability"


# ------------------------------------------------------ names and attributes
NAME_TAKEN_HINT = "every persona, stage and event needs its own name"
CHOOSE_NAME_HINT = "choose another name"
GIVEN_TWICE_HINT = "remove one of them"
MERGE_FOR_HINT = "merge the two lines"
ATTRIBUTE_TWICE = "attribute '{name}' is given twice"
UNKNOWN_NAME = "unknown {kind} '{name}'"
SECOND_FOR_LINE = "persona '{persona}' already has a 'for' line here (line {line})"
FOR_CHANGES_NOTHING = "'for {persona}' changes nothing"


# ------------------------------------------------------------------ imports
IMPORT_NEEDS_PATH = "import needs a file path"
OUTSIDE_IMPORT_HINT = ("move the file under this directory, or pass "
                       "--allow-outside-imports")
CYCLE_HINT = "an imported file must not import the file that imports it"
NO_IMPORTS = "imports are not available here"
UNUSABLE_IMPORT = "cannot import '{rel}': not a usable file path"
IMPORT_OUTSIDE = "import '{rel}' reaches outside the directory of the importing file"


# ------------------------------------------------------------------- header
KEEP_ONE_HINT = "keep one"
EMPTY_SCALE_HINT = "e.g. scale 0..10"
GIVEN_MORE_THAN_ONCE = "'{what}' is given more than once (first at {path}:{line})"
EMPTY_SCALE = "scale {lo}..{hi} is empty: the low end must be below the high end"
WIDE_SCALE = "scale {lo}..{hi} is wider than {width} points"


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
PERSONA_NEEDS = "persona {name} needs {required}=..."
MIXED_SHARES = "persona shares mix percentages and plain weights: '{first}' and '{odd}'"
LAST_STAGE_ATTRIBUTE = "{attr} on the last stage {stage} means nothing: nobody advances past it"


# --------------------------------------------------------------- conditions
INCOMPLETE_CONDITION_HINT = ("a condition joins events and score comparisons, as in "
                             "'when glitch and not score < 5'")
SELF_REFERENCE_HINT = "a condition refers to events that happened before"
EARLIER_EVENTS_HINT = ("an event may refer only to events at an earlier stage, or "
                       "declared earlier at the same stage")
KEYWORD_IN_CONDITION = "'{name}' is a keyword, not an event: the condition is incomplete"
DEPENDS_ON_ITSELF = "event {name} cannot depend on itself"
REFERS_TO_REMOVED = "event {owner} refers to {name}, which {removed_by}"
KEEP_OR_DROP_HINT = "keep {name}, or drop it from the condition"


# ------------------------------------------------------------------ targets
TARGET_MISSABLE_HINT = "a target should be one the forecast can miss"
NPS_SCALE_HINT = "use csat or mean instead"
UNKNOWN_METRIC = "unknown metric '{metric}'"
TARGET_OPERATOR = "a target compares with >=, >, <= or <, not '{op}'"
NPS_SCALE = "nps is defined on a 0..10 scale only; this journey's scale is {lo}..{hi}"
POINTS_OF_100 = "{metric} is in points out of 100: '{raw}' is {value:g} of a point"
CONVERSION_NOT_SHARE = "conversion is a share; '{raw}' is not one"
CONVERSION_HINT = "write it as a percentage, e.g. {value:g}%"


# -------------------------------------------------------------------- paths
PATH_NAMES_REMOVED = "'{path}' names event {target}, which {removed_by}"
SET_BEFORE_REMOVING_HINT = "set {attr} before removing {target}, or keep it"
PATH_NAMES_NOTHING = "'{path}' names nothing: there is no persona, stage or event '{target}'"
NO_SUCH_ATTRIBUTE = "{kind} {target} has no attribute '{attr}'"
NOT_PER_PERSONA = "{kind} attribute '{attr}' is not per persona; drop '[{persona}]'"


# ---------------------------------------------------------------- scenarios
EXTENDS_ONCE_HINT = "name each scenario once"
COST_ONLY_HINT = "the cost is only used to weigh a change against its effect"
REMOVED_BY_PARENTS = "the scenarios it extends remove"
KEEP_ONE_LINE_HINT = "keep one of the two lines"
OWN_NAME_HINT = "give the new event its own name"
NO_SHARE_LEFT = "this change leaves every persona with a share of 0"
REMOVED_BY = "{who} removes"
SCENARIO_RESERVED = "'{name}' is a reserved word and cannot name a scenario"
SCENARIO_DECLARED = "scenario '{name}' is already declared at line {line}"
EXTENDS_TWICE = "scenario {name} extends {parent} twice"
COST_CHANGES_NOTHING = "{who} has a cost but changes nothing"
CHANGES_NOTHING = "{who} changes nothing"
SETS_TWICE = "{who} sets {path} twice (first at line {line})"
REMOVE_TOO_HINT = "remove {user} too, or change its condition"
REMOVED_ALREADY = "event {name} is removed already: {removed_by} it"
ADDS_TAKEN_NAME = "{who} adds event '{name}', but that name is taken"
LAST_STAGE_CHANGE = "{attr} on the last stage {stage} means nothing"


# ------------------------------------------------------------------- sweeps
MERGE_SWEEPS_HINT = "merge the two sweeps"
PROBABILITY_RANGE_HINT = "keep the values within 0%..100%"
COARSER_STEPS_HINT = "use coarser steps"
COARSER_STEP_HINT = "use a coarser step"
SWEEP_EMPTY = "a sweep needs at least one value"
SMALLER_FIRST_HINT = "write the smaller value after 'from'"
SWEPT_TWICE = "'{path}' is swept twice (first at line {line})"
SWEEP_NOT_PROBABILITY = "sweep of {path} reaches {shown}, which is not a probability"
SWEEP_NEGATIVE_SHARE = "sweep of {path} reaches {shown}; a share must be >= 0"
SWEEP_MONEY_TOO_LARGE = "sweep of {path} reaches {shown}, more than 1e+15"
SWEEP_OUTSIDE_SCALE = "sweep of {path} reaches {shown}, outside the scale {lo}..{hi}"
SWEEP_STOPS_SHORT = "the sweep stops at {shown}, not at {stop}"
DIVIDING_STEP_HINT = "a step that divides {span} reaches the end"
GRID_TOO_LARGE = "the sweeps make a grid of {total:,} points; the limit is {limit:,}"
STEP_NOT_POSITIVE = "the step of a sweep must be positive; got '{raw}'"
SWEEP_GOES_DOWN = "the sweep goes from {start} down to {stop}"


# -------------------------------------------------------------------- lints
NEVER_HAPPENS_P = "event {name} can never happen: p is 0% for every persona"
NEVER_HAPPENS_CONDITION = "event {name} can never happen: its condition can never hold"
UNREACHABLE_STAGE = ("no customer can reach stage {stage}: advance at {before} is 0% for every "
                     "persona")


# ------------------------------------------------------------------ surveys and volume
VOLUME = "volume"
CUSTOMERS_PER_PERIOD = "a number of customers per period"
VOLUME_POSITIVE_HINT = "the customers who enter the journey per period, as in volume 40_000"
VOLUME_NOT_POSITIVE = "volume must be more than 0 customers per period; got '{raw}'"
VOLUME_TOO_LARGE = "volume '{raw}' is more than {limit:.0e} customers per period"
VOLUME_LIMIT_HINT = "volume counts customers per period, at most {limit:.0e}; use a longer period"
MONEY_TOO_LARGE = "{what} is '{raw}', more than {limit:.0e}"
MONEY_LIMIT_HINT = "an amount of money is at most {limit:.0e}; count it in thousands or millions"
UNKNOWN_PERIOD = "unknown period '{word}'"
FUNNEL_METRIC_OF_SURVEY = ("'{survey}.{metric}': {metric} is a funnel metric over all customers, "
                           "not a survey's")
UNREACHABLE_SURVEY = ("nobody answers survey {survey}: no customer can reach stage {stage} "
                      "(advance at {before} is 0% for every persona)")
UNREACHABLE_SURVEY_HINT = "ask it at an earlier stage, or at end"


# ------------------------------------------------ wordings that depend on the facts
def without_percent_hint(raw: str) -> str:
    return f"write it without '%', as in {raw[:-1]}"


def probability_hint(value: float, raw: str, is_percent: bool) -> str:
    return ("a probability is at least 0%" if value < 0 else
            "a probability is at most 100%" if is_percent else
            f"did you mean {raw}%?" if value <= 100 else
            "write a percentage such as 5%, or a fraction such as 0.05")


def percent_not_100(total: float) -> str:
    """``total`` (a fraction) as a percentage with the digits it takes not to read as
    100%: 100.0000001%, not 100%."""
    pct = total * 100
    for digits in range(6, 18):
        text = f"{pct:.{digits}g}"
        if float(text) != 100 or digits == 17:
            return text + "%"
    return f"{pct}%"


def weights_not_100(total: float) -> str:
    return f"the weights of discrete(...) add up to {percent_not_100(total)}, not 100%"


def unknown_attribute(name: str, kind: str, who: str, allowed: Sequence[str]) -> str:
    return (f"unknown attribute '{name}' for {kind} {who}" if allowed else
            f"{kind} {who} takes no attribute '{name}'")


def attributes_hint(kind: str, allowed: Sequence[str]) -> str:
    return (f"{kind} takes " + ", ".join(allowed) if allowed else
            f"this {kind} takes no attributes")


def reserved_name(name: str, kind: str) -> str:
    return f"'{name}' is a reserved word and cannot name {a_or_an(kind)}"


def already_declared(name: str, other_kind: str, line: int, path: str | None,
                     same_file: bool) -> str:
    where = f" at line {line}" if same_file else f" in {path}:{line}"
    return f"'{name}' is already declared as {a_or_an(other_kind)}{where}"


def is_a_hint(name: str, kind: str) -> str:
    return f"'{name}' is {a_or_an(kind)}"


def import_cycle(files: Sequence[str]) -> str:
    return "import cycle: " + " -> ".join(files)


def persona_needs_hint(required: str) -> str:
    return f"e.g. {_REQUIRED_EXAMPLES[required]}"


def shares_not_100(total: float) -> str:
    return f"persona shares add up to {percent_not_100(total)}, not 100%"


def refers_to_later(owner: str, stage: str, name: str, later: str, same_stage: bool) -> str:
    where = (f"is declared further down at the same stage {later}" if same_stage
             else f"happens at the later stage {later}")
    return f"event {owner} at {stage} refers to {name}, which {where}"


def metrics_hint(metrics: Sequence[str]) -> str:
    return "metrics: " + ", ".join(metrics)


def points_hint(value: float) -> str:
    return f"for {value * 100:g} points write {value * 100:g} or {value * 100:g}%"


def target_reach(metric: str, lo: float, hi: float) -> str:
    """How far ``metric`` reaches, for a target that is always or never met."""
    return (f"runs from {lo * 100:g}% to {hi * 100:g}%" if metric == "conversion" else
            "is 0 here: every value is 0" if lo == hi == 0 and metric == "revenue" else
            f"runs from 0 to {hi:,g} here" if lo == 0 and metric == "revenue" else
            f"runs from {lo:,g} to {hi:,g} here" if metric == "revenue" else
            f"runs from {lo:g} to {hi:g}")


def target_decided(metric: str, reach: str, op: str, raw: str, always: bool) -> str:
    return (f"{metric} {reach}, so 'target {metric} {op} {raw}' is "
            f"{'always met' if always else 'never met'}")


def has_attributes_hint(kind: str, attrs: Sequence[str]) -> str:
    return f"{a_or_an(kind)} has " + ", ".join(attrs)


def extends_cycle(loop: Sequence[str]) -> str:
    return "scenarios extend each other in a cycle: " + " -> ".join(loop)


def removes_referenced(who: str, name: str, users: Sequence[str]) -> str:
    return f"{who} removes {name}, but the condition of {', '.join(users)} refers to it"


def sweep_too_long(count: int | None, limit: int) -> str:
    """``count`` None: more points than can be counted (a step of 1e-99999999999)."""
    many = "more points than can be counted" if count is None else f"{count:,} points"
    return f"this sweep has {many}; the limit is {limit:,}"


def periods_hint(periods: Sequence[str]) -> str:
    return "a volume is counted per " + ", ".join(periods[:-1]) + " or " + periods[-1]


def funnel_metric_hint(metric: str, survey_metrics: Sequence[str]) -> str:
    return (f"write 'target {metric} ...' without a survey; a survey has "
            + ", ".join(survey_metrics))


# ------------------------------------------------- uncertain values, worlds
WORLDS = "worlds"
WORLDS_HINT = ("worlds counts the draws of a forecast, each a simulation of its own: "
               "as in worlds 500 (default {default})")
WORLDS_PERCENT_HINT = "worlds is a count, not a percentage: write worlds {whole}"
UNCERTAIN_TWICE = "'{path}' is declared uncertain twice (first at line {line})"
KEEP_ONE_UNCERTAIN_HINT = "keep one distribution for it"
UNCERTAIN_NEEDS_DISTRIBUTION = ("an uncertain value needs a distribution, not the single "
                                "number {raw}")
UNCERTAIN_DISTRIBUTION_HINT = ("write what you believe it could be, such as {example}; a "
                               "known value is set on its declaration")
UNCERTAIN_NOT_PROBABILITY = ("'{path}' is a probability, but {dist} can draw values outside "
                             "0..1")
UNCERTAIN_PROBABILITY_HINT = "a probability needs a distribution inside 0..1, such as beta(5, 95)"
UNCERTAIN_MATCHING_BETA_HINT = ("a probability needs a distribution inside 0..1, such as "
                                "{beta}: mean {mean} and sd {sd}, like {dist}")
UNCERTAIN_NEGATIVE = "'{path}' cannot be negative, but {dist} can draw values below 0"
UNCERTAIN_NEGATIVE_HINT = "use a distribution on positive values, such as uniform(0.2, 0.4)"
UNCERTAIN_BASELINE_OUTSIDE = ("'{path}' is a score from {lo} to {hi}, but the mean of {dist} "
                              "is {mean:g}")
UNCERTAIN_BASELINE_HINT = ("each world draws the baseline's mean from the distribution; "
                           "center it inside the scale, as in normal({center:g}, 0.5)")
UNCERTAIN_ADDED_EVENT = ("'{path}' names event {target}, which only scenario {scenario} adds: "
                         "uncertain values are declared on the baseline")
UNCERTAIN_ADDED_EVENT_HINT = ("declare {target} in the baseline to make it uncertain, or set "
                              "{target}.{attr} inside scenario {scenario}")
WORLDS_UNUSED = "worlds {raw} changes nothing: the spec declares no uncertain value"
WORLDS_UNUSED_HINT = ("worlds are drawn only for uncertain values, as in uncertain "
                      "demo_glitch.p ~ beta(3, 57); remove the line otherwise")
UNCERTAIN_ALWAYS_SET = ("the uncertainty of '{path}' never matters: every scenario sets it")
UNCERTAIN_ALWAYS_SET_HINT = ("it still widens the baseline's forecast; remove the line if "
                             "the baseline is not in question")


def uncertain_forms_hint(forms: Sequence[str]) -> str:
    """The distributions an uncertain value of one kind of attribute may take."""
    return "use " + ", ".join(forms[:-1]) + " or " + forms[-1]
