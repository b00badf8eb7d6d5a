"""The JSON and CSV a sweep writes, pinned as SHA-256 digests of the exact bytes: swept
event chances, advances, slopes, impacts, shares, baselines and values, whole and per
persona, over two axes, with one and with two threads. The digests were taken from the
sweep that built one model and one Result per point; a faster path must give the same
bytes."""

from __future__ import annotations

import hashlib
import json

import pytest

import cxdsl
from cxdsl import analysis
from cxdsl.model import ir

SPEC = """
scale 0..10
persona a share=40% baseline=7 value=10
persona b share=60% baseline=6 value=20

stage S advance=50% slope=0.2
stage T advance=80%
stage U

event glitch p=10% impact=-2 at S
event delight p=5% impact=+1.5 at T
"""

#: (axes as --vary texts, sha256 of the JSON, sha256 of the CSV)
GRIDS = [
    (("glitch.p=0:20%:3", "S.advance=30%,45%,60%"),
     "08ac8281e16f751000055db9e86cf2cfe48f5b390caf2715a1e726b35e803e42",
     "6183d5cf030ef2bbe1501082133360c8b7afd98ed23b085aead725721e8f7402"),
    (("glitch.impact=-3:-1:3", "T.slope[b]=0,0.5"),
     "ff2bcf6237b529297a9f472df6d4897981b8cf8fbcabc251b6a24a232a69e60c",
     "aad60dd4b4e621c93a35c29b6a7cdc4d2ac423467612f33fc86045733f38ccc6"),
    (("a.share=1,2,3", "delight.p[a]=0,10%"),
     "0938b70262a076a94d5e9dd44f36ae5f8be2e9e5e66af9886630e19f1fcf3a15",
     "e02b6568cdd6de5d124f09d2cb9d803f45f2aa4c313bbb013d6e4b9570968ef8"),
    (("b.baseline=5:7:3", "a.value=10,25.5"),
     "8397829998f801f5b972408735391f1114c6581f5d2ee63fd61f4a061220ea89",
     "03817f8a07f5910d577bea83128a012adb806259b75953e8527cf2470dc06b10"),
    (("S.slope=0:1:3", "glitch.p[b]=1%,30%"),
     "54fac087c4aa9c97e7112d55aa748a73b979d3f3b988f4285489340ac2da7442",
     "d2901e49984b478dcd4b58e7b628198560e47052fe8bfe3d464d893cfc71c82b"),
    (("a.share=0,1", "glitch.p=5%,15%"),  # persona a without customers at share 0
     "d000ba23a3eb86a4ac74b02f1c2d80782043e815d11c5939c5fa73c0bf8c5c78",
     "fca1eaa7b9f338052b4e2e688b3de60d31249f191f0af62eec8cdad54cc41616"),
]


#: On a 1..5 scale (mean and csat), on a scenario that adds an event.
FIVE = """
scale 1..5
persona a share=30% baseline=3.5 value=5
persona b share=70% baseline=2.5 value=8
stage S advance=60% slope=0.3
stage T advance=70%
stage U
event glitch p=20% impact=-1 at S
scenario bot {
  event chatbot p=30% impact=+0.5 at T
}
"""

FIVE_GRIDS = [
    (("chatbot.p=0:40%:3", "glitch.impact[a]=-2,-0.5"),
     "fbc66c7d31dd48150a80b9abbb6187217355a27a40d9b6762644ae17e50f0b96",
     "7d8255405b791856c2bdee01af430503fcf4750a17bad639f2ded2a2586c991f"),
    (("T.advance[b]=40%,90%", "a.baseline=2,4.5"),
     "0ed9620c9a023ea71a469eb2209d76dcc3339b54fa30c917f8babaa03a1a7519",
     "74f64748bd18adadfe2b92152ba5e9a94f4328093a75c18265d389d9029b0dd6"),
]


def _digests(vary, threads, spec=SPEC, scenario=None):
    model = cxdsl.loads(spec)
    on = ir.with_scenario(model, scenario)
    axes = [analysis.parse_vary(v, on) for v in vary]
    sw = analysis.sweep(model, axes, scenario=scenario, customers=4000, seed=7,
                        threads=threads)
    text = json.dumps(sw.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    return (hashlib.sha256(text.encode()).hexdigest(),
            hashlib.sha256(sw.to_csv().encode()).hexdigest())


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("vary,json_sha,csv_sha", GRIDS)
def test_sweep_output_is_pinned(vary, json_sha, csv_sha, threads):
    assert _digests(vary, threads) == (json_sha, csv_sha)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("vary,json_sha,csv_sha", FIVE_GRIDS)
def test_sweep_on_a_scenario_is_pinned(vary, json_sha, csv_sha, threads):
    assert _digests(vary, threads, FIVE, "bot") == (json_sha, csv_sha)
