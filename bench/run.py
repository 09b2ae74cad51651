"""Benchmark of issue 6: /token under load, against a fixed reference.

    .venv/bin/python bench/run.py              # the full run, about 9 minutes
    .venv/bin/python bench/run.py --quick      # a smoke run, about 2.5 minutes
    .venv/bin/python bench/run.py --help       # durations, rounds, SQLite, ...

Everything runs on 127.0.0.1. The script makes its own PostgreSQL database
(dropped at the end) at BENCH_PG_ADMIN_DSN (default: user postgres on
127.0.0.1:5432), uses the Redis at BENCH_REDIS_URL (default
redis://127.0.0.1:6379/15, a database it flushes at the start and the end),
seeds it (bench/seed.py), counts queries and times the admin audit log in
process (bench/measure.py), then serves with gunicorn and loads with wrk
(bench/token.lua):

1. the fixed reference (bench/baseline.py, 2 sync workers, REFERENCE_ARGS);
2. the project under each worker setting of SWEEP, once at 32 connections,
   and picks the best;
3. rounds of the reference, the project and the bare reference app under
   the project's chosen setting, at 1 and 32 connections, alternating;
4. /token without a room, /api/me/, login, a py-spy profile of /token,
   request logging at INFO against WARNING, granian against gunicorn, the
   same work without the framework (bench/floor.py) against the reference
   and the project, and the variants of bench/whatif.py; worker RSS and CPU
   per request by process in every run.

Processes and services are in bench/servers.py, wrk and its accounting in
bench/loadgen.py, the markdown in bench/report.py. Figures go to
bench/results/latest.json and latest.md (quick.* with --quick);
docs/performance.md explains them. Every process started is stopped and the
database dropped, whatever happens; the whole run is bounded by --max-seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

# bench/ is on sys.path when this file runs as a script.
import report
from loadgen import Load, MemoryWatch, line, warm, wrk
from servers import (
    BENCH,
    GUNICORN,
    HOST,
    REDIS_URL,
    ROOT,
    BenchError,
    Run,
    app_env,
    create_database,
    drop_database,
    flush_redis,
    last_json,
    python_step,
    say,
    start_server,
    stop_server,
    tail,
)

PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
GRANIAN = ROOT / ".venv" / "bin" / "granian"
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'  # gunicorn.conf.py's
# The fixed reference: bench/baseline.py under gunicorn with 2 sync workers,
# the same access log as the project. Never change these between runs.
REFERENCE_ARGS = [
    "--workers=2",
    "--worker-class=sync",
    "--access-logfile=-",
    f"--access-logformat={ACCESS_LOG_FORMAT}",
    "baseline:application",
]
NOISE = 0.03  # run-to-run spread of requests/s on a quiet machine
TARGETS = {"rps_ratio": 0.55, "p99_ratio": 3.0, "queries": 4, "rss_mb": 100}


@dataclass(frozen=True)
class Setting:
    """A gunicorn worker setting, given to gunicorn.conf.py by environment."""

    worker_class: str
    workers: int
    threads: int = 1

    @property
    def name(self) -> str:
        if self.worker_class == "gthread":
            return f"gthread {self.workers}x{self.threads}"
        return f"{self.worker_class} {self.workers}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_WORKER_CLASS": self.worker_class,
            "GUNICORN_THREADS": str(self.threads),
        }


SWEEP = [
    Setting("sync", 2),
    Setting("sync", 3),
    Setting("sync", 4),
    Setting("sync", 5),
    Setting("gthread", 2, 4),
]


class TimeUp(Exception):
    pass


def start_project(run: Run, setting: Setting, name: str = "project", **extra) -> None:
    env = app_env(run, **setting.env, **extra)
    start_server(run, name, ["-c", "gunicorn.conf.py"], env, ROOT)


def start_bare(run: Run, setting: Setting) -> None:
    """The reference app under the project's gunicorn.conf.py and setting."""
    env = app_env(run, **setting.env)
    argv = ["-c", "gunicorn.conf.py", "bench.baseline:application"]
    start_server(run, "bare", argv, env, ROOT)


def start_reference(run: Run) -> None:
    # cwd bench/: gunicorn would read ./gunicorn.conf.py otherwise.
    env = app_env(run)
    argv = [f"--bind={HOST}:{{port}}", *REFERENCE_ARGS]
    start_server(run, "reference", argv, env, BENCH)


