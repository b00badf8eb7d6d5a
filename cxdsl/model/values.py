"""The value-form registry: every form a value can take in a spec, one class each.

A value is a plain number (:class:`Const`) or a distribution written as a call,
``normal(mu, sd)``. Each form owns what every stage needs to know about it, so adding a
distribution is one class here plus the kernel's branch (``cxdsl/sim/kernel.py``) when the
kernel draws it:

- ``name``, ``params``, ``meaning``: the source form and what it stands for; ``signature``
  (``normal(mu, sd)``), ``snippet`` and ``summary`` (the signature and the meaning) follow
  from them (the checker's arity check, the language server's completion and hover, the
  docs);
- ``used_for``: the kinds of attribute that accept it (``"score"``: baselines and impacts,
  drawn per customer; ``"probability"``: ``p`` and ``advance``, where a form stands for its
  mean);
- :meth:`problem`: the checks of its numbers (``sd < 0``, ``lo > hi``), as a :class:`Problem`
  whose wording lives in the language's messages;
- :meth:`mean`, :meth:`support`, :meth:`outcomes` (the exact engine's enumeration, or None),
  :meth:`text` (one printer, with the options the language server and the exports need),
  :meth:`to_dict` / :func:`from_dict` (the canonical JSON), :meth:`scaled` (sensitivity
  analyses), and ``kernel_kind`` / :meth:`kernel_params` (the lowered table row:
  ``kernel_kind`` names the kernel's branch; ``cxdsl/sim/kernel.py`` maps it to its code).

Numbers are floats in the attribute's own unit (score points for baselines and impacts).
"""

from __future__ import annotations

import abc
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import ClassVar, Union

Number = Callable[[float], str]
_STANDARD_NORMAL = NormalDist()


def _g(x: float) -> str:
    return f"{x:g}"


def _json_number(x: float) -> float | int:
    """Whole numbers as ints (``8`` not ``8.0``) so the JSON reads naturally; exact either
    way."""
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


@dataclass(frozen=True)
class Problem:
    """A check a form's numbers fail: ``kind`` names the rule (the messages module words
    it), ``arg`` the index of the offending argument (None: the call as a whole)."""

    kind: str
    arg: int | None = None


