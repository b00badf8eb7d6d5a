"""Compact terminal pictures of a forecast: the funnel and the emotion curve.

    from rich.console import Console
    from cxdsl import termviz

    termviz.render(result.to_dict(), Console(), scale=model.scale)

:func:`render` prints; :func:`renderable` returns the same picture as a rich renderable to
place in a layout. Both take the run result, either as the ``cxdsl run --json`` dict
(DESIGN.md: they read ``stages[*].name/reached/mean_score`` and, to guess the scale,
``overall``) or as a :class:`cxdsl.sim.metrics.Result` (then its model gives the scale and
the goal, and the stage labels are shown where they fit).

The picture reads without colour: bars are block characters (eighths of a cell, so a bar
is exact to 1/8 of a character), the empty part of each track is dotted, numbers are
printed beside every bar, and the goal stage carries a ``◆`` mark. Colour only adds
emphasis. On a terminal whose encoding is not UTF-8 the same picture is drawn in ASCII
(``#``, ``.``, ``*``, ``~``). It fits the console's width: funnel and emotion curve side by side
from :data:`SIDE_BY_SIDE` columns, one above the other below that, with stage names
shortened (``…``) to fit; below :data:`MIN_WIDTH` columns the bars are dropped and only
the numbers remain.

The emotion curve is the mean score at the end of each stage, drawn on the score scale.
Pass ``scale=(LO, HI)``; without it a Result's model gives it, else a result with an
``nps`` metric is on 0..10, else the bars span the curve's own range (and say so).
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text

from .numbers import fmt_share

#: Console width from which the funnel and the emotion curve are drawn side by side.
SIDE_BY_SIDE = 100
#: Narrowest console that still gets bars.
MIN_WIDTH = 40

_EIGHTHS = " ▏▎▍▌▋▊▉"
_SPARK = "▁▂▃▄▅▆▇█"
_SPARK_ASCII = "_.-:=+*#"


def bar(fraction: float, width: int, *, ascii: bool = False) -> tuple[str, str]:
    """A horizontal bar of ``fraction`` (clipped to 0..1) of ``width`` cells: the filled
    part and the dotted rest, whose lengths add up to ``width``."""
    fraction = min(max(float(fraction), 0.0), 1.0)
    if width <= 0:
        return "", ""
    if ascii:
        n = round(fraction * width)
        return "#" * n, "." * (width - n)
    eighths = round(fraction * width * 8)
    full, rem = divmod(eighths, 8)
    filled = "█" * full + (_EIGHTHS[rem] if rem else "")
    return filled, "·" * (width - len(filled))


def sparkline(values: list[float | None], lo: float, hi: float, *,
              ascii: bool = False) -> str:
    """One character per value, its height the value's place in ``lo..hi``; a space for
    None."""
    chars = _SPARK_ASCII if ascii else _SPARK
    out = []
    for v in values:
        if v is None:
            out.append(" ")
            continue
        f = 0.0 if hi <= lo else (v - lo) / (hi - lo)
        out.append(chars[min(max(round(f * (len(chars) - 1)), 0), len(chars) - 1)])
    return "".join(out)


def _shorten(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…" if width > 0 else ""


def _scale(result: dict, scale, model) -> tuple[float, float, bool]:
    """(lo, hi, known): the score scale, and whether it is the real one."""
    if scale is not None:
        return float(scale[0]), float(scale[1]), True
    if model is not None:
        return float(model.scale[0]), float(model.scale[1]), True
    if "nps" in result.get("overall", {}):
        return 0.0, 10.0, True
    means = [s["mean_score"] for s in result.get("stages", []) if s.get("mean_score")
             is not None]
    if not means:
        return 0.0, 1.0, False
    lo, hi = min(means), max(means)
    pad = max((hi - lo) * 0.1, 0.5)
    return lo - pad, hi + pad, False


def _as_dict(result):
    """(the result dict, the model or None, stage labels by name)."""
    if hasattr(result, "to_dict"):
        labels = {s.name: s.label for s in getattr(result, "stages", [])}
        return result.to_dict(), getattr(result, "model", None), labels
    return result, None, {}


def _prefix(name: str, name_w: int, is_goal: bool, ascii: bool) -> Text:
    """``name ◆ `` padded to ``name_w + 3`` cells (empty when ``name_w`` is 0)."""
    if name_w <= 0:
        return Text("")
    line = Text(_shorten(name, name_w).ljust(name_w) + " ")
    line.append(("*" if ascii else "◆") if is_goal else " ", style="bold")
    line.append(" ")
    return line


def _blocks(stages, names, goal, lo, hi, known, width, ascii, name_w, emotion_names=True):
    """The funnel block and the emotion-curve block, each a list of Text lines fitting
    ``width`` columns; the emotion curve without stage names when ``emotion_names`` is
    False (side by side, the funnel's names serve both)."""
    num_w = 7
    funnel = [Text.assemble(("Funnel", "bold"), ("  share who reached each stage", "dim"))]
    means = [s.get("mean_score") for s in stages]
    spark = sparkline(means, lo, hi, ascii=ascii)
    scale_text = f"on {lo:g}..{hi:g}" if known else "on its own range"
    emotion = [Text.assemble(("Emotion curve ", "bold"), spark,
                             (f"  mean score {scale_text}", "dim"))]
    for s, name, m in zip(stages, names, means):
        line = _prefix(name, name_w, s["name"] == goal, ascii)
        bar_w = width - line.cell_len - num_w
        if bar_w >= 4:
            filled, rest = bar(s.get("reached") or 0.0, bar_w, ascii=ascii)
            line.append(filled, style="cyan")
            line.append(rest, style="dim")
        line.append(fmt_share(s.get("reached")).rjust(num_w))
        funnel.append(line)

        line = _prefix(name, name_w if emotion_names else 0, s["name"] == goal, ascii)
        bar_w = width - line.cell_len - num_w
        if bar_w >= 4:
            if m is None:
                line.append(" " * bar_w)
            else:
                f = 0.0 if hi <= lo else (m - lo) / (hi - lo)
                filled, rest = bar(f, bar_w, ascii=ascii)
                line.append(filled, style="magenta")
                line.append(rest, style="dim")
        line.append(("—" if m is None else f"{m:.2f}").rjust(num_w))
        emotion.append(line)
    for block in (funnel, emotion):
        for line in block:
            line.truncate(width, overflow="ellipsis")
    return funnel, emotion


_TO_ASCII = str.maketrans({"…": "~", "—": "-", "◆": "*", "·": ".", "→": ">"})


def renderable(result, *, width: int = 80, scale: tuple[float, float] | None = None,
               goal: str | None = None, ascii: bool = False) -> Group:
    """The funnel and emotion curve of ``result`` (a run result dict or a Result) as a
    rich Group of Text lines, each at most ``width`` cells wide. ``goal``: the goal stage's
    name to mark (default: the Result's model's goal, else none). ``ascii``: draw with
    ASCII characters only."""
    group = _renderable(result, width=width, scale=scale, goal=goal, ascii=ascii)
    if ascii:
        for line in group.renderables:
            line.plain = line.plain.translate(_TO_ASCII)  # one character for one: spans hold
    return group


def _renderable(result, *, width: int, scale, goal, ascii: bool) -> Group:
    data, model, labels = _as_dict(result)
    stages = list(data.get("stages", []))
    if not stages:
        return Group(Text("(no stages)", style="dim"))
    if goal is None and model is not None:
        goal = model.goal
    lo, hi, known = _scale(data, scale, model)
    width = max(int(width), 20)
    plain = [s["name"] for s in stages]
    names = [f"{n} ({labels[n]})" if labels.get(n) else n for n in plain]
    if max(len(n) for n in names) > min(24, max(width // 4, 6)):
        names = plain  # labels only where every one fits
    if width < MIN_WIDTH:
        name_w = max(width - 17, 3)
        lines = [Text("reached, mean score", style="bold")]
        for s, name in zip(stages, names):
            m = s.get("mean_score")
            lines.append(Text(_shorten(name, name_w).ljust(name_w) +
                              fmt_share(s.get("reached")).rjust(8) +
                              ("—" if m is None else f"{m:.2f}").rjust(7)))
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return Group(*lines)
    name_w = min(max(len(n) for n in names), 24, max(width // 4, 6))
    if width < SIDE_BY_SIDE:
        funnel, emotion = _blocks(stages, names, goal, lo, hi, known, width, ascii, name_w)
        return Group(*funnel, Text(""), *emotion)
    gap = 3
    left_w = (width - gap) * 3 // 5
    funnel, emotion = _blocks(stages, names, goal, lo, hi, known, left_w, ascii, name_w)
    _, emotion = _blocks(stages, names, goal, lo, hi, known, width - gap - left_w, ascii,
                         name_w, emotion_names=False)
    rows = []
    for a, b in zip(funnel, emotion):
        a = a.copy()
        a.pad_right(left_w - a.cell_len)
        rows.append(Text.assemble(a, " " * gap, b))
    return Group(*rows)


def _is_ascii(console: Console) -> bool:
    return not (console.encoding or "").lower().replace("-", "").startswith("utf")


def render(result, console: Console, *, scale: tuple[float, float] | None = None,
           goal: str | None = None) -> None:
    """Print the funnel and the emotion curve of ``result`` on ``console``.

    ``result``: the ``cxdsl run --json`` dict (DESIGN.md) or a :class:`cxdsl.sim.metrics.Result`.
    ``scale``: the score scale ``(LO, HI)`` (give ``model.scale`` with a dict; a Result
    knows it). ``goal``: the goal stage to mark with ``◆`` (a Result knows it).
    Uses the console's width and encoding; needs no colour to be read; prints nothing
    else (no blank line before or after)."""
    console.print(renderable(result, width=console.width, scale=scale, goal=goal,
                             ascii=_is_ascii(console)), soft_wrap=True)


__all__ = ["render", "renderable", "bar", "sparkline", "SIDE_BY_SIDE", "MIN_WIDTH"]
