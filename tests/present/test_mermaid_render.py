"""The Mermaid exports rendered by the real Mermaid (``@mermaid-js/mermaid-cli`` on
Debian's Chromium): every event that can happen shows its label in the SVG, every stage its
section, and nothing that cannot happen is drawn.

``mmdc`` is looked for in ``$CXDSL_MMDC``, on the PATH, then in ``.ci/tools`` (where
``.ci/run`` installs it). Locally the test skips when mmdc or Chromium is missing; under CI
(``CI`` set) it fails instead."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import cxdsl
from cxdsl.present import export
from support import CASES_DIR, EXAMPLES, ROOT

SPECS = EXAMPLES + sorted((CASES_DIR / "export").glob("*.cxj"))
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def _tool(name: str, *candidates) -> str | None:
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return str(c)
    return shutil.which(name)


def _needed(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run installs it")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, str]:
    """The SVG text of each spec's Mermaid export, by file name."""
    mmdc = _tool("mmdc", os.environ.get("CXDSL_MMDC"),
                 ROOT / ".ci" / "tools" / "node_modules" / ".bin" / "mmdc")
    chromium = _tool("chromium", "/usr/bin/chromium")
    if mmdc is None:
        _needed("mmdc (@mermaid-js/mermaid-cli)")
    if chromium is None:
        _needed("chromium")
    tmp = tmp_path_factory.mktemp("mermaid")
    config = tmp / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": chromium, "args": CHROMIUM_FLAGS}))
    # one Markdown file, one chart per spec: mmdc starts the browser once
    doc = tmp / "charts.md"
    doc.write_text("".join(export.to_markdown(cxdsl.load(s), s.stem) + "\n" for s in SPECS),
                   "utf-8")
    res = subprocess.run([mmdc, "-q", "-p", str(config), "-i", str(doc), "-o",
                          str(tmp / "out.md")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    out = {}
    for i, spec in enumerate(SPECS, 1):
        svg = (tmp / f"out-{i}.svg").read_text("utf-8")
        out[spec.name] = html.unescape(re.sub(r"<[^>]+>", "\n", svg))
    return out


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_every_event_that_can_happen_is_drawn_with_its_label(spec, rendered):
    model = cxdsl.load(spec)
    text = rendered[spec.name]
    for stage in model.stages:
        assert export.mermaid_text(export.display(stage)) in text, stage.name
    for e in model.events:
        label = export.mermaid_text(export.display(e))
        if any(p > 0 for p in e.p):
            assert label in text, f"{e.name}: {label!r} is not in the SVG"
        else:
            assert label not in text, f"{e.name} never happens but is drawn"


def test_hazardous_labels_are_drawn(rendered):
    text = rendered["mermaid_hazards.cxj"]
    for label in ("%Percent title", "%Arrival", "%50 off, for today (30%)",
                  "% of guests upgraded", "The children loved the kids' club (40%)"):
        assert label in text, label
    assert "(0%)" not in text and "Never happens" not in text
