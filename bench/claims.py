"""Claim-check benchmark: recall on wrong claims and false flags on true ones, per company and kind.

    .venv/bin/python -m bench.claims              # print the tables
    .venv/bin/python -m bench.claims --write      # and replace BENCHMARKS.md's "Claim check"
    .venv/bin/python -m bench.claims --misses     # also list every claim judged wrongly

Reads the labelled replies of every eval set (``tests/data/eval/<company>/claims.yaml``, see
:mod:`bench.eval_sets`), runs the real :class:`~simulator.claims.ClaimChecker` on each reply (with
the labelled previous line as the conversation), and matches each labelled claim to the checked
claim whose span overlaps it most. A wrong claim (labelled contradicted or unsupported) is
*caught* when the check does not call it supported; a true claim is *falsely flagged* when it
does not. A labelled claim the check does not find at all is *not checked*: a miss when it is
wrong, no flag when it is true. Aims: recall on wrong claims >= 0.95, false flags <= 2% of true
ones. The held-out company's figures are reported, never tuned on (its file is not read here
beyond scoring).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.eval_sets import ClaimCase, ClaimSet, claim_sets, load_claims  # noqa: E402
from simulator.claims import ClaimChecker, ClaimJob  # noqa: E402
from simulator.events import Claim  # noqa: E402

BENCHMARKS = REPO / "BENCHMARKS.md"
TITLE = "## Claim check"
KINDS = ("right", "paraphrase", "words", "wrong-subject", "wrong-value", "absent")
RECALL_AIM = 0.95
FALSE_FLAG_AIM = 0.02


@dataclass(frozen=True)
class Judged:
    company: str
    reply: str
    text: str
    label: str
    kind: str
    correct: str | None
    found: Claim | None

    @property
    def wrong(self) -> bool:
        return self.label != "supported"

    @property
    def verdict(self) -> str:
        return self.found.outcome if self.found is not None else "not checked"

    @property
    def flagged(self) -> bool:
        return self.found is not None and self.found.outcome != "supported"

    def _contradicting_text(self) -> str:
        passage = self.found.contradicting if self.found is not None else None
        return passage.text if passage is not None else ""

    @property
    def right_value(self) -> bool:
        """For a contradicted claim caught as contradicted: the check names the labelled value."""
        if self.found is None or self.found.outcome != "contradicted" or not self.correct:
            return False
        return (
            _numbers(self.correct) <= _numbers(f"{self.found.correct} {self._contradicting_text()}")
            or self.correct.lower() in (self.found.correct or "").lower()
        )


def judge_set(eval_set: ClaimSet) -> tuple[list[Judged], float]:
    checker = ClaimChecker.for_folder(eval_set.knowledge)
    cases = load_claims(eval_set.claims)
    started = time.perf_counter()
    judged = [j for case in cases for j in _judge_case(eval_set.name, checker, case)]
    per_reply_ms = (time.perf_counter() - started) * 1000 / max(1, len(cases))
    return judged, per_reply_ms


def _judge_case(company: str, checker: ClaimChecker, case: ClaimCase) -> list[Judged]:
    job = ClaimJob(
        turn_id=1,
        agent="pricing",
        reply=case.reply,
        before=(case.before,) if case.before else (),
    )
    event = checker.check(job)
    out = []
    lowered = case.reply.lower()
    for label in case.claims:
        start = lowered.find(label.text.lower())
        end = start + len(label.text)
        overlapping = [
            (min(end, c.end) - max(start, c.start), c)
            for c in event.claims
            if c.start < end and start < c.end
        ]
        found = max(overlapping, key=lambda pair: pair[0])[1] if overlapping else None
        out.append(
            Judged(company, case.reply, label.text, label.verdict, label.kind, label.correct, found)
        )
    return out


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


# -- report ----------------------------------------------------------------------------------------


def _ratio(done: int, total: int) -> str:
    return f"{done}/{total} ({done / total:.2f})" if total else "-"


def summary_rows(judged: list[Judged]) -> list[list[str]]:
    rows = []
    by_company: dict[str, list[Judged]] = defaultdict(list)
    for j in judged:
        by_company[j.company].append(j)
    for company, items in by_company.items():
        wrong = [j for j in items if j.wrong]
        true = [j for j in items if not j.wrong]
        caught = sum(j.flagged for j in wrong)
        false_flags = sum(j.flagged for j in true)
        flags = caught + false_flags
        contradicted = [j for j in wrong if j.label == "contradicted"]
        rows.append(
            [
                company,
                str(len(items)),
                _ratio(caught, len(wrong)),
                _ratio(false_flags, len(true)),
                _ratio(caught, flags),
                _ratio(sum(j.right_value for j in contradicted), len(contradicted)),
                str(sum(j.found is None for j in items)),
            ]
        )
    return rows


SUMMARY_COLUMNS = [
    "company",
    "claims",
    "recall on wrong claims",
    "false flags (share of true)",
    "precision of flags",
    "right value shown (contradicted)",
    "not checked",
]


def kind_rows(judged: list[Judged]) -> list[list[str]]:
    rows = []
    for company in dict.fromkeys(j.company for j in judged):
        for kind in KINDS:
            items = [j for j in judged if j.company == company and j.kind == kind]
            if not items:
                continue
            verdicts = Counter(j.verdict for j in items)
            good = sum(j.flagged == j.wrong for j in items)
            rows.append(
                [
                    company,
                    kind,
                    str(len(items)),
                    _ratio(good, len(items)),
                    ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())),
                ]
            )
    return rows


KIND_COLUMNS = ["company", "kind", "claims", "judged right", "check's verdicts"]


def markdown_table(columns: list[str], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join([":---"] * 2 + ["---:"] * (len(columns) - 2)) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def aims(judged: list[Judged]) -> str:
    """Each company against the two aims, in words."""
    out = []
    for company in dict.fromkeys(j.company for j in judged):
        items = [j for j in judged if j.company == company]
        wrong = [j for j in items if j.wrong]
        true = [j for j in items if not j.wrong]
        recall = sum(j.flagged for j in wrong) / len(wrong) if wrong else 1.0
        flags = sum(j.flagged for j in true) / len(true) if true else 0.0
        out.append(
            f"{company}: recall {recall:.2f} ({'met' if recall >= RECALL_AIM else 'missed'}), "
            f"false flags {flags:.1%} ({'met' if flags <= FALSE_FLAG_AIM else 'missed'})"
        )
    return "Aims: " + "; ".join(out) + "."


NOT_SEEN = (
    'What the check does not see yet (most "not checked" rows): a frequency or arrangement the '
    'material gives in other words ("invoice your postage weekly" against a prepaid balance), a '
    'duration said of another thing than the material\'s ("installing takes half a day"), and '
    "bare numbers with no unit. Caught: a thing the material mentions but never as free said "
    'to be free ("a free thermal label printer"); a feature said backwards (the material '
    'denies it: "a cellular '
    'modem inside", "you can stack the discounts", "we sell buyer data" against "never sold"), a '
    "priced thing said free and a free thing said to cost extra, bound to their plan or product; "
    "a feature put on a smaller plan than the material gives it; a feature the material never "
    'mentions said to be included ("ships with a free spare battery pack"); a status said in '
    'words ("generally available right now" against "planned for early 2027"); a competitor\'s '
    "figure said as ours; a sibling model's figure bound to the subject. Wrong claims the check "
    "does not see count as misses above."
)


def section(judged: list[Judged], timings: dict[str, float]) -> str:
    speed = ", ".join(f"{name} {ms:.1f} ms" for name, ms in timings.items())
    return "\n\n".join(
        [
            TITLE,
            "Reproduce with `.venv/bin/python -m bench.claims --write`. Each labelled agent reply "
            "(`tests/data/eval/<company>/claims.yaml`) is checked by the real claim check against "
            "the company's knowledge folder; a wrong claim is caught when the check does not call "
            "it supported, a true one is falsely flagged when it does not. Aims: recall on wrong "
            f"claims >= {RECALL_AIM}, false flags <= {FALSE_FLAG_AIM:.0%} of true claims. The "
            "held-out company is scored, never tuned on. Check time per reply: " + speed + ".",
            markdown_table(SUMMARY_COLUMNS, summary_rows(judged)),
            aims(judged),
            markdown_table(KIND_COLUMNS, kind_rows(judged)),
            NOT_SEEN,
        ]
    )


def write_section(text: str, path: Path = BENCHMARKS) -> None:
    """Replace (or append) the "Claim check" section; the rest of the file stays as it is."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(TITLE)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip() + "\n\n", current)
    else:
        updated = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(updated.rstrip() + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--misses", action="store_true", help="list every claim judged wrongly")
    parser.add_argument(
        "--company",
        help="only these sets, comma-separated (sample, parcelwise, dev, holdout, holdout2)",
    )
    args = parser.parse_args(argv)
    judged: list[Judged] = []
    timings: dict[str, float] = {}
    tuning = set()
    for eval_set in claim_sets():
        if args.company and eval_set.name not in args.company.split(","):
            continue
        found, ms = judge_set(eval_set)
        judged += found
        timings[eval_set.name] = ms
        if eval_set.tuning:
            tuning.add(eval_set.name)
    text = section(judged, timings)
    print(text)
    if args.misses:
        print("\nJudged wrongly (the held-out company's are never listed: it is not tuned on):")
        for j in judged:
            if j.company not in tuning:
                continue
            if j.flagged != j.wrong or (
                j.label == "contradicted" and j.flagged and not j.right_value and args.misses
            ):
                found = j.found
                detail = (
                    f"{found.outcome}: {found.note} [{found.subject}]"
                    + (f" -> {found.correct}" if found.correct else "")
                    if found
                    else "not checked"
                )
                print(
                    f"- [{j.company}/{j.kind}] {j.text!r} labelled {j.label}"
                    + (f" ({j.correct})" if j.correct else "")
                    + f"; check: {detail}\n    {j.reply}"
                )
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
