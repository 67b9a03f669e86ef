"""Synthetic but realistic extra sales material, to grow a knowledge folder 10x, 100x, 1000x.

The benchmarks need knowledge bases far larger than the sample company without shipping
megabytes of text. :func:`grow` copies a knowledge folder and adds generated documents of the
kinds a growing sales team accumulates: customer case studies, regional addenda, accessory data
sheets, integration guides, support articles and firmware release notes. Each document has a
title and sections of 90-200 words (about one retrieval passage each) written from sentence
templates with varied names, numbers and product codes, seeded so every run writes the same
text. The text is varied enough that dense search, keyword statistics and the HNSW graph are
exercised as by real documents (not one paragraph repeated), and it never contradicts the
sample company's own prices: generated documents state no plan prices.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

SECTIONS_PER_DOC = (8, 12)
GENERATED = "z-generated"
"""The generated documents' folder: it sorts after the sample's own folders, so an ingest that is
cut short has indexed the whole sample company first."""

_FIRST = (
    "Laura",
    "Tomás",
    "Priya",
    "Jonas",
    "Mei",
    "Ade",
    "Sofia",
    "Henrik",
    "Aisha",
    "Marco",
    "Yuki",
    "Olga",
    "Daniel",
    "Fatima",
    "Lukas",
    "Chen",
    "Ines",
    "Rafael",
    "Noor",
    "Erik",
)
_LAST = (
    "Brennan",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Silva",
    "Novak",
    "Haddad",
    "Kowalski",
    "Berg",
    "Costa",
    "Fischer",
    "Ivanova",
    "Nakamura",
    "Reyes",
    "Schmidt",
    "Walsh",
    "Yilmaz",
)
_PREFIX = (
    "North",
    "Blue",
    "Silver",
    "Harbor",
    "Summit",
    "Prairie",
    "Coastal",
    "Granite",
    "Maple",
    "Iron",
    "Golden",
    "Evergreen",
    "Riverside",
    "Highland",
    "Lakeshore",
    "Pioneer",
    "Sun",
    "Frost",
)
_SUFFIX = ("gate", "field", "brook", "point", "ridge", "stone", "haven", "wood", "view", "crest")
_KIND = (
    "Foods",
    "Pharmacy",
    "Logistics",
    "Labs",
    "Hospital",
    "Hotels",
    "Bakeries",
    "Markets",
    "Biotech",
    "Dairy",
    "Seafood",
    "Catering",
    "Clinics",
    "Distribution",
    "Vaccines",
)
_INDUSTRY = (
    "food distribution",
    "retail pharmacy",
    "hospital pharmacy",
    "biotech research",
    "restaurant group",
    "hotel chain",
    "seafood processing",
    "dairy cooperative",
    "vaccine clinic network",
    "grocery retail",
    "catering",
    "clinical trials logistics",
    "blood bank",
    "university research labs",
    "floral wholesale",
    "meal-kit delivery",
)
_PLACE = (
    "Ohio",
    "Bavaria",
    "Ontario",
    "Lyon",
    "Kraków",
    "Queensland",
    "Andalusia",
    "Jutland",
    "Lombardy",
    "Texas",
    "Scotland",
    "Gelderland",
    "Valencia",
    "Oregon",
    "Wallonia",
    "Hokkaido",
    "Minnesota",
    "Styria",
    "Catalonia",
    "Quebec",
    "Bohemia",
    "Flanders",
    "Alberta",
    "Kent",
)
_COUNTRY = (
    "Germany",
    "France",
    "Poland",
    "Spain",
    "Italy",
    "Denmark",
    "Netherlands",
    "Belgium",
    "Austria",
    "Czechia",
    "Ireland",
    "Sweden",
    "Portugal",
    "Canada",
    "Australia",
    "Japan",
    "Norway",
    "Finland",
    "Switzerland",
    "New Zealand",
    "Mexico",
    "Brazil",
    "Chile",
    "Singapore",
)
_SYSTEM = (
    "Oracle NetSuite",
    "Microsoft Dynamics 365",
    "Infor CloudSuite",
    "Epicor Kinetic",
    "Odoo",
    "Sage X3",
    "Manhattan WMS",
    "Blue Yonder",
    "ServiceNow",
    "Zendesk",
    "Jira Service Management",
    "Snowflake",
    "BigQuery",
    "Power BI",
    "Tableau",
    "Grafana",
    "Splunk",
    "PagerDuty",
    "Opsgenie",
    "Microsoft Teams",
    "Slack",
    "Okta",
    "Azure AD",
    "Google Workspace",
    "Salesforce",
    "HubSpot",
)
_ROOM = (
    "walk-in cooler",
    "blast freezer",
    "vaccine refrigerator",
    "reefer trailer",
    "cold room",
    "-80 °C freezer",
    "dry store",
    "ripening room",
    "pharmacy storeroom",
    "display case",
    "loading dock",
    "plasma freezer",
    "cryogenic dewar",
    "produce cooler",
    "ice cream cabinet",
)
_SYMPTOM = (
    "readings stop arriving",
    "the battery drains early",
    "the gateway shows offline",
    "alarms arrive late",
    "the probe reports a fault",
    "the display stays blank",
    "humidity reads high",
    "door events are missing",
    "SMS alerts are not delivered",
    "the report shows gaps",
    "the sensor cannot join the network",
    "timestamps look shifted",
)
_CAUSE = (
    "a metal shelf shielding the radio",
    "a logging interval set to one minute",
    "an expired LTE-M data plan",
    "a firewall blocking outbound port 443",
    "a kinked probe cable under the door gasket",
    "cells stored below freezing before use",
    "condensation after a defrost cycle",
    "a misaligned door magnet",
    "a carrier filtering short codes",
    "a gateway placed inside the freezer",
    "a wrong regional frequency plan",
    "a daylight-saving rule on the site",
)
_VERB = ("cut", "reduced", "lowered", "shortened", "halved", "trimmed")
_OUTCOME = (
    "spoilage",
    "audit preparation time",
    "manual temperature rounds",
    "insurance claims",
    "rejected deliveries",
    "overnight call-outs",
    "vaccine wastage",
    "energy use",
    "compressor failures",
    "paper logs",
    "time to acknowledge an alarm",
)


def grow(
    source: Path,
    target: Path,
    *,
    target_chunks: int,
    base_chunks: int,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Copy ``source`` to ``target`` and add generated documents until the folder holds about
    ``target_chunks`` passages (``base_chunks`` being what ``source`` holds). Returns the number of
    generated documents. ``target`` is replaced."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    rng = random.Random(seed)
    wanted = max(0, target_chunks - base_chunks)
    made = docs = 0
    while made < wanted:
        kind = _KINDS[docs % len(_KINDS)]
        sections = rng.randint(*SECTIONS_PER_DOC)
        sections = min(sections, wanted - made) or 1
        folder, name, text = kind(rng, docs, sections)
        if folder == "technical":  # scoped by front matter, so all generated files sort last
            text = "---\nagents: [technical]\n---\n" + text
        path = target / GENERATED / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        made += sections
        docs += 1
        if progress is not None and docs % 500 == 0:
            progress(made)
    return docs


def _company(rng: random.Random) -> str:
    return f"{rng.choice(_PREFIX)}{rng.choice(_SUFFIX)} {rng.choice(_KIND)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _code(rng: random.Random, letters: str = "") -> str:
    prefix = letters or "".join(rng.choice("ABCDEFGHJKLMNPRSTVWX") for _ in range(2))
    return f"{prefix}-{rng.randint(100, 9999)}"


def _paragraph(
    rng: random.Random, sentences: list[Callable[[random.Random], str]], words: int
) -> str:
    out: list[str] = []
    count = 0
    while count < words:
        sentence = rng.choice(sentences)(rng)
        out.append(sentence)
        count += len(sentence.split())
    return " ".join(out)


def _doc(title: str, intro: str, sections: list[tuple[str, str]]) -> str:
    body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections)
    return f"# {title}\n\n{intro}\n\n{body}\n"


# -- document kinds -------------------------------------------------------------------------------

_CASE_SENTENCES: list[Callable[[random.Random], str]] = [
    lambda r: (
        f"The team monitors {r.randint(2, 40)} sites with {r.randint(20, 900)} "
        f"sensors in {r.choice(_ROOM)}s and {r.choice(_ROOM)}s."
    ),
    lambda r: (
        f"Before ColdTrace, staff walked {r.randint(2, 6)} rounds a day with "
        f"clipboards, and a failed {r.choice(_ROOM)} was found hours late."
    ),
    lambda r: (
        f"Within {r.randint(3, 14)} months the customer "
        f"{r.choice(_VERB)} {r.choice(_OUTCOME)} by {r.randint(15, 85)}%."
    ),
    lambda r: (
        f"{_person(r)}, head of quality, says the weekly compliance report now "
        f"takes {r.randint(5, 40)} minutes instead of {r.randint(2, 9)} hours."
    ),
    lambda r: (
        f"Alarms escalate from the shift lead to the regional manager "
        f"after {r.randint(5, 30)} minutes without acknowledgement."
    ),
    lambda r: (
        f"The rollout took {r.randint(2, 12)} weeks, site by site, "
        f"starting with the {r.choice(_ROOM)} that had failed most often."
    ),
    lambda r: (
        f"Data flows into {r.choice(_SYSTEM)} every {r.randint(1, 15)} "
        f"minutes so the planners see stock at risk."
    ),
    lambda r: (
        f"An inspector in {r.choice(_PLACE)} accepted the "
        f"automatic records without asking for the paper logs."
    ),
    lambda r: (
        f"The customer estimates a payback period of "
        f"{r.randint(3, 18)} months, mostly from avoided write-offs."
    ),
    lambda r: (
        f"During a {r.randint(2, 30)}-hour power cut the sensors kept "
        f"logging and backfilled every reading once the gateway came back."
    ),
]


def _case_study(rng: random.Random, n: int, sections: int) -> tuple[str, str, str]:
    company = _company(rng)
    industry = rng.choice(_INDUSTRY)
    headings = [
        "Customer profile",
        "The problem",
        "Why they chose ColdTrace",
        "Deployment",
        "Alarm routing",
        "Integrations",
        "Results",
        "What the team says",
        "Next steps",
        "Lessons for similar customers",
        "Audit experience",
        "Expansion plans",
    ]
    parts = [
        (h, _paragraph(rng, _CASE_SENTENCES, rng.randint(90, 190))) for h in headings[:sections]
    ]
    intro = f"How {company}, a {industry} business in {rng.choice(_PLACE)}, uses ColdTrace."
    return "case-studies", f"case-{n:06d}.md", _doc(f"Case study: {company}", intro, parts)


_REGION_SENTENCES: list[Callable[[random.Random], str]] = [
    lambda r: (
        f"Orders ship from the {r.choice(('Venlo', 'Denver', 'Singapore', 'Toronto'))} "
        f"warehouse and arrive in {r.randint(2, 12)} business days."
    ),
    lambda r: (
        f"Our distributor partner {_company(r)} handles installation "
        f"visits and first-line support in the local language."
    ),
    lambda r: (
        f"Sensors for this region use the {r.choice(('EU868', 'US915', 'AU915', 'AS923'))} "
        f"frequency plan, printed on the label."
    ),
    lambda r: (
        f"Invoices are issued in {r.choice(('EUR', 'USD', 'GBP', 'CAD', 'AUD', 'JPY', 'CHF'))} "
        f"and local VAT rules apply."
    ),
    lambda r: (
        f"Public-sector buyers usually order through a framework "
        f"agreement renewed every {r.randint(2, 5)} years."
    ),
    lambda r: (
        f"The national food safety authority expects "
        f"records to be kept for {r.randint(1, 10)} years."
    ),
    lambda r: (
        f"Regional account manager {_person(r)} covers key "
        f"accounts with more than {r.randint(50, 500)} sensors."
    ),
    lambda r: (
        f"Cellular gateways use a roaming SIM with coverage from {r.randint(2, 5)} local carriers."
    ),
    lambda r: (
        f"Training sessions run online every "
        f"{r.choice(('Tuesday', 'Wednesday', 'Thursday'))} and on site on request."
    ),
    lambda r: (
        f"Returns within {r.randint(14, 60)} days are accepted "
        f"for unused hardware in its original packaging."
    ),
]


def _region(rng: random.Random, n: int, sections: int) -> tuple[str, str, str]:
    country = rng.choice(_COUNTRY)
    headings = [
        "Availability",
        "Shipping and delivery",
        "Local partners",
        "Radio and certification",
        "Invoicing and tax",
        "Public sector",
        "Regulation",
        "Support hours",
        "Training",
        "Returns",
        "Key contacts",
        "Events",
    ]
    parts = [
        (h, _paragraph(rng, _REGION_SENTENCES, rng.randint(90, 190))) for h in headings[:sections]
    ]
    intro = f"Selling ColdTrace in {country}: what differs from the standard terms (edition {n})."
    return (
        "regions",
        f"region-{n:06d}.md",
        _doc(f"Regional addendum: {country} ({n})", intro, parts),
    )


_SHEET_SENTENCES: list[Callable[[random.Random], str]] = [
    lambda r: (
        f"The accessory fits the CT-{r.choice((100, 200, 300))} "
        f"and the GW-{r.choice((10, 20))} without tools."
    ),
    lambda r: (
        f"It weighs {r.randint(20, 900)} g and measures {r.randint(20, 200)} "
        f"× {r.randint(20, 120)} × {r.randint(5, 60)} mm."
    ),
    lambda r: f"Operating temperature is {-r.randint(10, 90)} °C to +{r.randint(30, 85)} °C.",
    lambda r: (
        f"The enclosure is rated IP{r.choice((54, 65, 66, 67, 68))} and is made of "
        f"{r.choice(('polycarbonate', 'stainless steel', 'ABS', 'aluminium'))}."
    ),
    lambda r: f"Cable length options are {r.randint(1, 3)} m and {r.randint(4, 10)} m.",
    lambda r: f"Lead time is {r.randint(1, 6)} weeks for orders above {r.randint(50, 500)} units.",
    lambda r: f"The part is recommended for {r.choice(_ROOM)}s where {r.choice(_SYMPTOM)}.",
    lambda r: f"Replacement interval is {r.randint(12, 60)} months under normal use.",
    lambda r: (
        "Each unit ships with a "
        f"{r.choice(('mounting kit', 'cable tie set', 'adhesive pad', 'calibration card'))} "
        f"and a quick-start leaflet."
    ),
]


def _data_sheet(rng: random.Random, n: int, sections: int) -> tuple[str, str, str]:
    code = _code(rng)
    headings = [
        "Overview",
        "Compatibility",
        "Dimensions",
        "Environment",
        "Materials",
        "Cables",
        "Ordering",
        "Use cases",
        "Maintenance",
        "In the box",
        "Certifications",
        "Warranty",
    ]
    parts = [
        (h, _paragraph(rng, _SHEET_SENTENCES, rng.randint(90, 190))) for h in headings[:sections]
    ]
    intro = f"Data sheet for the {code} accessory, revision {rng.choice('ABCDE')}."
    return "technical", f"sheet-{n:06d}.md", _doc(f"Accessory {code} data sheet", intro, parts)


_GUIDE_SENTENCES: list[Callable[[random.Random], str]] = [
    lambda r: (
        f"Create an API token in ColdTrace Cloud with the "
        f"{r.choice(('read', 'alarms', 'reports', 'admin'))} scope and paste it into "
        f"{r.choice(_SYSTEM)}."
    ),
    lambda r: (
        f"The connector polls every {r.randint(1, 30)} minutes "
        f"and keeps a cursor so no reading is fetched twice."
    ),
    lambda r: (
        "Map each ColdTrace site to a "
        f"{r.choice(('warehouse', 'cost centre', 'location', 'plant'))} "
        f"record before the first sync."
    ),
    lambda r: (
        f"Webhook retries back off for up to {r.randint(6, 48)} hours, "
        f"and failed deliveries are listed in the admin console."
    ),
    lambda r: (
        f"Field names follow the {r.choice(('snake_case', 'camelCase'))} "
        f"convention and timestamps are UTC in ISO 8601."
    ),
    lambda r: (
        f"A test alarm from the integration page should appear in "
        f"{r.choice(_SYSTEM)} within {r.randint(5, 60)} seconds."
    ),
    lambda r: f"Rate limits allow {r.randint(60, 1200)} requests per minute per account.",
    lambda r: (
        f"Single sign-on through {r.choice(('Okta', 'Azure AD', 'Google Workspace'))} "
        f"assigns roles from group membership."
    ),
    lambda r: f"Large exports are paginated at {r.choice((500, 1000, 5000))} readings per page.",
]


def _integration(rng: random.Random, n: int, sections: int) -> tuple[str, str, str]:
    system = rng.choice(_SYSTEM)
    headings = [
        "Before you start",
        "Authentication",
        "Site mapping",
        "First sync",
        "Alarms",
        "Webhooks",
        "Field reference",
        "Rate limits",
        "Troubleshooting",
        "Security",
        "Uninstalling",
        "Support",
    ]
    parts = [
        (h, _paragraph(rng, _GUIDE_SENTENCES, rng.randint(90, 190))) for h in headings[:sections]
    ]
    intro = f"Connecting ColdTrace Cloud to {system} (guide {n})."
    return (
        "technical",
        f"integration-{n:06d}.md",
        _doc(f"Integration guide: {system} ({n})", intro, parts),
    )


_SUPPORT_SENTENCES: list[Callable[[random.Random], str]] = [
    lambda r: f"When {r.choice(_SYMPTOM)}, the most common cause is {r.choice(_CAUSE)}.",
    lambda r: (
        f"Check the signal strength on the e-ink display; below "
        f"{-r.randint(110, 125)} dBm move the gateway closer."
    ),
    lambda r: (
        f"Firmware {r.randint(2, 5)}.{r.randint(0, 19)}.{r.randint(0, 9)} "
        f"fixed a case where {r.choice(_SYMPTOM)}."
    ),
    lambda r: f"Ask the customer for the sensor serial number, which starts with {_code(r, 'SN')}.",
    lambda r: (
        f"If the problem persists after {r.randint(2, 48)} hours, "
        f"open a ticket with priority {r.choice(('P2', 'P3', 'P4'))}."
    ),
    lambda r: (
        f"Replacing the cells with the BAT-2AA pack resolves "
        f"it in about {r.randint(40, 90)}% of cases."
    ),
    lambda r: f"Support can see the last {r.randint(7, 90)} days of radio diagnostics remotely.",
    lambda r: (
        f"In a {r.choice(_ROOM)}, mount the sensor at least "
        f"{r.randint(10, 50)} cm away from the evaporator fan."
    ),
]


def _support(rng: random.Random, n: int, sections: int) -> tuple[str, str, str]:
    symptom = rng.choice(_SYMPTOM)
    headings = [
        "Symptom",
        "Likely causes",
        "First checks",
        "Fix",
        "If it happens again",
        "Escalation",
        "Related firmware",
        "Customer wording",
        "Prevention",
        "Diagnostics",
        "Known cases",
        "Notes",
    ]
    parts = [
        (h, _paragraph(rng, _SUPPORT_SENTENCES, rng.randint(90, 190))) for h in headings[:sections]
    ]
    return (
        "support",
        f"kb-{n:06d}.md",
        _doc(f"Support article {n}: {symptom}", "For support and sales engineers.", parts),
    )


def _release_notes(rng: random.Random, n: int, sections: int) -> tuple[str, str, str]:
    version = f"{rng.randint(2, 5)}.{rng.randint(0, 19)}.{rng.randint(0, 9)}"
    headings = [
        "Highlights",
        "Sensors",
        "Gateways",
        "Cloud",
        "Reports",
        "Alarms",
        "Integrations",
        "Security fixes",
        "Known issues",
        "Upgrade steps",
        "Deprecations",
        "Thanks",
    ]
    parts = [
        (h, _paragraph(rng, _SUPPORT_SENTENCES + _GUIDE_SENTENCES, rng.randint(90, 190)))
        for h in headings[:sections]
    ]
    return (
        "release-notes",
        f"release-{n:06d}.md",
        _doc(f"Release notes {version} (build {n})", "What changed.", parts),
    )


_KINDS = (_case_study, _region, _data_sheet, _integration, _support, _release_notes)