# --- steps ----------------------------------------------------------------------


def setup(run: Run) -> None:
    options = run.options
    create_database(run)
    flush_redis()
    run.redis_used = True
    env = app_env(run)
    say(f"setup: database {run.db_name if not options.sqlite else run.database_url}")
    started = time.monotonic()
    python_step(run, env, "manage.py", "migrate", "--noinput", timeout=180)
    seeded = last_json(
        python_step(
            run,
            env,
            "-m",
            "bench.seed",
            f"--scale={options.scale}",
            f"--bench-users={options.bench_users}",
            f"--tokens-file={run.tokens_file}",
            timeout=600,
        )
    )
    run.password = seeded.pop("password")
    seeded["setup_seconds"] = round(time.monotonic() - started, 1)
    run.results["data"] = seeded
    say(f"setup: {json.dumps(seeded)}")


def measure_in_process(run: Run) -> None:
    env = app_env(run, DJANGO_ALLOWED_HOSTS=f"{HOST},testserver")
    figures = last_json(
        python_step(
            run,
            env,
            "-m",
            "bench.measure",
            f"--tokens-file={run.tokens_file}",
            f"--password={run.password}",
            timeout=300,
        )
    )
    run.results["in_process"] = figures
    for name, found in figures["endpoints"].items():
        say(
            f"  {name:<12} {found['queries']} queries, "
            f"{found['ms_median']:.1f} ms in process, status {found['statuses']}"
        )
    for name, found in figures["admin"].items():
        say(
            f"  admin {name:<17} {found['ms_median']:>7.1f} ms, "
            f"{found['queries']} queries, status {found['statuses']}"
        )


def sweep(run: Run) -> Setting:
    """Each worker setting once at 32 connections; the best by requests/s."""
    options = run.options
    settings = [s for s in SWEEP if not options.setting or s.name == options.setting]
    if not settings:
        raise BenchError(f"--setting must be one of: {[s.name for s in SWEEP]}")
    found = {}
    for setting in settings:
        start_project(run, setting)
        try:
            warm(run, "project")
            figures = wrk(run, "project", Load(seconds=options.duration))
        finally:
            stop_server(run, "project")
        found[setting.name] = figures
        say(line(figures, f"project {setting.name}"))
    best = choose(settings, found)
    run.results["sweep"] = {"runs": found, "chosen": best.name}
    say(f"chosen worker setting: {best.name}")
    return best


def choose(settings: list[Setting], found: dict[str, dict]) -> Setting:
    """The most requests/s without errors; within NOISE of it, the fewest workers.

    Fewer processes and threads mean less memory and fewer database
    connections, and a few percent is within the noise of one run.
    """
    clean = [s for s in settings if found[s.name]["errors"] == 0] or settings
    top = max(found[s.name]["rps"] for s in clean)
    near = [s for s in clean if found[s.name]["rps"] >= top * (1 - NOISE)]
    return min(near, key=lambda s: (s.workers * s.threads, -found[s.name]["rps"]))


def rounds(run: Run) -> None:
    """Reference and project alternating, then the bare app, at each concurrency."""
    options = run.options
    for name in ("reference", "project", "bare"):
        warm(run, name)
    found = []
    for number in range(1, options.rounds + 1):
        order = ["reference", "project"] if number % 2 else ["project", "reference"]
        for connections in options.connections:
            for name in [*order, "bare"]:
                load = Load(connections=connections, seconds=options.duration)
                figures = wrk(run, name, load, watch_memory=name == "project")
                figures["round"] = number
                found.append(figures)
                say(line(figures, f"round {number} {name}"))
    run.results["rounds"] = found
    run.results["ratios"] = ratios(found, options)


def ratios(found: list[dict], options) -> dict:
    """Project over reference, per round and concurrency, with the medians."""
    result = {}
    for connections in options.connections:
        per_round = []
        for number in range(1, options.rounds + 1):
            pick = {
                f["server"]: f
                for f in found
                if f["round"] == number and f["connections"] == connections
            }
            project, reference, bare = (
                pick["project"],
                pick["reference"],
                pick["bare"],
            )
            per_round.append(
                {
                    "round": number,
                    "rps": round(project["rps"] / reference["rps"], 3),
                    "p99": round(project["p99_ms"] / reference["p99_ms"], 2),
                    "rps_vs_bare": round(project["rps"] / bare["rps"], 3),
                    "bare_vs_reference": round(bare["rps"] / reference["rps"], 3),
                }
            )
        result[str(connections)] = {
            "rounds": per_round,
            "median_rps": statistics.median(r["rps"] for r in per_round),
            "median_p99": statistics.median(r["p99"] for r in per_round),
            "median_rps_vs_bare": statistics.median(
                r["rps_vs_bare"] for r in per_round
            ),
        }
    return result


