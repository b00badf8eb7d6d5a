"""``cxdsl new NAME [--template saas|shop|hotel]``: write a commented starter journey.

Every template has the four classic stages (Attract, Convert, Close, Delight), personas,
moments of truth (with a failure and its recovery), targets, scenarios and a sweep; each
checks clean, is in the canonical layout of ``cxdsl fmt`` and runs. Existing files are never
overwritten.
"""

from __future__ import annotations

import os
import re
import sys

import click

#: A header every template shares: how to read the file and what to do with it.
_HEADER = """\
# @FILE@: a customer-experience journey for cxdsl, started from the `@TEMPLATE@` template.
#
# How it reads (one statement per line; `#` starts a comment):
#   persona   who the customers are: their share of the population, the score they give
#             when nothing notable happens (baseline) and the revenue of a conversion (value)
#   stage     the steps of the journey, in order; `advance` is the chance of moving on
#   event     a moment of truth at a stage: its chance `p` and its `impact` on the score;
#             `when` makes it depend on earlier events or on the score so far
#   for       on the line after a stage or event: a different value for one persona
#   target    a forecast to meet; scenario: a costed improvement; sweep: a range to explore
#
# Replace the numbers with your own (analytics, surveys, support tickets), then:
#   cxdsl check @FILE@      report every problem
#   cxdsl run @FILE@        forecast NPS, CSAT, conversion and revenue
#   cxdsl compare @FILE@    what each scenario would change, and its return
#   cxdsl mot @FILE@        which moments of truth matter most
"""

SAAS = """\
journey "@TITLE@"
scale 0..10        # the score scale; 0..10 gives NPS as well as CSAT
customers 100_000  # customers per run (`--customers` overrides)
seed 1             # the same seed gives the same forecast (`--seed` overrides)

# Who buys. Shares are relative weights; the baseline can be a number or a distribution.
persona enterprise "Enterprise buyer" share=30% baseline=8 value=15_000
persona startup    "Start-up founder" share=70% baseline=normal(7.8, 1) value=900

# The journey. `slope` makes a customer more likely to move on for each point their score
# rose on the way (and less likely for each point it fell).
stage Attract "Finds us, starts a trial" advance=40% slope=0.3
stage Convert "Trial and evaluation"     advance=30% slope=0.5
  for enterprise advance=45%
stage Close   "Contract and payment"     advance=85% slope=0.2
stage Delight "Onboarding, first months"
goal Delight  # reaching Delight is a conversion (the default goal: the last stage)

# Moments of truth, in the order they can happen.
event helpful_docs "The docs answer the first question" p=50% impact=+0.5 at Attract
event demo_glitch "The demo stops on a technical glitch" p=6% impact=-3 at Convert
  for enterprise p=3%
# A recovery: it can only happen to a customer who had the glitch.
event quick_fix "An engineer joins and fixes it" p=60% impact=+2 at Convert when demo_glitch
event slow_security_review "The security review takes weeks" p=25% impact=-1.5 at Close
  for startup p=5%
event first_project "First project live within a week" p=55% impact=uniform(0.5, 1.5) at Delight
event rescue_call "A call to the unhappy ones" p=50% impact=+1.5 at Delight when score < 6

# Forecasts to meet: `cxdsl run` exits 1 when one is missed, so CI can gate on them.
target nps >= 20
target conversion >= 3%

# Improvements, each with its cost; `cxdsl compare` ranks them.
scenario stable_demos "A dedicated demo environment" cost=40_000 {
  demo_glitch.p = 1%
}
scenario security_pack "A pre-filled security questionnaire" cost=15_000 {
  slow_security_review.p[enterprise] = 8%
}
scenario both extends stable_demos, security_pack

# How the forecast responds to the glitch rate: `cxdsl sweep`.
sweep demo_glitch.p from 0% to 12% step 2%
"""

SHOP = """\
journey "@TITLE@"
scale 0..10        # the score scale; 0..10 gives NPS as well as CSAT
customers 200_000  # customers per run (`--customers` overrides)
seed 1             # the same seed gives the same forecast (`--seed` overrides)

# Who buys. Shares are relative weights; the baseline can be a number or a distribution;
# value is the margin of an order.
persona bargain_hunter "Deal-driven shopper" share=50% baseline=6.8 value=15
persona regular        "Returning customer"  share=20% baseline=discrete(8: 60%, 9: 40%) value=40
persona newcomer       "First-time visitor"  share=30% baseline=normal(7, 1.2) value=25

# The journey. `slope` makes a customer more likely to move on for each point their score
# rose on the way (and less likely for each point it fell).
stage Attract "Landing and product pages" advance=45% slope=0.3
  for regular advance=70%
stage Convert "Basket"                    advance=60% slope=0.35
stage Close   "Checkout and payment"      advance=88% slope=0.25
stage Delight "Delivery and first use"
goal Close  # a customer who reaches Close has paid: that is a conversion

# Moments of truth, in the order they can happen.
event fast_search "Search finds the product first time" p=55% impact=+0.8 at Attract
event surprise_shipping "Shipping cost appears only in the basket" p=30% impact=-2 at Convert
  for regular p=10%
event payment_declined "The card is declined" p=4% impact=-3 at Close
# A recovery: it can only happen to a customer whose card was declined.
event wallet_retry "A saved wallet saves the day" p=65% impact=+2 at Close when payment_declined
event late_delivery "The parcel arrives late" p=15% impact=normal(-2.5, 0.8) at Delight
event delay_sms "A proactive SMS with the new date" p=50% impact=+1 at Delight when late_delivery
event voucher "A voucher" p=30% impact=+0.5 at Delight when not late_delivery and score >= 8

# Forecasts to meet: `cxdsl run` exits 1 when one is missed, so CI can gate on them.
target conversion >= 10%
target mean >= 6 for newcomer

# Improvements, each with its cost; `cxdsl compare` ranks them.
scenario shipping_upfront "Shipping cost on the product pages" cost=30_000 {
  surprise_shipping.p = 8%
}
scenario premium_carrier "A carrier with live tracking" cost=120_000 {
  late_delivery.p = 6%
  delay_sms.p = 90%
}

# How the forecast responds to late deliveries: `cxdsl sweep`.
sweep late_delivery.p from 0% to 30% step 5%
"""

