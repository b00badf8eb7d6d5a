"""Sampling: the respondent table of simulated customers (``cxdsl sample``).

The customers are those ``cxdsl run`` simulates with the same seed (same persona counts,
same draws; for a spec with ``uncertain`` values, the same worlds, each with customers of
its own), recorded one by one (:mod:`cxdsl.sim.customers`), so the table's counts are the
run's tallies exactly. Per customer: ``persona``; ``reached`` (the last stage reached);
one 1/0 column per event (0 also for an event at a stage the customer never reached: a
simulated customer's history is fully known); one column per survey, the answer, blank
when the customer was not asked (did not reach the survey's stage) or, with ``respond=P``,
did not answer (each asked customer answers with probability P, a keyed draw).

    table = sample_table(model, customers=10_000, seed=42)           # RespondentTable
    write_sample("out.parquet", model, customers=10**6, seed=42)    # in chunks

Files: ``.csv`` or ``.parquet`` by suffix; columns ``customer`` (persona and index within
the persona: ``smb-17``), ``world`` (forecasts only), ``persona``, ``reached``, the events,
the surveys. A file is written in chunks of :data:`CHUNK` rows (memory does not grow with
the number of customers) into a temporary file beside the target, then renamed over it:
the target is either as it was or complete (its mode kept; a symlink is followed, and a
device or a FIFO is written into as it is). This is :mod:`cxdsl.tooling.files`' rule for
the commands' outputs, written here for a file streamed in chunks (the data layer sits
below tooling).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..model import ir
from ..sim import customers as sim_customers
from ..sim.simulate import DEFAULT_CUSTOMERS
from . import messages as msg
from .table import NO_ANSWER, RespondentTable, concat

#: Rows per chunk of a written file.
CHUNK = 1 << 18
#: Output formats by file suffix.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class SampleError(ValueError):
    """A bad argument to the sampler (what the CLI reports as a usage error)."""


def check_respond(respond) -> float | None:
    """``respond`` as a probability in [0, 1] (``40%`` and ``0.4`` alike), or None."""
    if respond is None:
        return None
    text = str(respond).strip()
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise SampleError(msg.RESPOND_NOT_NUMBER.format(value=respond)) from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise SampleError(msg.RESPOND_RANGE.format(value=respond))
    return value


def output_format(path: str) -> str:
    """``"csv"`` or ``"parquet"`` from ``path``'s suffix, or SampleError."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise SampleError(msg.OUTPUT_SUFFIX.format(path=path))
    return FORMATS[suffix]


def reserved_clash(model: ir.Model) -> str | None:
    """The first event or survey named like a column of its own (``reached``,
    ``customer``, ``world``), which a table could not tell apart; None when none is."""
    names = [e.name for e in model.events] + [s.name for s in model.all_surveys]
    return next((n for n in names if n in ("reached", "customer", "world")), None)


@dataclass(frozen=True)
class SampleChunk:
    """One chunk of a sample: its rows as a table, each row's customer index ``j``
    (int64[n], the index within its persona that keys its draws), and the number of
    customers in the whole sample."""

    table: RespondentTable
    j: np.ndarray
    total: int


def iter_sample(model: ir.Model, customers: int | None, seed: int | None,
                scenario: str | None = None, respond: float | None = None, *,
                worlds: int | None = None, chunk: int = CHUNK) -> Iterator[SampleChunk]:
    """The sample in chunks of at most ``chunk`` rows, in file order (by world, persona,
    customer index). Arguments as :func:`sample_table`."""
    respond = check_respond(respond)
    if customers is None:
        customers = model.customers if model.customers else DEFAULT_CUSTOMERS
    if seed is None:
        seed = model.seed if model.seed is not None else 0
    clash = reserved_clash(model)
    if clash is not None:
        raise SampleError(msg.RESERVED_NAME.format(name=clash))
    pop = sim_customers.population(model, customers, seed, scenario, worlds)
    source = msg.SAMPLE_SOURCE.format(customers=pop.total, seed=pop.seed)
    row = 2  # the header is row 1
    for group in _groups(pop.segments(), chunk):
        yield _chunk(pop, group, respond, source, row)
        row += sum(seg.count for seg in group)


def _groups(segments, chunk: int) -> Iterator[list[sim_customers.Segment]]:
    """``segments`` cut into groups of exactly ``chunk`` customers (the last: the rest)."""
    group, size = [], 0
    for seg in segments:
        j, left = seg.j, seg.count
        while left:
            take = min(left, chunk - size)
            group.append(sim_customers.Segment(seg.point, seg.persona, j, take))
            j, left, size = j + take, left - take, size + take
            if size == chunk:
                yield group
                group, size = [], 0
    if group:
        yield group