def extras(run: Run, setting: Setting) -> None:
    """Other endpoints on the chosen setting, and the profile."""
    seconds = run.options.duration
    runs = {}
    for mode, connections in (("token", 1), ("token", 32), ("me", 1), ("me", 32)):
        load = Load(mode, connections, seconds)
        runs[f"{mode} c={connections}"] = wrk(run, "project", load)
    for connections in (1, 4):
        # A login hashes the password (PBKDF2, about 0.2 s of CPU): few connections.
        load = Load("login", connections, seconds, timeout="20s")
        runs[f"login c={connections}"] = wrk(run, "project", load)
    for name, figures in runs.items():
        say(line(figures, name))
    run.results["extras"] = runs
    run.results["memory_after"] = MemoryWatch(run.servers["project"].pid).summary()
    if not run.options.no_profile:
        run.results["profile"] = {
            "wall": profile(run, gil=False),
            "gil": profile(run, gil=True),
        }


def alternate(run: Run, servers: dict[str, str], rounds: int) -> dict:
    """/token?room at 32 connections on each server in turn, `rounds` times.

    Medians per label; the order is reversed every other round so that no
    label always follows the same one.
    """
    runs: dict[str, list[dict]] = {label: [] for label in servers}
    for number in range(rounds):
        order = list(servers) if number % 2 == 0 else list(reversed(servers))
        for label in order:
            figures = wrk(run, servers[label], Load(seconds=run.options.duration))
            runs[label].append(figures)
            say(line(figures, label))
    return {label: medians(found) for label, found in runs.items()}


def medians(runs: list[dict]) -> dict:
    def median_of(pick) -> float:
        return round(statistics.median(pick(f) for f in runs), 3)

    return {
        "rps": median_of(lambda f: f["rps"]),
        "p50_ms": median_of(lambda f: f["p50_ms"]),
        "p99_ms": median_of(lambda f: f["p99_ms"]),
        "errors": sum(f["errors"] for f in runs),
        "server_cpu_ms": median_of(lambda f: f["cpu_ms_per_request"]["server"]),
        "postgresql_cpu_ms": median_of(
            lambda f: f["cpu_ms_per_request"].get("postgresql (bench db)", 0)
        ),
        "runs": runs,
    }


def logging_cost(run: Run, setting: Setting) -> None:
    """DJANGO_LOG_LEVEL INFO (a JSON line a request) against WARNING."""
    start_project(run, setting, name="info", DJANGO_LOG_LEVEL="INFO")
    try:
        warm(run, "info")
        found = alternate(
            run, {"WARNING": "project", "INFO": "info"}, min(2, run.options.rounds)
        )
    finally:
        stop_server(run, "info")
    warning, info = found["WARNING"], found["INFO"]
    run.results["logging"] = {
        **found,
        "rps_cost_pct": round(100 * (1 - info["rps"] / warning["rps"]), 1),
        "server_cpu_cost_pct": round(
            100 * (info["server_cpu_ms"] / warning["server_cpu_ms"] - 1), 1
        ),
    }


def other_servers(run: Run, setting: Setting) -> None:
    """The project's app under granian (a Rust HTTP server) against gunicorn.

    Same app, environment and number of worker processes as the chosen
    setting, one Python thread each like sync workers, access log on and
    HTTP keep-alive off (sync workers close every connection): the
    difference is the server's own work. Not in the sweep: production runs
    gunicorn.conf.py, and the rounds measure what runs.
    """
    if not GRANIAN.exists():
        run.results["servers"] = {
            "error": f"no {GRANIAN}: .venv/bin/pip install granian"
        }
        say(f"  skipped: {run.results['servers']['error']}")
        return
    argv = [
        "--interface=wsgi",
        f"--host={HOST}",
        "--port={port}",
        f"--workers={setting.workers}",
        "--blocking-threads=1",
        "--no-http1-keep-alive",
        "--access-log",
        "tokenserver.wsgi:application",
    ]
    labels = {
        f"gunicorn {setting.name}": "project",
        f"granian {setting.workers}x1": "granian",
    }
    found = with_extra_server(
        run, "servers", "granian", labels, argv, app_env(run), binary=GRANIAN
    )
    if found is None:
        return
    gunicorn, granian = found.values()
    run.results["servers"] = {
        **found,
        "rps_gain_pct": round(100 * (granian["rps"] / gunicorn["rps"] - 1), 1),
        "server_cpu_gain_pct": round(
            100 * (1 - granian["server_cpu_ms"] / gunicorn["server_cpu_ms"]), 1
        ),
    }