HOTEL = """\
journey "@TITLE@"
scale 1..5         # a five-star rating: CSAT is the share of 4s and 5s (no NPS on 1..5)
customers 100_000  # customers per run (`--customers` overrides)
seed 1             # the same seed gives the same forecast (`--seed` overrides)

# Who stays. Shares are relative weights; the baseline can be a number or a distribution;
# value is the revenue of a guest who books again.
persona business "Business traveller" share=55% baseline=3.8 value=400
persona leisure  "Leisure guest"      share=45% baseline=discrete(4: 60%, 5: 40%) value=300

# The journey, from finding the hotel to booking again. On a 1..5 scale one point is a big
# swing, so slopes are steeper than on 0..10.
stage Attract "Finds and books the hotel" advance=95%  slope=0.8
stage Convert "Arrival and check-in"      advance=100%
stage Close   "The stay and check-out"    advance=35%  slope=1.1
  for business advance=45%
stage Delight "Books again"
goal Delight  # conversion: the share of guests who book again

# Moments of truth, in the order they can happen.
event cheaper_elsewhere "The same room found cheaper elsewhere" p=15% impact=-0.6 at Attract
event room_not_ready "The room is not ready at check-in" p=15% impact=-1 at Convert
  for business p=22%
# A recovery: it can only happen to a guest whose room was not ready.
event upgrade_offer "A free upgrade" p=50% impact=+1.2 at Convert when room_not_ready
event noisy_room "A noisy room" p=10% impact=-0.8 at Close
event wifi_drops "The Wi-Fi drops during a video call" p=8% impact=-0.5 at Close
  for business p=25% impact=-1.2
event personal_note "A note from the staff" p=30% impact=uniform(0.2, 0.6) at Close when score >= 4

# Forecasts to meet: `cxdsl run` exits 1 when one is missed, so CI can gate on them.
target csat >= 50
target conversion >= 25%

# Improvements, each with its cost; `cxdsl compare` ranks them.
scenario early_check_in "Rooms ready from noon" cost=60_000 {
  room_not_ready.p = 5%
}
scenario better_wifi "Business-grade Wi-Fi" cost=25_000 {
  wifi_drops.p = 2%
  wifi_drops.p[business] = 4%
}

# How the forecast responds to the upgrade policy: `cxdsl sweep`.
sweep upgrade_offer.p in [0%, 25%, 50%, 75%, 100%]
"""

TEMPLATES = {"saas": SAAS, "shop": SHOP, "hotel": HOTEL}


def title_of(path: str) -> str:
    """A journey title from a file name: ``acme_onboarding.cxj`` -> ``Acme onboarding``."""
    stem = os.path.basename(path)
    if stem.endswith(".cxj"):
        stem = stem[:-4]
    words = re.sub(r"[_\-.\s]+", " ", stem).strip() or "My journey"
    return words[0].upper() + words[1:]


def _quote(text: str) -> str:
    """``text`` as the inside of a .cxj string: no line breaks, quotes and backslashes
    escaped."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render(template: str, path: str) -> str:
    """The text of a new journey from ``template`` for the file at ``path``."""
    name = os.path.basename(path) if path != "-" else "journey.cxj"
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    head = _HEADER.replace("@FILE@", name).replace("@TEMPLATE@", template)
    body = TEMPLATES[template].replace("@TITLE@", _quote(title_of(name)))
    return head + "\n" + body


@click.command("new")
@click.argument("name")
@click.option("--template", "-t", type=click.Choice(sorted(TEMPLATES)), default="saas",
              show_default=True, help="The kind of business the starter journey models.")
def command(name: str, template: str) -> None:
    """Write a commented starter journey to NAME.cxj (NAME itself if it ends in .cxj;
    '-' prints it). An existing file is never overwritten.

    Exit 0 when written, 1 when the file exists or cannot be written, 2 on bad usage."""
    path = name if name == "-" or name.endswith(".cxj") else name + ".cxj"
    if os.path.basename(path) == ".cxj":
        raise click.UsageError(f"{name!r} names no file: give the journey a name, e.g. "
                               "`cxdsl new onboarding`")
    text = render(template, path)
    if path == "-":
        stream = sys.stdout.buffer
        stream.write(text.encode("utf-8"))
        stream.flush()
        sys.exit(0)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        click.echo(f"error: cannot write '{path}': directory '{os.path.dirname(path)}' "
                   "does not exist", err=True)
        sys.exit(1)
    if os.path.lexists(path):
        click.echo(f"error: '{path}' already exists; cxdsl new never overwrites a file "
                   "(choose another name, or remove it first)", err=True)
        sys.exit(1)
    try:
        # "x": create, failing if the file appeared since the check above
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            try:
                fh.write(text)
                fh.flush()
            except BaseException:
                fh.close()
                os.unlink(path)  # never leave half a file behind
                raise
    except FileExistsError:
        click.echo(f"error: '{path}' already exists; cxdsl new never overwrites a file",
                   err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: cannot write '{path}': {exc.strerror or exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {path} (the {template} template). Next: cxdsl check {path}, then "
               f"cxdsl run {path}", err=True)
    sys.exit(0)
