"""The HTML report: its content and safety as HTML, the ``report`` command, and the page as a
person sees it, opened in headless Chromium.

Chromium comes from the Debian package ``chromium`` (installed by .ci/run). Without it the
browser tests are skipped, unless the environment variable CI is set: then they fail."""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cxdsl
from cxdsl.present import report
from support import CASES_DIR, EXAMPLES, SAAS, invoke, write

CASES = CASES_DIR / "export"
LABELS = CASES / "labels.cxj"    # HTML, quotes, emoji in every label; scale 1..5
MINIMAL = CASES / "minimal.cxj"  # one stage, one persona, no events
SURVEYS = CASES / "surveys.cxj"  # surveys at a stage, at the goal, at end; a volume
N = "4000"                       # customers per simulation: enough to draw every chart

ALL_CHARTS = ["journey-map", "funnel", "distribution", "tornado", "scenarios"]
#: the example also has uncertain values and scenarios: a value-of-information chart
EXAMPLE_CHARTS = [*ALL_CHARTS, "voi", "forecast-fan", "forecast-histogram"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The reports the tests look at, made once through the command line."""
    out = tmp_path_factory.mktemp("reports")
    made = {}
    # the example at its declared values: a plain run's money table
    certain = out / "saas_certain.cxj"
    certain.write_text("".join(line for line in SAAS.read_text("utf-8").splitlines(True)
                               if not line.startswith("uncertain ")), "utf-8")
    for key, spec, extra in [
        ("example", SAAS, ["-n", N, "--png", out / "png"]),
        ("certain", certain, ["-n", N]),
        ("labels", LABELS, ["--engine", "exact"]),
        ("minimal", MINIMAL, ["--engine", "exact"]),
        ("surveys", SURVEYS, ["--engine", "exact"]),
    ]:
        path = out / f"{key}.html"
        res = invoke("report", spec, "-o", path, *extra)
        assert res.exit_code == 0, res.output
        made[key] = path
    made["png"] = out / "png"
    return made


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------- content


class TagBalance(html.parser.HTMLParser):
    """Every non-void element closed, in order; records the tags seen."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "wbr", "col", "area", "base",
            "source", "embed", "param", "track"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def parse(doc: str) -> TagBalance:
    p = TagBalance()
    p.feed(doc)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, p.stack
    return p


def test_example_report_has_every_section(reports):
    doc = text_of(reports["example"])
    parsed = parse(doc)
    for key in EXAMPLE_CHARTS:
        assert f'<figure id="chart-{key}"' in doc
    assert doc.count('<svg role="img"') == len(EXAMPLE_CHARTS)
    for section in ("overview", "surveys", "journey", "funnel", "distribution", "mot",
                    "scenarios", "voi", "targets", "source", "manifest"):
        assert f'<section id="{section}"' in doc
    # every chart has a title and a text alternative
    assert len(re.findall(r'<title id="c\d+-title">[^<]+</title><desc id="c\d+-desc">'
                          r"[^<]+</desc>", doc)) == len(EXAMPLE_CHARTS)
    assert "promoters (9–10)" in doc and "NPS" in doc
    assert "nps &gt;= 20" in doc and "✓ met" in doc
    assert "spec_sha256" in doc and "reliable_demos" in doc
    # self-contained: no script, no remote or file references
    assert "script" not in parsed.tags
    assert not re.search(r'(src|href)="(?!#)', doc)
    assert "http://" not in doc.replace("http://www.w3.org/", "")
    assert "https://" not in doc
    assert len(doc.encode("utf-8")) < 2 * 1024 * 1024


def test_reports_under_two_megabytes_for_every_example(tmp_path):
    for spec in EXAMPLES:
        out = tmp_path / f"{spec.stem}.html"
        res = invoke("report", spec, "-o", out, "-n", N)
        assert res.exit_code == 0, res.output
        assert out.stat().st_size < 2 * 1024 * 1024, spec.name


def test_labels_are_escaped_never_injected(reports):
    doc = text_of(reports["labels"])
    parsed = parse(doc)
    assert not parsed.tags & {"script", "img", "b", "i"}
    assert "onerror=alert(1)&gt;" in doc or "onerror=alert(1)>" not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "&lt;img src=x onerror=alert(1)&gt;" in doc
    assert "🎉" in doc and "😀" in doc and "🚀" in doc
    assert "&quot;Quoted&quot;" in doc or "&#34;Quoted&#34;" in doc


def test_scale_one_to_five_shows_csat_not_nps(reports):
    doc = text_of(reports["labels"])
    assert "top-two-box (4–5)" in doc
    assert "Score distribution with CSAT&#x27;s top-two-box" in doc
    assert "NPS" not in doc.replace("no NPS", "")
    assert "promoters" not in doc


def test_minimal_journey(reports):
    doc = text_of(reports["minimal"])
    parse(doc)
    for key in ("journey-map", "funnel", "distribution"):
        assert f'<figure id="chart-{key}"' in doc
    assert 'id="chart-tornado"' not in doc and 'id="chart-scenarios"' not in doc
    assert "The journey has no events." in doc
    assert "The spec defines no scenarios." in doc
    assert "The spec sets no targets." in doc
    assert "exact engine" in doc


def test_png_charts(reports):
    names = sorted(p.name for p in reports["png"].iterdir())
    assert names == sorted(f"{k}.png" for k in EXAMPLE_CHARTS)
    for p in reports["png"].iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_deterministic(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    for out in (a, b):
        assert invoke("report", LABELS, "-o", out, "-n", "1000").exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_missing_output_directory_writes_nothing(tmp_path):
    out = tmp_path / "missing" / "r.html"
    res = invoke("report", MINIMAL, "-o", out, "--png", tmp_path / "png")
    assert res.exit_code == 2
    assert "does not exist" in res.output
    assert not out.parent.exists() and not (tmp_path / "png").exists()


def test_bad_scenario_and_bad_spec(tmp_path):
    res = invoke("report", SAAS, "-o", tmp_path / "r.html", "--scenario", "nope")
    assert res.exit_code == 2 and "unknown scenario" in res.output
    bad = write(tmp_path, "bad.cxj", "stage S\n")
    res = invoke("report", bad, "-o", tmp_path / "r.html")
    assert res.exit_code == 1
    assert not (tmp_path / "r.html").exists()


def test_chosen_scenarios_only(tmp_path):
    out = tmp_path / "r.html"
    res = invoke("report", SAAS, "-o", out, "-n", "2000", "--scenario", "chatbot")
    assert res.exit_code == 0, res.output
    doc = text_of(out)
    assert "chatbot" in doc and "reliable_demos —" not in doc
    res = invoke("report", SAAS, "-o", out, "-n", "2000", "--no-scenarios")
    assert 'id="chart-scenarios"' not in text_of(out)
    assert "No scenario was compared" in text_of(out)


def test_render_from_a_result_dict_alone():
    """A report from nothing but the run JSON: no per-persona curves, no mot, no compare;
    cards sized by |impact × rate|."""
    model = cxdsl.loads('journey "One stage"\npersona p share=1 baseline=7\nstage Only\n'
                        'event good "Good" p=50% impact=+1 at Only\n'
                        'event bad "Bad" p=10% impact=-2 at Only when not good\n')
    result = {
        "manifest": {"cxdsl": "0.1.0", "spec_sha256": None, "seed": 1, "customers": 1000,
                     "engine": "numba", "scenario": None},
        "overall": {"nps": {"value": 10.0, "ci95": [5.0, 15.0]},
                    "csat": {"value": 40.0, "ci95": [35.0, 45.0]},
                    "mean": {"value": 7.3, "ci95": [7.2, 7.4]},
                    "conversion": {"value": 1.0, "ci95": [1.0, 1.0]},
                    "revenue": {"value": 0.0, "ci95": [0.0, 0.0]},
                    "distribution": [0, 0, 0, 0, 0, 0.05, 0.05, 0.4, 0.3, 0.2, 0.0]},
        "personas": {},
        "stages": [{"name": "Only", "reached": 1.0, "advanced": 0.0, "mean_score": 7.3}],
        "events": [{"name": "good", "rate": 0.5}, {"name": "bad", "rate": 0.05}],
        "targets": [],
    }
    result["personas"]["p"] = {k: v for k, v in result["overall"].items()}
    doc = report.render(report.ReportData(model, result, source="x", path="x.cxj"))
    parse(doc)
    assert 'id="chart-journey-map"' in doc and 'id="chart-tornado"' not in doc
    assert "The run result carries no survey figures." in doc


def test_source_highlighting_falls_back_to_plain_text(monkeypatch):
    monkeypatch.setitem(sys.modules, "cxdsl.tooling.pygments_lexer", None)
    code, css = report.highlight('persona a "<b>" share=1 baseline=5\n')
    assert css == ""
    assert "&lt;b&gt;" in code and "<b>" not in code


def test_source_highlighting_with_a_lexer(monkeypatch):
    """The page takes whatever the project's lexer yields (a stand-in here): spans with
    classes and the matching style sheet, the text still escaped."""
    import types

    from pygments.lexers import IniLexer

    module = types.ModuleType("cxdsl.tooling.pygments_lexer")
    module.CxjLexer = IniLexer
    monkeypatch.setitem(sys.modules, "cxdsl.tooling.pygments_lexer", module)
    code, css = report.highlight('key = "<b>x</b>"\n')
    assert '<span class="' in code and ".hl" in css
    assert "&lt;b&gt;" in code and "<b>" not in code


def test_dollar_signs_are_not_mathematics():
    model = cxdsl.loads('persona p "Pays $5 and $10" share=1 baseline=7\nstage S\n'
                        'event e "Save $5 now" impact=1 at S\n')
    data = report.collect(model, engine="exact", scenarios=[])
    doc = report.render(data)
    assert "Save $5 now" in doc and "Pays $5 and $10" in doc


# ------------------------------------------------------------------------- Chromium


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (CI must install the Debian package "
                    "`chromium`)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def browse(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--hide-scrollbars",
           "--mute-audio", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def pixels(png: Path):
    import matplotlib.image

    return matplotlib.image.imread(str(png))


@pytest.mark.parametrize("key, charts", [
    ("example", EXAMPLE_CHARTS),
    ("labels", ALL_CHARTS),
    ("minimal", ["journey-map", "funnel", "distribution"]),
    ("surveys", ALL_CHARTS),
])
def test_in_chromium(reports, tmp_path, key, charts):
    page = reports[key]
    shot = tmp_path / "shot.png"
    res = browse(page, tmp_path, "--window-size=1280,2000", f"--screenshot={shot}")
    assert shot.exists(), res.stderr[-2000:]
    assert not console_messages(res.stderr), console_messages(res.stderr)

    img = pixels(shot)[..., :3]
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000
    assert float(img.std()) > 0.05, "the screenshot is blank"
    # well past a blank page: many pixels differ from the background
    background = img[5, 5]
    assert float((abs(img - background).sum(axis=2) > 0.1).mean()) > 0.05

    res = browse(page, tmp_path, "--dump-dom")
    dom = res.stdout
    assert not console_messages(res.stderr), console_messages(res.stderr)
    for chart in charts:
        m = re.search(rf'<figure id="chart-{chart}"[^>]*>\s*<svg [^>]*role="img"', dom)
        assert m, f"chart {chart} missing from the rendered page"
    assert len(re.findall(r"<svg [^>]*role=\"img\"", dom)) == len(charts)
    assert "<script" not in dom and "<img" not in dom


# ------------------------------------------------------- surveys, rates, money, targets


def section_of(doc: str, key: str) -> str:
    m = re.search(rf'<section id="{key}".*?</section>', doc, re.S)
    assert m, f"no section {key}"
    return m.group(0)


def rows_of(html_text: str) -> list[list[str]]:
    """The text of each body row's cells, tags stripped (entities kept)."""
    out = []
    for row in re.findall(r"<tbody>(.*?)</tbody>", html_text, re.S):
        for tr in re.findall(r"<tr>(.*?)</tr>", row, re.S):
            out.append([re.sub(r"<[^>]+>", "", c) for c in
                        re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)])
    return out


def test_surveys_section(reports):
    """Every survey: who it asks and when, the headline, the share asked and its scores,
    then per persona; labels escaped. The exact engine's figures, so no intervals."""
    part = section_of(text_of(reports["surveys"]), "surveys")
    overview, per_persona = rows_of(part)[:3], rows_of(part)[3:]
    assert [r[:3] for r in overview] == [
        ["after_pay — Paid: &lt;script&gt;x&lt;/script&gt; #1 &quot;quote&quot; (headline)",
         "converted customers (at Pay)", "43.1%"],
        ["browse", "customers who reached Browse the shop (at Browse)", "100.0%"],
        ["everyone — Everyone who touched us",
         "every customer, at the end of their journey (at end)", "100.0%"]]
    assert [len(r) for r in overview] == [6, 6, 6]  # NPS, CSAT and mean score
    assert [r[:2] for r in per_persona] == [
        [s, p] for s in ("after_pay", "browse", "everyone")
        for p in ("New &lt;b&gt;customer&lt;/b&gt;", "Returning; &quot;loyal&quot;")]
    assert "<script>x" not in part and "<b>customer" not in part


def test_surveys_section_with_intervals_and_the_implicit_survey(reports):
    doc = text_of(reports["example"])
    rows = rows_of(section_of(doc, "surveys"))
    assert rows[0][0] == "customers — Relationship NPS (headline)"
    assert rows[1][:2] == ["evaluation — After the demo",
                           "customers who reached Evaluation (at Convert)"]
    # the share asked and each score with its interval
    assert all(re.fullmatch(r"[\d.]+% \[[\d.]+%, [\d.]+%\]", r[2]) for r in rows)
    assert all(re.fullmatch(r"-?[\d.]+ \[-?[\d.]+, -?[\d.]+\]", c) for r in rows
               for c in r[3:])
    minimal = section_of(text_of(reports["minimal"]), "surveys")
    assert "implicit one, customers, at the goal stage" in minimal
    assert "Per persona" not in minimal  # one persona: the overall row says it all


def test_headline_figures_name_their_survey(reports):
    overview = section_of(text_of(reports["example"]), "overview")
    for metric in ("NPS", "CSAT", "Mean score"):
        assert (f'<div class="who">{metric} of converted customers, survey customers at '
                "Delight</div>") in overview
    assert '<div class="who">of every customer who entered</div>' in overview
    doc = text_of(reports["surveys"])
    assert "NPS of converted customers, survey after_pay at Pay" in doc
    # the distribution shows the headline survey's answers
    assert "The answers of the headline survey" in section_of(doc, "distribution")


def test_moments_of_truth_table_has_rates_among_those_who_reached(reports):
    part = section_of(text_of(reports["surveys"]), "mot")
    assert "<details open>" in part
    assert "<th scope=\"col\">of those who reach its stage</th>" in part
    rows = {r[0]: r for r in rows_of(part)}
    # slow at the first stage: 30% of everyone; smooth at Pay: 60% of those who reach it
    assert rows["slow"][2:4] == ["30.0%", "30.0%"]
    assert rows["smooth"][2:4] == ["25.8%", "60.0%"]


def test_money_per_period_and_targets_per_scenario(reports):
    part = section_of(text_of(reports["surveys"]), "scenarios")
    assert "Money per month (volume 12,000 customers per month)." in part
    assert "with paired 95% intervals" not in part  # the exact engine
    money = next(r for r in rows_of(part) if r[0] == "faster — Faster pages" and
                 r[2] == "1,000")
    assert money == ["faster — Faster pages", "30,000", "1,000", "+210,725", "+209,725",
                     "0.14", "+4.4"]
    oneclick = next(r for r in rows_of(part) if r[0] == "oneclick" and r[2] == "—")
    assert oneclick[5] == "never"
    assert "Best net per month: <strong>faster</strong>" in part
    assert "set the business size" not in part
    targets = {r[0]: r[1:] for r in rows_of(part) if r[0].startswith(("after_pay", "conv"))}
    assert targets["after_pay.nps &gt;= 10"] == ["✗ 5.3", "✓ 18.4", "✓ 17.3"]
    assert targets["conversion &gt;= 45%"] == ["✗ 43.07%", "✓ 47.69%", "✗ 43.07%"]
    assert "Meet every target: <strong>faster</strong>." in part


def test_money_without_a_volume_is_per_customer_with_the_hint(reports):
    part = section_of(text_of(reports["labels"]), "scenarios")
    assert "Money per customer who enters." in part
    assert "set the business size to count it per period, e.g. `volume 40_000 per year`" \
        in part
    assert "payback (customers)" in part
    assert "Meet every target: <strong>baseline, fix</strong>." in part


def test_money_with_intervals(reports):
    part = section_of(text_of(reports["certain"]), "scenarios")
    assert "Money per year (volume 40,000 customers per year), with paired 95% intervals." \
        in part
    money = [r for r in rows_of(part) if len(r) == 7 and re.fullmatch(r"[\d,]+", r[2])]
    assert money and all(re.fullmatch(r"[+-][\d,.]+ ±[\d,.]+", r[4]) for r in money)


def test_no_variant_meets_every_target():
    model = cxdsl.loads("persona p share=1 baseline=5\nstage S\nevent e impact=+1 at S\n"
                        "target mean >= 9\nscenario s cost=10 {\n  e.impact = 2\n}\n")
    doc = report.render(report.collect(model, engine="exact"))
    assert "No variant meets every target." in section_of(doc, "scenarios")


@pytest.mark.parametrize("text, numeric", [
    ("40.5 [38.5, 42.6]", True), ("+3,216,000 ±940,850", True), ("1.2 [0.9, ∞)", True),
    ("22.3%", True), ("—", True), ("never", False), ("at Pay", False),
])
def test_numbers_are_right_aligned(text, numeric):
    from cxdsl.present.report.tables import looks_numeric

    assert looks_numeric(text) is numeric