class ValueForm(abc.ABC):
    """The base of every value form; subclasses are frozen dataclasses of their numbers."""

    name: ClassVar[str]
    params: ClassVar[tuple[str, ...]]
    meaning: ClassVar[str]
    signature: ClassVar[str]
    summary: ClassVar[str]
    snippet: ClassVar[str]
    used_for: ClassVar[frozenset[str]] = frozenset({"score"})
    kernel_kind: ClassVar[str | None] = None  # the kernel's branch (KIND_CODES in sim/kernel)

    def __init_subclass__(cls, **kwargs) -> None:
        """The call's written forms from ``name`` and ``params``, unless the form sets its
        own (a constant is no call; discrete takes any number of pairs)."""
        super().__init_subclass__(**kwargs)
        if "signature" not in cls.__dict__:
            cls.signature = f"{cls.name}({', '.join(cls.params)})"
        if "snippet" not in cls.__dict__:
            holes = ", ".join(f"${{{i}:{p}}}" for i, p in enumerate(cls.params, 1))
            cls.snippet = f"{cls.name}({holes})"
        cls.summary = f"{cls.signature}: {cls.meaning}"
        # numbers() reads the params in one call (lowering and every world's tables ask)
        get = operator.attrgetter(*cls.params) if cls.params else (lambda _self: ())
        cls._get_numbers = staticmethod(
            (lambda self: (get(self),)) if len(cls.params) == 1 else get)

    @classmethod
    def problem(cls, nums: tuple[float, ...]) -> Problem | None:
        """The first rule ``nums`` (already converted numbers) break, or None."""
        return None

    def numbers(self) -> tuple[float, ...]:
        return self._get_numbers(self)

    @abc.abstractmethod
    def mean(self) -> float:
        """The mean of a draw."""

    @abc.abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (±inf where unbounded)."""

    @abc.abstractmethod
    def quantile(self, u: float) -> float:
        """The inverse CDF at ``u`` in (0, 1): how a world draws an ``uncertain`` value from
        a uniform (deterministic, so a world's value is a pure function of its key)."""

    def with_mean(self, mean: float) -> ValueForm:
        """The form shifted so its mean is ``mean``, its spread kept (how a world sets an
        uncertain baseline or impact declared as a distribution)."""
        d = mean - self.mean()
        return type(self)(*(x + d for x in self.numbers()))

    def outcomes(self) -> list[tuple[float, float]] | None:
        """The (value, probability) pairs of a value the exact engine can enumerate, equal
        values merged, in order of first appearance; None for a continuous value."""
        lo, hi = self.support()
        return [(float(lo), 1.0)] if lo == hi else None

    def text(self, number: Number = _g, weight: Number | None = None,
             signed: bool = False) -> str:
        """Source form: ``normal(-2, 0.5)``. ``number`` formats each number, ``weight`` a
        discrete weight (default ``number``), ``signed`` puts a sign on a constant."""
        return f"{self.name}({', '.join(number(x) for x in self.numbers())})"

    def to_dict(self) -> dict:
        return {"kind": self.name, **{p: _json_number(x) for p, x in
                                      zip(self.params, self.numbers())}}

    @abc.abstractmethod
    def scaled(self, k: float, clip: tuple[float, float] | None = None) -> ValueForm:
        """Every number times ``k`` (the mean moves by the same factor), reordered so the
        form stays valid; constants and discrete values clipped to ``clip`` when given."""

    def kernel_params(self) -> tuple[float, float, float, float]:
        """The four parameters of the kernel's table row for ``kernel_kind``: the form's
        numbers, then zeros."""
        return (tuple(map(float, self.numbers())) + (0.0, 0.0, 0.0, 0.0))[:4]


@dataclass(frozen=True)
class Const(ValueForm):
    value: float

    name: ClassVar[str] = "const"
    params: ClassVar[tuple[str, ...]] = ("value",)
    meaning: ClassVar[str] = "the same for every customer"
    signature: ClassVar[str] = "a number"
    snippet: ClassVar[str] = ""
    kernel_kind: ClassVar[str | None] = "const"

    def mean(self) -> float:
        return self.value

    def quantile(self, u: float) -> float:
        return self.value

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def text(self, number: Number = _g, weight: Number | None = None,
             signed: bool = False) -> str:
        if signed and self.value != 0:
            return number(self.value) if number(self.value)[:1] in "+-" else \
                "+" + number(self.value)
        return number(self.value)

    def scaled(self, k: float, clip: tuple[float, float] | None = None) -> Const:
        return Const(_clip(self.value * k, clip))


@dataclass(frozen=True)
class Normal(ValueForm):
    mu: float
    sd: float

    name: ClassVar[str] = "normal"
    params: ClassVar[tuple[str, ...]] = ("mu", "sd")
    meaning: ClassVar[str] = "a normal distribution"
    kernel_kind: ClassVar[str | None] = "normal"

    @classmethod
    def problem(cls, nums: tuple[float, ...]) -> Problem | None:
        return Problem("negative_sd", 1) if nums[1] < 0 else None

    def mean(self) -> float:
        return self.mu

    def quantile(self, u: float) -> float:
        return self.mu + self.sd * _STANDARD_NORMAL.inv_cdf(u) if self.sd > 0 else self.mu

    def with_mean(self, mean: float) -> Normal:
        return Normal(mean, self.sd)

    def support(self) -> tuple[float, float]:
        return (self.mu, self.mu) if self.sd == 0 else (-math.inf, math.inf)

    def scaled(self, k: float, clip: tuple[float, float] | None = None) -> Normal:
        return Normal(self.mu * k, abs(self.sd * k))


@dataclass(frozen=True)
class Uniform(ValueForm):
    lo: float
    hi: float

    name: ClassVar[str] = "uniform"
    params: ClassVar[tuple[str, ...]] = ("lo", "hi")
    meaning: ClassVar[str] = "any value from lo to hi"
    kernel_kind: ClassVar[str | None] = "uniform"

    @classmethod
    def problem(cls, nums: tuple[float, ...]) -> Problem | None:
        return Problem("lo_above_hi") if nums[0] > nums[1] else None

    def mean(self) -> float:
        return (self.lo + self.hi) / 2

    def quantile(self, u: float) -> float:
        return self.lo + u * (self.hi - self.lo)

    def support(self) -> tuple[float, float]:
        return self.lo, self.hi

    def scaled(self, k: float, clip: tuple[float, float] | None = None) -> Uniform:
        lo, hi = sorted((self.lo * k, self.hi * k))
        return Uniform(lo, hi)


@dataclass(frozen=True)
class Triangular(ValueForm):
    lo: float
    mode: float
    hi: float

    name: ClassVar[str] = "triangular"
    params: ClassVar[tuple[str, ...]] = ("lo", "mode", "hi")
    meaning: ClassVar[str] = "most likely at mode"
    kernel_kind: ClassVar[str | None] = "triangular"

    @classmethod
    def problem(cls, nums: tuple[float, ...]) -> Problem | None:
        return None if nums[0] <= nums[1] <= nums[2] else Problem("mode_outside")

    def mean(self) -> float:
        return (self.lo + self.mode + self.hi) / 3

    def quantile(self, u: float) -> float:
        lo, mode, hi = self.lo, self.mode, self.hi
        if hi == lo:
            return lo
        cut = (mode - lo) / (hi - lo)
        if u < cut:
            return lo + math.sqrt(u * (hi - lo) * (mode - lo))
        return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mode))

    def support(self) -> tuple[float, float]:
        return self.lo, self.hi

    def scaled(self, k: float, clip: tuple[float, float] | None = None) -> Triangular:
        lo, mode, hi = sorted((self.lo * k, self.mode * k, self.hi * k))
        return Triangular(lo, mode, hi)

    def kernel_params(self) -> tuple[float, float, float, float]:
        lo, mode, hi = float(self.lo), float(self.mode), float(self.hi)
        # the split point of the inverse CDF, computed once (the kernel and the reference
        # engine compare with this very double)
        return lo, mode, hi, (mode - lo) / (hi - lo)