def with_extra_server(
    run: Run, section: str, name: str, labels: dict, argv, env, **start
) -> dict | None:
    """Start server `name`, alternate the labelled servers, stop it: the medians.

    None when it could not serve (the reason goes to run.results[section]).
    """
    try:
        start_server(run, name, argv, env, ROOT, **start)
        warm(run, name)
        return alternate(run, labels, min(2, run.options.rounds))
    except BenchError as exc:
        run.results[section] = {"error": f"{name}: {exc}"}
        say(f"  skipped: {run.results[section]['error']}")
        return None
    finally:
        stop_server(run, name)


def floor(run: Run, setting: Setting) -> None:
    """The project's work without the framework (bench/floor.py): the bare limit.

    Served like the project (gunicorn.conf.py, the chosen setting) and
    alternated with the reference and the project: how far the fixed
    reference is from any server doing this work, and how far the project
    is from the least this work costs in Python.
    """
    if run.options.sqlite:
        run.results["floor"] = {"error": "PostgreSQL only (bench/floor.py: psycopg)"}
        say(f"  skipped: {run.results['floor']['error']}")
        return
    labels = {
        "reference (2 sync)": "reference",
        f"project ({setting.name})": "project",
        f"floor ({setting.name})": "floor",
    }
    argv = ["-c", "gunicorn.conf.py", "bench.floor:application"]
    found = with_extra_server(
        run, "floor", "floor", labels, argv, app_env(run, **setting.env)
    )
    if found is None:
        return
    reference, project, bare_limit = found.values()
    run.results["floor"] = {
        **found,
        "floor_vs_reference": round(bare_limit["rps"] / reference["rps"], 3),
        "project_vs_floor": round(project["rps"] / bare_limit["rps"], 3),
        "project_vs_reference": round(project["rps"] / reference["rps"], 3),
    }


# (label, BENCH_WHATIF): changes bench/whatif.py applies to the project's app.
WHATIFS = [
    ("as is", ""),
    ("CONN_HEALTH_CHECKS off", "no_health_check"),
    ("synchronous_commit off", "async_commit"),
    ("no /token throttle", "no_throttle"),
    ("prepared statements", "prepared_statements"),
    ("ORM, not tokens/rows.py", "orm_rows"),
    ("metrics not counted", "no_metrics"),
    ("metrics multiprocess", "metrics_multiproc"),
]


def whatifs(run: Run, setting: Setting) -> None:
    """The project with one suggested change each, all served at once, alternating."""
    servers = {}
    chosen = run.options.whatif
    variants = [
        (label, changes)
        for label, changes in WHATIFS
        if chosen is None or changes == "" or changes in chosen
    ]
    try:
        for number, (label, changes) in enumerate(variants):
            name = servers[label] = f"whatif-{number}"
            env = app_env(run, **setting.env, BENCH_WHATIF=changes)
            argv = ["-c", "gunicorn.conf.py", "bench.whatif:application"]
            start_server(run, name, argv, env, ROOT)
            warm(run, name)
        rounds = run.options.rounds if chosen else min(2, run.options.rounds)
        run.results["whatif"] = alternate(run, servers, rounds)
    finally:
        for name in servers.values():
            stop_server(run, name)


def whatif_summary(found: dict) -> dict:
    """Per variant: the median rounds' req/s, and its ratio to "as is"."""
    base = found["as is"]["rps"]
    return {
        label: {
            "rps": figures["rps"],
            "vs_as_is": round(figures["rps"] / base, 3),
            "rounds_rps": [f["rps"] for f in figures["runs"]],
            "server_cpu_ms": figures["server_cpu_ms"],
            "errors": figures["errors"],
        }
        for label, figures in found.items()
    }


