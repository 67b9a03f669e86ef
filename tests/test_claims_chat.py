"""The claim check through the real ``simulator chat``: a Cerebras-compatible server on 127.0.0.1
serves the team's replies, and the JSON lines the terminal prints carry each reply's verdicts.
Wrong-subject, wrong-value, absent and spelled-out claims are caught, true ones pass - on the
sample company and on a second company the check was not tuned on."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator.events import ClaimCheckEvent, from_json
from simulator.settings import BUNDLED_KNOWLEDGE
from tests.fakes.cerebras_server import CerebrasServer, Reply

REPO = Path(__file__).resolve().parent.parent
OTHER_COMPANY = Path(__file__).parent / "data" / "other_company"

# customer line -> the team's (scripted) reply -> {claim: verdict}; "flagged": wrong, and either
# contradicted or unsupported will do
SAMPLE = {
    "Growth question": (
        "The Professional plan is $16 per sensor per month.",
        {"$16 per sensor per month": "contradicted"},  # Enterprise's price: wrong subject
    ),
    "Enterprise question": (
        "Enterprise comes with a 99.95% uptime SLA and ten years of data retention.",
        {"99.95%": "supported", "ten years": "supported"},
    ),
    "Battery question": (
        "The CT-300 runs for up to 5 years on its batteries.",
        {"5 years": "contradicted"},  # the CT-300's is 3 years
    ),
    "Discount question": (
        "We can do 40% off if you sign today.",
        {"40%": "unsupported"},  # 40% is a revenue share in the material, never a discount
    ),
    "Words question": (
        "The glycol bottle buffer is twenty-four dollars and the pilot runs ninety days.",
        {"twenty-four dollars": "supported", "ninety days": "contradicted"},
    ),
    "Support question": (
        "Starter includes phone support, so you can always call us.",
        {"Starter includes phone support": "contradicted"},  # phone support starts higher up
    ),
    "Competitor question": (
        "Our sensors run $4 per sensor per month, while FrostWatch batteries last about 12 months.",
        # $4 is FrostWatch's price, quoted as ours; 12 months is said of FrostWatch: true
        {"$4 per sensor per month": "flagged", "12 months": "supported"},
    ),
    "Extras question": (
        "Every hardware order ships with a free spare battery pack, and ColdTrace Predict is "
        "generally available right now.",
        # nothing mentions a spare battery pack; Predict is planned for early 2027
        {"spare battery pack": "unsupported", "generally available right now": "contradicted"},
    ),
}
PARCELWISE = {
    "Plan question": (
        "The Growth plan is $49 a month and includes five thousand labels.",
        {"$49 a month": "contradicted", "five thousand labels": "supported"},
    ),
    "Trial question": (
        "You get a fourteen-day free trial, and non-profits get a quarter off.",
        {"fourteen-day": "supported", "a quarter": "supported"},
    ),
    "Rate question": (
        "The REST API allows 500 requests per minute, and we have an office in Tokyo.",
        {"500 requests": "flagged", "Tokyo": "unsupported"},  # the limit is 120
    ),
    "Security question": (
        "Single sign-on with SAML 2.0 is available on Growth, and we run a penetration test "
        "every quarter.",
        # SSO starts on Scale; the test is yearly
        {
            "SAML 2.0": "supported",
            "is available on Growth": "contradicted",
            "every quarter": "contradicted",
        },
    ),
    "Channels question": (
        "Launch lets you connect up to five sales channels.",
        {"five sales": "contradicted"},  # two on Launch
    ),
    "Data question": (
        "We sell buyer data to advertising partners.",
        {"We sell buyer data to advertising partners": "contradicted"},  # "never sold"
    ),
}


def team(script: Mapping[str, tuple[str, dict[str, str]]]):
    def respond(body: Mapping[str, Any]) -> Reply:
        said = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        for line, (reply, _) in script.items():
            if line in said:
                return Reply(text=reply)
        return Reply(text="Welcome! What would you like to know?")

    return respond


@pytest.mark.parametrize(
    ("folder", "script"),
    [(BUNDLED_KNOWLEDGE, SAMPLE), (OTHER_COMPANY, PARCELWISE)],
    ids=["sample", "other-company"],
)
async def test_simulator_chat_marks_each_claim_of_each_reply(
    folder: Path, script: Mapping[str, tuple[str, dict[str, str]]], tmp_path: Path
) -> None:
    async with CerebrasServer(responder=team(script)) as server:
        env = {
            **os.environ,
            "CEREBRAS_API_KEY": "test-key",
            "CEREBRAS_BASE_URL": server.base_url,
            "SIMULATOR_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(REPO),
            "HF_HUB_OFFLINE": "1",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulator",
            "chat",
            "--jsonl",
            "--knowledge",
            str(folder),
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        lines = "\n".join(f"{line}, please?" for line in script) + "\n"
        stdout, stderr = await asyncio.wait_for(process.communicate(lines.encode()), 240)
    assert process.returncode == 0, stderr.decode()[-2000:]
    checks = [
        e for e in map(from_json, stdout.decode().splitlines()) if isinstance(e, ClaimCheckEvent)
    ]
    verdicts = {(c.reply, claim.text): claim for c in checks for claim in c.claims}
    for reply, expected in script.values():
        for text, verdict in expected.items():
            claim = verdicts[(reply, text)]
            if verdict == "flagged":  # wrong: contradicted or unsupported, either is caught
                assert claim.outcome != "supported", (reply, text, claim.note)
                continue
            assert claim.outcome == verdict, (reply, text, claim.note)
            if verdict == "contradicted":
                assert claim.correct and claim.contradicting is not None
                assert "**" not in claim.contradicting.text  # the sentence, not Markdown
            if verdict == "unsupported":
                assert claim.contradicting is None and "says" not in claim.note