@dataclass(frozen=True)
class Discrete(ValueForm):
    """``values[i]`` with probability ``weights[i]``; weights sum to 1."""

    values: tuple[float, ...]
    weights: tuple[float, ...]

    name: ClassVar[str] = "discrete"
    params: ClassVar[tuple[str, ...]] = ()  # any number of ``value: weight`` pairs
    meaning: ClassVar[str] = "value v with weight w"
    signature: ClassVar[str] = "discrete(v1: w1, v2: w2, ...)"
    snippet: ClassVar[str] = "discrete(${1:v1}: ${2:w1}, ${3:v2}: ${4:w2})"
    kernel_kind: ClassVar[str | None] = "discrete"

    def mean(self) -> float:
        return sum(v * w for v, w in zip(self.values, self.weights))

    def quantile(self, u: float) -> float:
        total = 0.0
        for value, weight in zip(self.values, self.weights):
            total += weight
            if u < total:
                return value
        return next(v for v, w in zip(reversed(self.values), reversed(self.weights)) if w > 0)

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def outcomes(self) -> list[tuple[float, float]]:
        merged: dict[float, float] = {}
        for v, w in zip(self.values, self.weights):
            if w > 0:
                merged[float(v)] = merged.get(float(v), 0.0) + float(w)
        return list(merged.items())  # the checker has normalised the weights

    def text(self, number: Number = _g, weight: Number | None = None,
             signed: bool = False) -> str:
        weight = weight or number
        pairs = ", ".join(f"{number(v)}: {weight(w)}" for v, w in zip(self.values, self.weights))
        return f"discrete({pairs})"

    def with_mean(self, mean: float) -> Discrete:
        d = mean - self.mean()
        return Discrete(tuple(v + d for v in self.values), self.weights)

    def kernel_table(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The kernel's table of this value: the values and weights with weight > 0."""
        pairs = [(float(v), float(w)) for v, w in zip(self.values, self.weights) if w > 0]
        return tuple(v for v, _ in pairs), tuple(w for _, w in pairs)

    def to_dict(self) -> dict:
        return {"kind": "discrete", "values": [_json_number(v) for v in self.values],
                "weights": [_json_number(w) for w in self.weights]}

    def scaled(self, k: float, clip: tuple[float, float] | None = None) -> Discrete:
        return Discrete(tuple(_clip(v * k, clip) for v in self.values), self.weights)


@dataclass(frozen=True)
class Beta(ValueForm):
    """A value in [0, 1] with mean a / (a + b). As a ``p`` or ``advance`` it is a probability
    that varies from customer to customer; a customer's chance is then exactly its mean, so
    the engines use the mean (and the exact engine handles it)."""

    a: float
    b: float

    name: ClassVar[str] = "beta"
    params: ClassVar[tuple[str, ...]] = ("a", "b")
    meaning: ClassVar[str] = "a probability from 0 to 1 with mean a/(a+b)"
    used_for: ClassVar[frozenset[str]] = frozenset({"probability"})

    @classmethod
    def problem(cls, nums: tuple[float, ...]) -> Problem | None:
        for i, x in enumerate(nums):
            if not x > 0:
                return Problem("not_positive", i)
        return None

    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def quantile(self, u: float) -> float:
        from scipy.special import betaincinv  # lazy: only forecasts draw from a beta

        return float(betaincinv(self.a, self.b, u))

    def support(self) -> tuple[float, float]:
        return 0.0, 1.0

    def outcomes(self) -> list[tuple[float, float]] | None:
        return None

    def scaled(self, k: float, clip: tuple[float, float] | None = None) -> Const:
        return Const(_clip(self.mean() * k, clip))

    def with_mean(self, mean: float) -> Const:
        return Const(mean)


def _clip(x: float, clip: tuple[float, float] | None) -> float:
    return min(max(x, clip[0]), clip[1]) if clip else x


Dist = Union[Const, Normal, Uniform, Triangular, Discrete, Beta]

#: Every form by its JSON ``kind``.
KINDS: dict[str, type[ValueForm]] = {
    cls.name: cls for cls in (Const, Normal, Uniform, Triangular, Discrete, Beta)}
#: The forms a spec can call by name, in the order the docs and hints list them.
FORMS: dict[str, type[ValueForm]] = {
    name: cls for name, cls in KINDS.items() if name != "const"}


def forms_for(use: str) -> tuple[str, ...]:
    """Names of the callable forms an attribute of kind ``use`` accepts."""
    return tuple(n for n, cls in FORMS.items() if use in cls.used_for)


def from_dict(d: dict) -> ValueForm:
    """The form of a canonical JSON object (:meth:`ValueForm.to_dict`)."""
    cls = KINDS.get(d.get("kind"))
    if cls is None:
        raise ValueError(f"unknown distribution kind {d.get('kind')!r}")
    if cls is Discrete:
        return Discrete(tuple(map(float, d["values"])), tuple(map(float, d["weights"])))
    return cls(*(float(d[p]) for p in cls.params))


def is_exact(d: ValueForm) -> bool:
    """True when the exact engine can enumerate the value."""
    return d.outcomes() is not None


__all__ = ["FORMS", "KINDS", "Beta", "Const", "Discrete", "Dist", "Normal", "Problem",
           "Triangular", "Uniform", "ValueForm", "forms_for", "from_dict", "is_exact"]
