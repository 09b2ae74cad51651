"""Turn the benchmark's figures into a markdown report, and py-spy output into figures.

Used by bench/run.py; `python bench/report.py [latest.json]` rewrites the
markdown from a saved JSON.
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (what, a substring of a frame "function (path)"): a sample counts for a row
# when any frame of its stack matches, so rows overlap.
PHASES = [
    ("Django request handling, in all", "__call__ (django/core/handlers/wsgi.py"),
    ("authentication (API token query)", "authenticate (tokens/api/authentication.py"),
    ("throttle (Redis sliding log)", "allow_request (tokens/limits/throttles.py"),
    ("parameter parsing", "parse_token_params (tokens/issuing/params.py"),
    ("grant rules + room query", "load_subject (tokens/issuing/subject.py"),
    ("policy decision", "decide (tokens/policy.py"),
    ("JWT signing", "sign (tokens/issuing/signing.py"),
    ("audit insert", "record_issued (tokens/issuing/audit.py"),
    ("response rendering", "render (rest_framework/renderers.py"),
    ("DRF view dispatch, in all", "dispatch (rest_framework/views.py"),
    ("health check query (CONN_HEALTH_CHECKS)", "close_if_health_check_failed"),
    ("closing connections at request end", "close_old_connections"),
]
RESOURCES = [
    ("PostgreSQL driver (psycopg), in all", "psycopg/"),
    ("Redis client, in all", "redis/"),
    ("logging, in all", "logging/"),
    ("gunicorn outside Django", None),
]


def short_frame(frame: str) -> str:
    """'func (/.../site-packages/pkg/mod.py:12)' -> 'func (pkg/mod.py)'."""
    frame = re.sub(r":\d+\)$", ")", frame)
    frame = re.sub(r"\(/\S*/site-packages/", "(", frame)
    frame = re.sub(r"\(/\S*/lib/python3\.\d+/", "(", frame)
    return frame.replace(f"({ROOT}/", "(")


def summarize_profile(text: str) -> dict:
    stacks = []
    for raw_line in text.splitlines():
        stack, _, count = raw_line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [
            short_frame(f) for f in stack.split(";") if not f.startswith("process ")
        ]
        if frames:
            stacks.append((frames, int(count)))
    total = sum(count for _, count in stacks) or 1
    leaf, inclusive = Counter(), Counter()
    for frames, count in stacks:
        leaf[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count

    def pct(count: int) -> float:
        return round(100 * count / total, 1)

    def share(needle: str | None) -> float:
        if needle is None:  # samples outside Django's handler
            inside = PHASES[0][1]
            return pct(sum(c for f, c in stacks if not any(inside in x for x in f)))
        return pct(sum(c for f, c in stacks if any(needle in x for x in f)))

    return {
        "samples": total,
        "phases": [{"what": what, "pct": share(needle)} for what, needle in PHASES],
        "resources": [
            {"what": what, "pct": share(needle)} for what, needle in RESOURCES
        ],
        "self": [{"frame": f, "pct": pct(c)} for f, c in leaf.most_common(20)],
        "inclusive_tokens": [
            {"frame": f, "pct": pct(c)}
            for f, c in inclusive.most_common()
            if "(tokens/" in f
        ][:15],
    }


# --- markdown -------------------------------------------------------------------


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def ms(value) -> str:
    return "" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def load_row(label: str, f: dict) -> list:
    return [
        label,
        f"{f['rps']:.0f}",
        ms(f["p50_ms"]),
        ms(f["p99_ms"]),
        ms(f["p999_ms"]),
        f["errors"],
        f.get("memory", {}).get("peak_mb", ""),
        cpu(f.get("cpu_ms_per_request", {})),
    ]


CPU_SHORT = {
    "server": "srv",
    "postgresql (bench db)": "pg",
    "postgresql (other)": "pg-other",
    "redis": "redis",
    "wrk": "wrk",
    "other": "other",
}


def cpu(split: dict) -> str:
    parts = [
        f"{short} {split[who]:.2f}"
        for who, short in CPU_SHORT.items()
        if split.get(who)
    ]
    return f"{' + '.join(parts)} = {split['total']:.2f}" if split else ""


LOAD_HEADER = [
    "run",
    "req/s",
    "p50 ms",
    "p99 ms",
    "p99.9 ms",
    "errors",
    "peak RSS MB",
    "CPU ms per request",
]


def section_targets(results: dict) -> str:
    rows = [
        [t["target"], t["value"], "PASS" if t["pass"] else "**FAIL**"]
        for t in results["targets"].values()
    ]
    return "## Targets\n\n" + table(["target", "measured", "result"], rows)


def section_rounds(results: dict) -> str:
    rows = [
        load_row(f"round {f['round']} c={f['connections']} {f['server']}", f)
        for f in results["rounds"]
    ]
    ratio_rows = []
    for connections, found in results["ratios"].items():
        ratio_rows.append(
            [
                connections,
                ", ".join(f"{r['rps']:.3f}" for r in found["rounds"]),
                f"**{found['median_rps']:.3f}**",
                ", ".join(f"{r['p99']:.2f}" for r in found["rounds"]),
                f"**{found['median_p99']:.2f}**",
                f"{found['median_rps_vs_bare']:.3f}",
            ]
        )
    return (
        "## /token?room: project, fixed reference and bare app, by round\n\n"
        f"Chosen worker setting: **{results['chosen_setting']}** (project and bare "
        "app); the reference always runs 2 sync workers.\n\n"
        + table(LOAD_HEADER, rows)
        + "\n"
        + table(
            [
                "connections",
                "req/s project/reference by round",
                "median",
                "p99 project/reference by round",
                "median",
                "req/s project/bare app (median)",
            ],
            ratio_rows,
        )
    )


def section_sweep(results: dict) -> str:
    sweep = results["sweep"]
    rows = [
        load_row(name + (" (chosen)" if name == sweep["chosen"] else ""), f)
        for name, f in sweep["runs"].items()
    ]
    return "## Worker settings, /token?room at 32 connections\n\n" + table(
        LOAD_HEADER, rows
    )


def section_extras(results: dict) -> str:
    rows = [load_row(name, f) for name, f in results["extras"].items()]
    after = results.get("memory_after", {}).get("final_mb", [])
    return (
        "## Other endpoints on the chosen setting\n\n"
        + table(LOAD_HEADER, rows)
        + f"\nWorker RSS (VmRSS) after these runs, MB: {after}\n"
    )


MEDIAN_HEADER = [
    "variant",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "worker CPU ms/req",
    "PostgreSQL CPU ms/req",
    "req/s vs first",
    "worker CPU vs first",
]


def median_rows(found: dict) -> list[list]:
    first = next(iter(found.values()))
    return [
        [
            label,
            f"{f['rps']:.0f}",
            ms(f["p50_ms"]),
            ms(f["p99_ms"]),
            f["errors"],
            f"{f['server_cpu_ms']:.2f}",
            f"{f['postgresql_cpu_ms']:.2f}",
            f"{100 * (f['rps'] / first['rps'] - 1):+.1f}%",
            f"{100 * (f['server_cpu_ms'] / first['server_cpu_ms'] - 1):+.1f}%",
        ]
        for label, f in found.items()
    ]


def section_logging(results: dict) -> str:
    found = results.get("logging")
    if not found:
        return ""
    variants = {label: found[label] for label in ("WARNING", "INFO")}
    rounds = len(found["WARNING"]["runs"])
    return (
        "## Request logging: DJANGO_LOG_LEVEL WARNING against INFO\n\n"
        f"Two servers side by side, /token?room at 32 connections, {rounds} "
        "alternating rounds, medians. At INFO every request writes one JSON line "
        f"(tokens/middleware.py): it costs **{found['rps_cost_pct']}%** of "
        f"requests/s and **{found['server_cpu_cost_pct']}%** more worker CPU a "
        "request.\n\n" + table(MEDIAN_HEADER, median_rows(variants))
    )


def comparison_section(found: dict | None, title: str, text) -> str:
    """A section of servers alternated by bench/run.py: `text(found, rounds)`
    introduces its medians table; a skipped one says why."""
    if not found:
        return ""
    heading = f"## {title}\n\n"
    if "error" in found:
        return f"{heading}Skipped: {found['error']}\n"
    variants = {k: v for k, v in found.items() if isinstance(v, dict)}
    rounds = len(next(iter(variants.values()))["runs"])
    return (
        heading
        + text(found, rounds)
        + "\n\n"
        + table(MEDIAN_HEADER, median_rows(variants))
    )


def section_servers(results: dict) -> str:
    return comparison_section(
        results.get("servers"),
        "Servers: gunicorn against granian",
        lambda found, rounds: (
            "The project's app under the chosen gunicorn setting and under "
            "granian with as many worker processes (one Python thread each, "
            "access log on, keep-alive off as with sync workers), /token?room "
            f"at 32 connections, {rounds} alternating rounds, medians. granian: "
            f"**{found['rps_gain_pct']:+}%** requests/s, "
            f"**{found['server_cpu_gain_pct']}%** less worker CPU a request."
        ),
    )


def section_floor(results: dict) -> str:
    return comparison_section(
        results.get("floor"),
        "The floor: the same work without the framework (bench/floor.py)",
        lambda found, rounds: (
            "The project's statements, Redis script, decision and signing "
            "called from a bare WSGI app (no Django request handling, DRF, "
            "middleware, ORM instances or health check), under the project's "
            "setting; alternated with the reference and the project, "
            f"/token?room at 32 connections, {rounds} rounds, medians. The floor "
            f"serves **{found['floor_vs_reference']}x** the reference's "
            "requests/s: what these statements cost in Python with nothing "
            f"around them. The project serves **{found['project_vs_floor']}x** "
            "the floor's."
        ),
    )


def section_whatif(results: dict) -> str:
    found = results.get("whatif")
    if not found:
        return ""
    rounds = len(next(iter(found.values()))["runs"])
    return (
        "## What if (bench/whatif.py), /token?room at 32 connections\n\n"
        "The project's app with one change each, all served at once and run in "
        f"turn, {rounds} alternating rounds, medians. Worker CPU per request is "
        "the steadier figure when other work shares the machine.\n\n"
        + table(MEDIAN_HEADER, median_rows(found))
    )


def section_in_process(results: dict) -> str:
    found = results["in_process"]
    endpoint_rows = [
        [name, f["queries"], f["statements_sent"], ms(f["ms_median"]), f["statuses"]]
        for name, f in found["endpoints"].items()
    ]
    admin_rows = [
        [
            name,
            ms(f["ms_median"]),
            ms(f["ms_max"]),
            f["queries"],
            ms(f["slowest"][0]["ms"]) if f["slowest"] else "",
            f["statuses"],
        ]
        for name, f in found["admin"].items()
    ]
    sql = "\n".join(
        f"{i}. `{q}`" for i, q in enumerate(found["endpoints"]["/token?room"]["sql"], 1)
    )
    slow = found["admin"]["changelist"]["slowest"]
    slow_sql = "\n".join(f"- {q['ms']} ms: `{q['sql']}`" for q in slow)
    return (
        "## In process (no HTTP server: Django's WSGI handler; admin: test client)\n\n"
        + table(
            ["request", "queries", "statements sent", "ms (median)", "status"],
            endpoint_rows,
        )
        + f"\nQueries of one /token?room:\n\n{sql}\n\n"
        + "### Admin audit log (TokenEvent changelist, seeded rows)\n\n"
        + table(
            [
                "page",
                "ms (median)",
                "ms (max)",
                "queries",
                "slowest query ms",
                "status",
            ],
            admin_rows,
        )
        + f"\nSlowest queries of the plain changelist:\n\n{slow_sql}\n"
        + section_sql_costs(found)
    )


def section_sql_costs(found: dict) -> str:
    plans = [
        [p["sql"][:60] + "...", p["planning_ms"], p["execution_ms"], p["top_node"]]
        for p in found.get("explain", [])
    ]
    orm = [
        [o["what"], o["orm_ms"], o["raw_ms"], o["python_ms"]]
        for o in found.get("orm_vs_raw", [])
    ]
    return (
        "\n### The reads of /token: PostgreSQL's side and Python's side\n\n"
        + table(["query", "planning ms", "execution ms", "plan"], plans)
        + "\nEach read made by the project's code (ORM) and its SQL run raw on "
        "the same connection (median of 200):\n\n"
        + table(["read", "ORM ms", "raw SQL ms", "Python's share ms"], orm)
    )


def section_profile(results: dict) -> str:
    found = results.get("profile")
    if not found:
        return "## Profile\n\nnot run (--no-profile)\n"
    return "".join(profile_part(kind, found[kind]) for kind in ("wall", "gil"))


PROFILE_TITLES = {
    "wall": "wall time: every sample, waiting for PostgreSQL, Redis or a CPU too",
    "gil": "Python CPU: samples while the worker holds the GIL",
}


def profile_part(kind: str, found: dict) -> str:
    title = f"## Profile of /token?room, {PROFILE_TITLES[kind]}\n\n"
    if "error" in found:
        return title + found["error"] + "\n"
    load = found["load"]
    return (
        title + f"py-spy on all workers at 32 connections: {found['samples']} samples "
        f"while serving {load['rps']:.0f} req/s. Share of samples whose stack "
        "contains:\n\n"
        + table(["what", "%"], [[p["what"], p["pct"]] for p in found["phases"]])
        + "\n"
        + table(["what", "%"], [[r["what"], r["pct"]] for r in found["resources"]])
        + "\nTop self time (the frame on top of the stack):\n\n"
        + table(["%", "frame"], [[e["pct"], f"`{e['frame']}`"] for e in found["self"]])
        + "\nProject functions, inclusive:\n\n"
        + table(
            ["%", "frame"],
            [[e["pct"], f"`{e['frame']}`"] for e in found["inclusive_tokens"]],
        )
        + "\n"
    )


def section_machine(results: dict) -> str:
    m = results["machine"]
    data = results["data"]
    return (
        "## Machine and data\n\n"
        f"- {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Linux {m['kernel']}\n"
        f"- Python {m['python']}, {m['gunicorn']}, {m['wrk']}, {m['postgresql']}\n"
        f"- load average at start {' '.join(m['loadavg_start'])}, "
        f"at end {' '.join(m.get('loadavg_end', []))}\n"
        f"- data: {data['users']} users, {data['groups']} groups, {data['rooms']} "
        f"rooms, {data['room_access']} room-access rows, {data['token_events']} audit "
        f"rows, {data['api_tokens']} API tokens; {data['bench_users']} users in the "
        f"load; setup took {data['setup_seconds']} s\n"
        f"- options: {json.dumps(results['options'])}\n"
    )


def markdown(results: dict) -> str:
    sections = [
        section_targets,
        section_rounds,
        section_sweep,
        section_extras,
        section_logging,
        section_servers,
        section_floor,
        section_whatif,
        section_in_process,
        section_profile,
        section_machine,
    ]
    code = results.get("code", {})
    start = code.get("start", {})
    warning = (
        "**The code changed during this run: the figures mix two versions.**\n\n"
        if code.get("changed_during_run")
        else ""
    )
    return (
        f"# Benchmark results, {results.get('date', '')}\n\n"
        "Written by `bench/run.py`; see docs/performance.md for the method. "
        f"Code: commit {start.get('commit')}, tokens/ + tokenserver/ + "
        f"gunicorn.conf.py digest {start.get('code_sha256')}.\n\n"
        + warning
        + "\n".join(section(results) for section in sections)
    )


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest.json")
    sys.stdout.write(markdown(json.loads(source.read_text())))
