"""Attacks through the files a user opens (items 3, 7, 9, 11 of issue 11): personas, session
logs, reports, settings."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bench.attack_lab import Lab, Row, session_lines
from bench.attacks_knowledge import mode

ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "name: *i\n"
)
"""The billion laughs: 9^9 strings through nine aliases, reached from a persona field."""


def attack_alias_bomb(lab: Lab) -> list[Row]:
    personas = lab.folder("personas-bomb")
    for path in lab.personas.glob("*.yaml"):
        (personas / path.name).write_bytes(path.read_bytes())
    (personas / "bomb.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    other = lab.simulator(
        "rehearse",
        "--offline",
        "--personas",
        str(personas),
        "--persona",
        "price-conscious-restaurants",
        "--turns",
        "2",
        env=lab.env("bomb"),
        budget_s=150,
    )
    bomb = lab.simulator(
        "rehearse",
        "--offline",
        "--personas",
        str(personas),
        "--persona",
        "bomb",
        "--turns",
        "1",
        env=lab.env("bomb"),
        budget_s=150,
    )
    message = bomb.stderr.strip()
    return [
        Row(
            3,
            f"Persona alias bomb ({len(ALIAS_BOMB.encode())} bytes) beside another persona",
            "simulator rehearse --offline --personas P "
            "--persona price-conscious-restaurants --turns 2",
            other.describe(),
            other.finished and other.code == 0 and other.seconds < 30 and other.peak_mb < 1500,
            "faults",
        ),
        Row(
            3,
            "Persona alias bomb, rehearsed itself",
            "simulator rehearse --offline --personas P --persona bomb --turns 1",
            f"{bomb.describe()}; error message {len(message):,} characters"
            + (f": {message[:90]!r}" if bomb.finished and message else ""),
            bomb.finished and bomb.code == 2 and 0 < len(message) < 2000 and "bomb.yaml" in message,
            "faults",
        ),
    ]


def attack_big_session_log(lab: Lab, *, budget_s: float) -> list[Row]:
    lines = session_lines(lab)
    path = lab.work / "big-session.jsonl"
    with path.open("w", encoding="utf-8") as out:
        while out.tell() < 200 * 2**20:
            out.write("\n".join(lines) + "\n")
    as_app = lab.run(
        [
            sys.executable,
            "-c",
            "import sys; from simulator.session_log import load_log; log = load_log(sys.argv[1]); "
            "print(len(log.events))",
            str(path),
        ],
        env=lab.env("biglog"),
        budget_s=budget_s,
    )
    streamed = lab.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom simulator import session_log\n"
            "opener = getattr(session_log, 'open_log', None)\n"
            "if opener is None:\n"
            "    sys.exit('no streaming loader (session_log.open_log) in this version')\n"
            "log = opener(sys.argv[1])\nprint(sum(1 for _ in log.events()))",
            str(path),
        ],
        env=lab.env("biglog"),
        budget_s=budget_s,
    )
    note = (
        streamed.stderr.strip().splitlines()[-1]
        if streamed.code and streamed.stderr.strip()
        else ""
    )
    return [
        Row(
            7,
            "200 MB session log opened the way the app opens it (load_log, all events)",
            "python -c 'load_log(LOG)'  (the app's open-session call)",
            as_app.describe()
            + (f"; {as_app.stdout.strip()} events" if as_app.finished and as_app.code == 0 else ""),
            as_app.finished and as_app.code == 0 and as_app.peak_mb < 500,
            "app (host): a lazy view; the core API is the next row",
        ),
        Row(
            7,
            "200 MB session log, streamed (the core API for the app)",
            "python -c 'open_log(LOG).events()'",
            streamed.describe() + (f": {note}" if note else f"; {streamed.stdout.strip()} events"),
            streamed.finished and streamed.code == 0 and streamed.peak_mb < 400,
            "faults",
        ),
    ]


def attack_bad_timestamps(lab: Lab) -> list[Row]:
    rows: list[Row] = []
    lines = session_lines(lab)
    for label, value in (("NaN", "NaN"), ("1e15", "1e15")):
        broken = list(lines)
        # the session's start: the report's header shows its time
        at = next(i for i, line in enumerate(broken) if '"type":"session_started"' in line)
        started = json.loads(broken[at])
        broken[at] = json.dumps({**started, "created_at": "PLACEHOLDER"}).replace(
            '"PLACEHOLDER"', value
        )
        path = lab.work / f"log-{label}.jsonl"
        path.write_text("\n".join(broken) + "\n", encoding="utf-8")
        report = lab.work / f"report-{label}.html"
        run = lab.run(
            [
                sys.executable,
                "-c",
                "import sys\nfrom simulator.session_log import load_log\n"
                "from simulator.report import write_report\n"
                "log = load_log(sys.argv[1])\nprint(log.warning or 'no warning')\n"
                "write_report(sys.argv[2], log.events)",
                str(path),
                str(report),
            ],
            env=lab.env("nan"),
        )
        error = run.stderr.strip().splitlines()[-1] if run.code else ""
        rows.append(
            Row(
                9,
                f"Session log with a {label} timestamp, exported as a report",
                "python -c 'write_report(R, load_log(LOG).events)'  (the app's export)",
                f"crashed: {error[:100]}"
                if run.code
                else f"report written; loader says: {run.stdout.strip()[:120]}",
                run.code == 0 and report.exists() and f"line {at + 1}" in run.stdout,
                "faults",
            )
        )
    return rows


def attack_log_modes(lab: Lab) -> list[Row]:
    rows: list[Row] = []
    env = lab.env("modes")
    report = lab.work / "modes" / "report.html"
    report.parent.mkdir()
    lab.simulator(
        "rehearse",
        "--offline",
        "--persona",
        "price-conscious-restaurants",
        "--turns",
        "1",
        "--report",
        str(report),
        env=env,
    )
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from simulator.session_log import SessionLog, new_log_path\n"
        "from simulator.events import StatusEvent\n"
        "path = new_log_path(Path(sys.argv[1]), 'bench')\n"
        "with SessionLog(path) as log:\n"
        "    log.write(StatusEvent(level='info', source='bench', message='hi'))\n"
        "print(path)"
    )
    logged = lab.run([sys.executable, "-c", code, env["SIMULATOR_DATA_DIR"]], env=env)
    log = Path(logged.stdout.strip()) if logged.code == 0 else None
    modes = {
        "report (rehearse --report)": mode(report) if report.exists() else "not written",
        "session log (the app's SessionLog)": mode(log) if log and log.exists() else "not written",
        "sessions folder": mode(log.parent) if log and log.exists() else "not written",
    }
    rows.append(
        Row(
            11,
            "Session log and report modes",
            "simulator rehearse --report R; the app's SessionLog",
            ", ".join(f"{k} {v}" for k, v in modes.items()),
            modes["report (rehearse --report)"] == "600"
            and modes["session log (the app's SessionLog)"] == "600"
            and modes["sessions folder"] == "700",
            "faults",
        )
    )

    return rows


def attack_config_folder(lab: Lab) -> list[Row]:
    rows: list[Row] = []
    env = lab.env("config")
    config = Path(env["XDG_CONFIG_HOME"]) / "sales-simulator"
    config.mkdir(parents=True, exist_ok=True)
    os.chmod(config, 0o755)
    target = lab.work / "planted-target.txt"
    target.write_text("untouched\n", encoding="utf-8")
    (config / "settings.json.tmp").symlink_to(target)
    saved = lab.python(
        "from simulator.preferences import Preferences, save_preferences\n"
        "print(save_preferences(Preferences()))",
        env=env,
    )
    followed = target.read_text(encoding="utf-8") != "untouched\n"
    rows.append(
        Row(
            11,
            "Existing config folder 0755; symlink planted at settings.json.tmp",
            "save_preferences() (the app's Settings… → Save)",
            f"folder now {mode(config)}; the planted link was "
            + ("followed (its target overwritten)" if followed else "not followed")
            + (
                ""
                if saved.code == 0
                else f"; save failed: {(saved.stderr.strip().splitlines() or ['?'])[-1][:80]}"
            ),
            mode(config) == "700" and not followed and saved.code == 0,
            "host",
        )
    )

    return rows