def _chunk(pop: sim_customers.Population, group, respond, source: str, row: int
           ) -> SampleChunk:
    reached, happened, answer = sim_customers.record(pop, group, respond)
    n = reached.shape[0]
    persona = np.concatenate([np.full(s.count, s.persona, dtype=np.int32) for s in group])
    j = np.concatenate([np.arange(s.j, s.j + s.count, dtype=np.int64) for s in group])
    world = (np.concatenate([np.full(s.count, s.point, dtype=np.int32) for s in group])
             if pop.worlds else None)
    m = pop.model
    table = RespondentTable(
        source=source, personas=tuple(p.name for p in m.personas),
        stages=tuple(s.name for s in m.stages), events=tuple(e.name for e in m.events),
        surveys=tuple(s.name for s in m.all_surveys), persona=persona, reached=reached,
        happened=happened, answer=answer, row=np.arange(row, row + n, dtype=np.int64),
        has_event=(True,) * len(m.events), has_survey=(True,) * len(m.all_surveys),
        has_reached=True, ignored=(), inconsistent=np.zeros(n, dtype=bool), world=world)
    return SampleChunk(table, j, pop.total)


def sample_table(model: ir.Model, customers: int | None, seed: int | None,
                 scenario: str | None = None, respond: float | None = None, *,
                 worlds: int | None = None) -> RespondentTable:
    """The respondent table of the ``customers`` customers ``cxdsl run`` simulates for
    ``model`` with ``seed`` (and ``scenario``, and ``worlds`` for a spec with uncertain
    values), coded against the model the run simulates (with the scenario applied: its
    events). ``customers`` and ``seed`` default to the spec's, then 100000 and 0, as a
    run's do. ``respond``: the probability an asked customer answers (default: all do).

    Raises :class:`SampleError` or :class:`cxdsl.sim.simulate.SimulationError` for bad
    arguments."""
    parts = [c.table for c in iter_sample(model, customers, seed, scenario, respond,
                                          worlds=worlds)]
    return concat(parts)


# ---------------------------------------------------------------------------- files


def to_arrow(c: SampleChunk) -> pa.Table:
    """A chunk as the columns of the file (see the module docstring)."""
    t = c.table
    persona = pa.DictionaryArray.from_arrays(pa.array(t.persona), pa.array(t.personas))
    names = pc.cast(persona, pa.string())
    columns = {"customer": pc.binary_join_element_wise(names, pc.cast(pa.array(c.j),
                                                                      pa.string()), "-")}
    if t.world is not None:
        columns["world"] = pa.array(t.world)
    columns["persona"] = persona
    columns["reached"] = pa.DictionaryArray.from_arrays(pa.array(t.reached),
                                                        pa.array(t.stages))
    for k, name in enumerate(t.events):
        columns[name] = pa.array(np.ascontiguousarray(t.happened[:, k]))
    for v, name in enumerate(t.surveys):
        a = np.ascontiguousarray(t.answer[:, v])
        columns[name] = pa.array(a, mask=a == NO_ANSWER)
    return pa.table(columns)


def write_sample(target: str, model: ir.Model, customers: int | None, seed: int | None,
                 scenario: str | None = None, respond: float | None = None, *,
                 worlds: int | None = None, chunk: int = CHUNK, fmt: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> int:
    """Write the sample (:func:`sample_table`) to the file ``target``, chunk by chunk, as
    CSV or Parquet (``fmt``, default by ``target``'s suffix); returns the number of rows.
    ``progress(done, total)`` is called after each chunk with the rows written. The
    command writes through :func:`cxdsl.tooling.files.write_streamed`, which makes
    ``target`` a temporary file renamed over the output: all or nothing."""
    fmt = fmt or output_format(target)
    chunks = iter_sample(model, customers, seed, scenario, respond, worlds=worlds,
                         chunk=chunk)
    head = next(chunks)
    return _write_chunks(target, fmt, to_arrow(head), head.total, chunks, progress)


def _write_chunks(target: str, fmt: str, first: pa.Table, total: int, chunks,
                  progress) -> int:
    """Write ``first`` and the tables of the remaining ``chunks`` to ``target``."""
    rows = 0
    writer = (pacsv.CSVWriter(target, first.schema,
                              write_options=pacsv.WriteOptions(quoting_style="none"))
              if fmt == "csv" else pq.ParquetWriter(target, first.schema))
    with writer:
        table = first
        while table is not None:
            writer.write_table(table)
            rows += table.num_rows
            if progress is not None:
                progress(rows, total)
            c = next(chunks, None)
            table = None if c is None else to_arrow(c)
    return rows


__all__ = ["CHUNK", "SampleError", "SampleChunk", "check_respond", "output_format",
           "iter_sample", "sample_table", "to_arrow", "write_sample"]