# --- profile --------------------------------------------------------------------


def profile(run: Run, *, gil: bool) -> dict:
    """py-spy on every project worker while wrk runs /token?room at 32 connections.

    Without --gil a sample is taken whatever the thread does (wall time, which
    includes waiting for PostgreSQL, Redis or a CPU); with it, only while the
    thread holds the GIL (the Python CPU time).
    """
    if not PY_SPY.exists():
        return {"error": f"no {PY_SPY}: .venv/bin/pip install py-spy"}
    seconds = max(5, min(15, run.options.duration))
    raw = run.tmp / f"profile-{'gil' if gil else 'wall'}.txt"
    time.sleep(2)  # let the workers finish what an earlier load left queued
    spy = subprocess.Popen(  # noqa: S603
        [
            str(PY_SPY),
            "record",
            f"--pid={run.servers['project'].pid}",
            "--subprocesses",
            "--nonblocking",
            "--full-filenames",
            "--rate=200",
            f"--duration={seconds}",
            "--format=raw",
            f"--output={raw}",
            *(["--gil"] if gil else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1)
        load = wrk(run, "project", Load(seconds=seconds + 1), watch_memory=False)
        _, errors = spy.communicate(timeout=60)
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    if spy.returncode != 0 or not raw.exists():
        return {"error": f"py-spy failed: {errors[-500:]}"}
    summary = report.summarize_profile(raw.read_text())
    summary["load"] = {k: load[k] for k in ("rps", "p99_ms", "errors")}
    say(f"profile ({'GIL held' if gil else 'wall'}): {summary['samples']} samples")
    for entry in summary["self"][:6]:
        say(f"  {entry['pct']:>5.1f}%  {entry['frame']}")
    return summary


# --- targets, report ------------------------------------------------------------


def targets(results: dict) -> dict:
    at32 = results["ratios"].get("32")
    endpoints = results["in_process"]["endpoints"]
    project_runs = [f for f in results["rounds"] if f["server"] == "project"]
    project_runs += [
        f for name, f in results["extras"].items() if not name.startswith("login")
    ]
    for found in results.get("logging", {}).values():
        project_runs += found["runs"] if isinstance(found, dict) else []
    peaks = [
        f["memory"]["peak_mb"]
        for f in project_runs + list(results["sweep"]["runs"].values())
        if f.get("memory", {}).get("peak_mb")
    ]
    queries = max(endpoints["/token?room"]["queries"], endpoints["/token"]["queries"])
    errors = sum(f["errors"] for f in project_runs)
    return {
        "rps_ratio": {
            "target": f">= {TARGETS['rps_ratio']}x reference at 32 connections",
            "value": at32["median_rps"] if at32 else None,
            "pass": bool(at32) and at32["median_rps"] >= TARGETS["rps_ratio"],
        },
        "p99_ratio": {
            "target": f"p99 <= {TARGETS['p99_ratio']}x reference at 32 connections",
            "value": at32["median_p99"] if at32 else None,
            "pass": bool(at32) and at32["median_p99"] <= TARGETS["p99_ratio"],
        },
        "errors": {
            "target": "zero errors in the project's /token and /api/me/ runs",
            "value": errors,
            "pass": errors == 0,
        },
        "queries": {
            "target": f"<= {TARGETS['queries']} queries per /token",
            "value": queries,
            "pass": queries <= TARGETS["queries"],
        },
        "rss": {
            "target": f"< {TARGETS['rss_mb']} MB RSS per worker",
            "value": max(peaks, default=None),
            "pass": bool(peaks) and max(peaks) < TARGETS["rss_mb"],
        },
    }


def code_fingerprint() -> dict:
    """The commit and a digest of the served code, to notice it change mid-run.

    Others may edit or commit while the benchmark runs; a server started
    later would then serve other code than one started earlier.
    """
    import hashlib

    digest = hashlib.sha256()
    files = sorted(
        path
        for folder in ("tokens", "tokenserver")
        for path in (ROOT / folder).rglob("*.py")
    )
    for path in [*files, ROOT / "gunicorn.conf.py"]:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {"commit": commit, "code_sha256": digest.hexdigest()[:16]}


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1) if model else platform.processor(),
        "ram_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": version(["wrk", "-v"]),
        "gunicorn": version([str(GUNICORN), "--version"]),
        "postgresql": version(["psql", "--version"]),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def version(argv: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603
            argv, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return "?"
    return (done.stdout + done.stderr).strip().splitlines()[0][:80]


def write_results(run: Run) -> None:
    out = Path(run.options.output)
    out.mkdir(parents=True, exist_ok=True)
    # A quick run's figures are not the ones docs/performance.md quotes.
    stem = "quick" if run.options.quick else "latest"
    (out / f"{stem}.json").write_text(json.dumps(run.results, indent=2) + "\n")
    (out / f"{stem}.md").write_text(report.markdown(run.results))
    say(f"figures written to {out / stem}.json and {stem}.md")


def print_summary(results: dict) -> None:
    say("\nproject / reference requests per second (p99 ratio in brackets):")
    for connections, found in results["ratios"].items():
        rounds_text = ", ".join(
            f"{r['rps']:.2f} ({r['p99']:.2f})" for r in found["rounds"]
        )
        say(
            f"  c={connections:<3} rounds {rounds_text}; "
            f"median {found['median_rps']:.2f} (p99 {found['median_p99']:.2f}); "
            f"project / bare app on the same setting {found['median_rps_vs_bare']:.2f}"
        )
    cost = results.get("logging")
    if cost:
        say(
            f"request logging at INFO costs {cost['rps_cost_pct']}% of req/s, "
            f"{cost['server_cpu_cost_pct']}% more worker CPU a request"
        )
    servers = results.get("servers", {})
    if "rps_gain_pct" in servers:
        say(
            f"granian instead of gunicorn: {servers['rps_gain_pct']:+}% req/s, "
            f"{servers['server_cpu_gain_pct']}% less worker CPU a request"
        )
    limit = results.get("floor", {})
    if "floor_vs_reference" in limit:
        say(
            "the same work without the framework (bench/floor.py): "
            f"{limit['floor_vs_reference']:.2f}x the reference; the project "
            f"{limit['project_vs_floor']:.2f}x of it"
        )
    say("targets:")
    for found in results["targets"].values():
        verdict = "PASS" if found["pass"] else "FAIL"
        say(f"  {verdict}  {found['target']}: {found['value']}")


# --- main -----------------------------------------------------------------------


def scenario(run: Run) -> None:
    options = run.options
    run.results["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    run.results["code"] = {"start": code_fingerprint()}
    run.results["machine"] = machine()
    run.results["options"] = {
        k: v for k, v in vars(options).items() if k not in {"output"}
    }
    setup(run)
    if options.whatif is not None:
        setting = next((s for s in SWEEP if s.name == options.setting), SWEEP[1])
        run.results["chosen_setting"] = setting.name
        say(f"what if (bench/whatif.py) only, {setting.name}, /token?room at 32:")
        whatifs(run, setting)
        run.results["code"]["end"] = code_fingerprint()
        run.results["machine"]["loadavg_end"] = (
            Path("/proc/loadavg").read_text().split()[:3]
        )
        run.results["whatif_summary"] = whatif_summary(run.results["whatif"])
        out = Path(run.options.output)
        out.mkdir(parents=True, exist_ok=True)
        (out / "whatif.json").write_text(json.dumps(run.results, indent=2) + "\n")
        say(f"figures written to {out / 'whatif.json'}")
        say(json.dumps(whatif_summary(run.results["whatif"]), indent=1))
        return
    say("in process (Django's WSGI handler and test client, seeded database):")
    measure_in_process(run)
    start_reference(run)
    say("worker settings, /token?room at 32 connections:")
    setting = sweep(run)
    run.results["chosen_setting"] = setting.name
    start_project(run, setting)
    start_bare(run, setting)
    say(f"rounds ({options.duration}s each):")
    rounds(run)
    stop_server(run, "bare")
    say("other endpoints on the chosen setting:")
    extras(run, setting)
    say("request logging, WARNING against INFO:")
    logging_cost(run, setting)
    say("servers, gunicorn against granian:")
    other_servers(run, setting)
    say("the same work without the framework (bench/floor.py):")
    floor(run, setting)
    stop_server(run, "project")
    if not options.no_whatif:
        say("what if (bench/whatif.py), /token?room at 32 connections:")
        whatifs(run, setting)
    run.results["machine"]["loadavg_end"] = (
        Path("/proc/loadavg").read_text().split()[:3]
    )
    run.results["code"]["end"] = code_fingerprint()
    code = run.results["code"]
    code["changed_during_run"] = code["start"] != code["end"]
    if code["changed_during_run"]:
        say(f"WARNING: the code changed during the run: {code}; run again")
    run.results["targets"] = targets(run.results)
    write_results(run)
    print_summary(run.results)


def cleanup(run: Run) -> list[str]:
    problems = []
    for name in list(run.servers):
        try:
            stop_server(run, name)
        except Exception as exc:
            problems.append(f"stopping server {name}: {exc}")
    if run.db_created:
        try:
            drop_database(run)
        except Exception as exc:
            problems.append(f"dropping database {run.db_name}: {exc}")
    if run.redis_used:
        try:
            flush_redis()
        except Exception as exc:
            problems.append(f"flushing {REDIS_URL}: {exc}")
    if run.options.keep_tmp:
        say(f"logs and profile kept in {run.tmp}")
    else:
        shutil.rmtree(run.tmp, ignore_errors=True)
    return problems


def whole_seconds(text: str) -> int:
    """A --duration: wrk and py-spy take whole seconds only ("-d8.0s" fails)."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(
            "must be a whole number of seconds of at least 1, such as 8"
        )
    return int(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark /token against a fixed reference (issue 6).",
        epilog="Defaults take about 9 minutes; --quick about 2.5.",
    )
    parser.add_argument(
        "--duration", type=whole_seconds, help="seconds per wrk run (10)"
    )
    parser.add_argument("--rounds", type=int, help="rounds of the comparison (3)")
    parser.add_argument("--scale", type=float, help="data scale, 1 = issue 6's (1)")
    parser.add_argument(
        "--connections",
        type=lambda s: [int(c) for c in s.split(",")],
        default=[1, 32],
        help="connection counts of the rounds (1,32)",
    )
    parser.add_argument(
        "--bench-users", type=int, default=2000, help="users in the load (2000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 s runs, 1 round, a tenth of the data"
    )
    parser.add_argument(
        "--setting", help="skip the sweep but for this one, e.g. 'sync 3'"
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite, not PostgreSQL")
    parser.add_argument("--no-profile", action="store_true", help="skip py-spy")
    parser.add_argument(
        "--no-whatif", action="store_true", help="skip bench/whatif.py's variants"
    )
    parser.add_argument(
        "--whatif",
        type=lambda s: s.split(","),
        help="only these bench/whatif.py changes against 'as is', --rounds rounds"
        " (e.g. orm_rows); nothing else runs",
    )
    parser.add_argument("--keep-tmp", action="store_true", help="keep logs, profile")
    parser.add_argument(
        "--max-seconds", type=int, default=1200, help="give up after (1200)"
    )
    parser.add_argument(
        "--output", default=str(BENCH / "results"), help="(bench/results)"
    )
    options = parser.parse_args(argv)
    quick = options.quick
    options.duration = options.duration or (3 if quick else 10)
    options.rounds = options.rounds or (1 if quick else 3)
    options.scale = options.scale or (0.1 if quick else 1.0)
    if quick:
        options.bench_users = min(options.bench_users, 500)
    return options


def _time_up(signum, frame):
    raise TimeUp("the run took longer than --max-seconds")


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    run = Run(parse_args())
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _time_up)
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, _terminated)
    signal.alarm(run.options.max_seconds)
    failure = None
    try:
        scenario(run)
    except (BenchError, TimeUp) as exc:
        failure = str(exc)
    except (
        OSError,
        psycopg.Error,
        redis.RedisError,
        subprocess.SubprocessError,
    ) as exc:
        failure = f"{type(exc).__name__}: {exc}"
    except (KeyboardInterrupt, SystemExit) as exc:
        failure = f"interrupted ({type(exc).__name__} {exc})"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        logs = {name: tail(run, name) for name in run.servers}
        problems = cleanup(run)
    if failure:
        say(f"FAILED: {failure}")
        for name, text in logs.items():
            say(f"--- last lines of {name}:\n{text}")
    for problem in problems:
        say(f"CLEANUP PROBLEM: {problem}")
    say(f"finished in {time.monotonic() - started:.0f}s")
    return 1 if failure or problems else 0


if __name__ == "__main__":
    sys.exit(main())
