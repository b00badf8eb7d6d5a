"""What the checker's passes share: the diagnostics sink, the scale, the loader, the
symbol table, and the model as far as it is built.

Each pass reads what the passes before it left in the :class:`Context` and adds its own
part; :data:`cxdsl.lang.check.PASSES` is their order.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ...model import ir
from .. import ast
from .. import messages as msg
from ..diagnostics import Diagnostics, Span, did_you_mean
from ..parser import keywords

Loader = Callable[[str, Span], "ast.Module | None"]

#: Words that cannot name a declaration: the grammar's keywords.
RESERVED = frozenset(keywords())


class State(enum.Enum):
    """What became of a declaration, for what refers to it."""

    #: Accepted: the name is in the namespace.
    DECLARED = "declared"
    #: Rejected (a reserved or taken name): reported there, so what refers to it is not
    #: told again that it is unknown.
    BROKEN = "broken"
    #: An event at an unknown stage: in the namespace, not in the model.
    UNPLACED = "unplaced"
    #: Removed by the scenario being checked (or one it extends).
    REMOVED = "removed"


@dataclass
class Symbol:
    kind: str  # "persona" | "stage" | "event" | "survey"
    span: Span
    state: State


class SymbolTable:
    """Every persona, stage, event and survey name of the file, in one namespace (so a path such
    as ``X.attr`` always names one thing), each with its state.

    A name may have several symbols: the accepted declaration and rejected ones of other
    kinds. Removals are scoped to one scenario: :meth:`begin_scenario` starts them."""

    def __init__(self) -> None:
        self._symbols: dict[str, list[Symbol]] = {}
        # name -> who removed it, while one scenario is checked
        self._removed: dict[str, str] = {}
        #: An import could not be merged: the names the file may declare are missing, so
        #: none is reported as unknown (nor a journey without personas or stages).
        self.incomplete = False

    def declare(self, name: str, kind: str, span: Span) -> None:
        self._symbols.setdefault(name, []).append(Symbol(kind, span, State.DECLARED))

    def reject(self, name: str, kind: str, span: Span) -> None:
        self._symbols.setdefault(name, []).append(Symbol(kind, span, State.BROKEN))

    def unplace(self, name: str) -> None:
        symbol = self.declared(name)
        if symbol is not None:
            symbol.state = State.UNPLACED

    def declared(self, name: str) -> Symbol | None:
        """The accepted declaration of ``name`` (placed or not), or None."""
        return next((s for s in self._symbols.get(name, ())
                     if s.state is not State.BROKEN), None)

    def names(self, kind: str) -> list[str]:
        """The accepted names of ``kind``, in declaration order."""
        return [n for n in self._symbols
                if (s := self.declared(n)) is not None and s.kind == kind]

    def has(self, name: str, state: State, kind: str | None = None) -> bool:
        if state is State.REMOVED:
            return name in self._removed
        return any(s.state is state and (kind is None or s.kind == kind)
                   for s in self._symbols.get(name, ()))

    def reported_at_declaration(self, name: str) -> bool:
        """Whether ``name``'s declaration has errors of its own (reported there)."""
        return self.has(name, State.BROKEN) or self.has(name, State.UNPLACED)

    def begin_scenario(self, removed: dict[str, str]) -> None:
        """Start a scenario with ``removed`` (event -> who removed it) gone."""
        self._removed = dict(removed)

    def remove(self, name: str, by: str) -> None:
        self._removed[name] = by

    def removed_by(self, name: str) -> str | None:
        return self._removed.get(name)

    def end_scenario(self) -> None:
        self._removed = {}


@dataclass
class Context:
    """The state of one check. ``scale`` is the score scale (lo, hi)."""

    diags: Diagnostics
    module: ast.Module
    loader: Loader | None
    base_dir: str | None
    allow_outside: bool
    scale: tuple[int, int] = (0, 10)
    symbols: SymbolTable = field(default_factory=SymbolTable)
    #: The statements of the file and its imports, imports replaced by what they import.
    statements: list = field(default_factory=list)
    #: ``statements`` grouped by their AST class.
    by_kind: dict[type, list] = field(default_factory=dict)
    #: The header's single statements, by keyword (None when absent).
    header: dict[str, object] = field(default_factory=dict)
    customers: int | None = None
    seed: int | None = None
    #: ``volume N per PERIOD`` (None: not given, or reported)
    volume: float | None = None
    period: str = "year"
    #: Every event of the file -> its stage: a condition may name an event declared
    #: further down when it happens at an earlier stage.
    event_stages: dict[str, str] = field(default_factory=dict)
    personas: list[ir.Persona] = field(default_factory=list)
    stages: list[ir.Stage] = field(default_factory=list)
    #: The model so far; None until the declarations are checked, and when the check
    #: stops early.
    model: ir.Model | None = None
    stopped: bool = False

    def err(self, code: str, message: str, span: Span | None, hint: str | None = None
            ) -> None:
        self.diags.error(code, message, span, hint)

    def warn(self, code: str, message: str, span: Span | None, hint: str | None = None
             ) -> None:
        self.diags.warning(code, message, span, hint)

    def statements_of(self, kind: type) -> list:
        return self.by_kind.get(kind, [])

    @property
    def persona_names(self) -> list[str]:
        return self.symbols.names("persona")

    def declare(self, name: ast.Name, kind: str, keyword_ok: bool = False) -> bool:
        """Enter ``name`` as a ``kind`` declaration; False (reported) when it cannot be.
        ``keyword_ok``: the name may be a keyword (read only where a keyword cannot be)."""
        if name.text in RESERVED and not keyword_ok:
            self.err("E203", msg.reserved_name(name.text, kind), name.span,
                     msg.CHOOSE_NAME_HINT)
            return False
        other = self.symbols.declared(name.text)
        if other is not None:
            self.err("E202", msg.already_declared(
                name.text, other.kind, other.span.line, other.span.path,
                other.span.path == name.span.path), name.span, msg.NAME_TAKEN_HINT)
            return False
        self.symbols.declare(name.text, kind, name.span)
        return True

    def unknown(self, name: ast.Name, kind: str, candidates: Iterable[str]) -> None:
        if self.symbols.incomplete and kind in ("persona", "stage", "event", "survey"):
            return
        hint = did_you_mean(name.text, candidates)
        other = self.symbols.declared(name.text)
        if not hint and other is not None:
            hint = msg.is_a_hint(name.text, other.kind)
        self.err("E201", msg.UNKNOWN_NAME.format(kind=kind, name=name.text), name.span, hint)

    def persona_ref(self, name: ast.Name) -> str | None:
        """The persona ``name`` refers to, or None (reported unless its declaration was)."""
        personas = self.persona_names
        if name.text in personas:
            return name.text
        if self.symbols.has(name.text, State.BROKEN, "persona"):
            return None  # its declaration is the error, reported there
        self.unknown(name, "persona", personas)
        return None
