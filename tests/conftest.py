"""Shared fixtures. Keep this file small: put a fixture here only when several test files use it."""

from __future__ import annotations

import os
from pathlib import Path

# Any test may build a Qt widget (the app, the app benchmarks' helpers): never on a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

SMALL_COMPANY: dict[str, str] = {
    "overview.md": """# Harbor Kettle Company

Harbor Kettle makes commercial espresso machines and grinders for cafes, hotels and offices.
The company was founded in 2012 in Portland, Maine, by two former baristas who were tired of
machines that broke down during the morning rush.

## Who we sell to

Independent cafes, hotel breakfast rooms and office kitchens. Most customers run one to five
machines and want fast service more than any single feature.
""",
    "technical/machines.md": """# Machine specifications

## HK-2 Espresso Machine

The HK-2 is a dual boiler espresso machine with two group heads. The steam boiler holds 5 litres
and the brew boiler 1.8 litres. It draws 3.2 kW from a 230 V supply and heats up in 18 minutes.
Water hardness must stay below 4 dGH or the warranty does not cover scale damage.

## GR-7 Grinder

The GR-7 grinder has 64 mm flat burrs and grinds an 18 gram dose in four seconds. Burrs last
about 800 kilograms of coffee before they need replacing.
""",
    "pricing/plans.md": """# Service plans

## Basic care

Basic care costs 29 dollars per machine per month and covers one preventive visit a year.

## Total care

Total care costs 59 dollars per machine per month, includes a loan machine within 24 hours of a
breakdown and two preventive visits a year.
""",
    "competitive/rivals.md": """---
agents: [technical, pricing]
---
# Rivals

Our main rival is Steamline, whose machines are cheaper but use single boilers that cannot steam
milk and brew at the same time.
""",
    "notes/tips.txt": """Demo tips

Always pull a shot in front of the customer during a demo. Bring fresh beans roasted within the
last two weeks and ask the customer which milk they use.
""",
    "data/stock.csv": """sku,product,category,unit_price_usd,in_stock,warehouse,restock_date
HK-2,HK-2 Espresso Machine,machine,7400.00,12,Portland,2026-05-01
HK-2,HK-2 Espresso Machine,machine,7400.00,0,Rotterdam,2026-04-15
GR-7,GR-7 Grinder,grinder,1900.00,30,Portland,2026-05-01
FLT-1,Water filter cartridge,consumable,45.00,400,Portland,2026-03-01
BRN-64,Replacement burr set 64 mm for GR-7,accessory,120.00,25,Portland,2026-03-10
""",
    "data/accounts.csv": """\
account_id,company,industry,contact,order_date,sku,product,quantity,unit_price_usd,plan
A-1,Blue Gull Cafe,Cafe,Ana Ruiz,2025-06-02,FLT-1,Water filter cartridge,10,45.00,Basic care
A-1,Blue Gull Cafe,Cafe,Ana Ruiz,2024-03-15,HK-2,HK-2 Espresso Machine,2,7200.00,Basic care
A-1,Blue Gull Cafe,Cafe,Ana Ruiz,2024-03-15,GR-7,GR-7 Grinder,2,1850.00,Basic care
A-2,Seaside Hotel,Hotel,Tom Berg,2025-01-20,HK-2,HK-2 Espresso Machine,1,7400.00,Total care
A-3,Dockside Coffee,Cafe,Lea Moss,2025-02-11,HK-2,HK-2 Espresso Machine,1,7400.00,Basic care
A-3,Dockside Coffee,Cafe,Lea Moss,2025-02-11,GR-7,GR-7 Grinder,1,1900.00,Basic care
""",
}


@pytest.fixture
def small_company(tmp_path: Path) -> Path:
    """A tiny knowledge folder: unscoped, technical-, pricing- and front-matter-scoped pages,
    a .txt note and stock/accounts tables. Tests may edit it freely."""
    root = tmp_path / "knowledge"
    for relative, text in SMALL_COMPANY.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
