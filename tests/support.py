"""Helpers that test modules in several folders share: the checkout's paths, writing a spec,
running the command line in this process, and building a model from compact tuples.

Importable as ``support`` from every test folder (``pythonpath`` in pyproject.toml). A helper
that only one module needs stays in that module."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cxdsl.cli.main import cli, main
from cxdsl.model import ir

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "tests" / "cases"
EXAMPLES = sorted((ROOT / "examples").glob("*.cxj"))
SAAS = ROOT / "examples" / "saas_onboarding.cxj"


# ------------------------------------------------------------------------------- files


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    """``data`` as the file ``tmp_path/name`` (UTF-8 if text), its folders made as needed."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""
    def refuse(name):
        raise ValueError(f"{name} is not valid JSON")
    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------------------ command line


def invoke(*args, input: str | bytes | None = None) -> Result:
    """``cxdsl ARGS`` through click's runner, in this process. An exception other than the
    command's own exit propagates, and no output may show a traceback."""
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input,
                                catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def refused(*args) -> str:
    """The output of ``cxdsl ARGS``, which must exit 2: a usage error."""
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    return result.output


def invoke_json(*args, input: str | bytes | None = None):
    """The JSON document ``cxdsl ARGS`` prints, which must exit 0."""
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.output
    return strict_json(result.output)


def spec_fixture(text: str, name: str):
    """A fixture ``spec``: ``text`` written as the file ``name`` of the test's tmp_path."""
    @pytest.fixture
    def spec(tmp_path):
        return write(tmp_path, name, text)
    return spec


def schema_validator(name: str):
    """A validator of the output schema ``name`` (``cxdsl/schema/NAME.schema.json``) that
    resolves ``$ref``s into the other output schemas."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from cxdsl.model import serialize

    schemas = [serialize.schema(n) for n in ("common", *serialize.OUTPUT_SCHEMAS)]
    registry = referencing.Registry().with_resources(
        (s["$id"], referencing.Resource.from_contents(s)) for s in schemas)
    schema = serialize.schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry)


#: One uncertain probability (NPS = 100 × (1 − 2p) in each world), a volume and two
#: scenarios: one that fixes the uncertain value, one that changes an unrelated one.
GLITCH_FORECAST = """\
persona a share=1 baseline=9 value=100
stage S advance=50%
stage T
event e p=5% impact=-3 at S
survey all at S
uncertain e.p ~ beta(3, 57)
volume 1000 per month
scenario fix cost=500 { e.p = 1% }
scenario more cost=100 running_cost=10 { S.advance = 60% }
"""


def separate_runner() -> CliRunner:
    """A runner that keeps stdout and stderr apart, on every click version."""
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 keeps stdout and stderr apart


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """``cxdsl ARGS`` through the entry point ``main``, in this process: (exit code, stdout,
    stderr)."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


# ------------------------------------------------------------------------------- specs

#: Two personas (60% and 40%) and two stages, S then T: the start of the small specs the
#: compare and diff tests build on.
TWO_PERSONAS_TWO_STAGES = """\
persona a share=60% baseline=7 value=100
persona b share=40% baseline=8 value=300
stage S advance=60%
stage T
"""

#: The 1..5 journey whose goal, Buy, comes before its last stage, with a persona's advance
#: set apart; the survey and agreement tests build on it.
GOAL_BEFORE_LAST = """
scale 1..5
persona a share=2 baseline=discrete(2: 0.5, 4: 0.5) value=50
persona b share=1 baseline=3 value=10
stage Try advance=50% slope=1
stage Buy advance=40% slope=-0.7
  for b advance=60%
stage Stay
goal Buy
event good p=40% impact=+1 at Try
event bad p=25% impact=-1.5 at Try when not good
"""


def edited(text: str, *edits: tuple[str, str]) -> str:
    """``text`` with each ``(old, new)`` of ``edits`` made; every ``old`` stands in it once."""
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} stands {text.count(old)} times"
        text = text.replace(old, new)
    return text


#: Options the analysing commands (run, mot, sweep) all refuse with exit 2: (arguments, a
#: part of the message).
BAD_RUN_OPTIONS = [
    (["-n", "0"], "at least 1"),
    (["-n", "-5"], "at least 1"),
    (["-n", "1e20"], "more than"),
    (["-n", "1.5"], "not a whole number"),
    (["-n", "lots"], "not a number of customers"),
    (["-n", "nan"], "not a whole number"),
    (["--seed", "1.5"], "not an integer seed"),
    (["--seed", "x"], "not an integer seed"),
    (["--threads", "0"], "--threads"),
    (["--threads", "999"], "threads must be at most"),
    (["--engine", "gpu"], "--engine"),
    (["--scenario", "zzz"], "unknown scenario 'zzz'"),
    (["-o", "/no/such/dir/out.json"], "does not exist"),
]


# ------------------------------------------------------------------------------ models


def _per(x, q):
    return x if isinstance(x, tuple) else (x,) * q


ONE_PERSONA = (("a", 1.0, ir.Const(7.0)),)


def journey(personas=ONE_PERSONA, stages=(("s1", 1.0, 0.0),), events=(),
            scale=(0, 10)) -> ir.Model:
    """A model from compact tuples: personas (name, share, baseline), stages (name,
    advance, slope), events (name, stage, p, impact, when); a per-persona attribute is a
    tuple, anything else applies to every persona."""
    q = len(personas)
    return ir.Model(
        None, scale, None, None,
        tuple(ir.Persona(n, None, s, b, 0.0) for n, s, b in personas),
        tuple(ir.Stage(n, None, _per(a, q), _per(k, q)) for n, a, k in stages),
        stages[-1][0],
        tuple(ir.Event(n, None, s, _per(p, q), _per(i, q), w) for n, s, p, i, w in events))
