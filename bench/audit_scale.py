"""The audit log after a year: seed N events, time each admin page staff use.

    .venv/bin/python bench/audit_scale.py --rows 10000000   # seed + measure
    .venv/bin/python bench/audit_scale.py --no-seed         # measure again

Makes (or reuses) the database `--db` (default ts_bench_audit) on the
benchmark's PostgreSQL, migrates it, seeds it (bench/audit_seed.py) and then,
in a child process with the production settings, gets each page through
django.test.Client as a superuser: median ms of --repeat, queries
(CaptureQueriesContext), the slowest statement's EXPLAIN ANALYZE time; the CSV
export of the newest --csv-rows rows with the child's peak RSS (VmHWM).
Prints and writes bench/results/audit_scale.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--db", default="ts_bench_audit")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--pages", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pages:
        print(json.dumps(pages(args)))
        return 0
    import psycopg

    from bench import audit_seed, servers

    run = servers.Run(options=argparse.Namespace(sqlite=False))
    url = run.database_url.rsplit("/", 1)[0] + f"/{args.db}"
    with psycopg.connect(servers.ADMIN_DSN, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (args.db,)
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{args.db}"')
    env = servers.app_env(run, DATABASE_URL=url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    result = {"rows": args.rows, "load_before": os.getloadavg()}
    if not args.no_seed:
        result["seed"] = audit_seed.seed(url, args.rows)
    out = subprocess.run(  # noqa: S603  (our own script)
        [
            sys.executable,
            "bench/audit_scale.py",
            "--pages",
            "--repeat",
            str(args.repeat),
            "--csv-rows",
            str(args.csv_rows),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    result["load_after"] = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    result["commit"] = commit
    text = json.dumps(result, indent=1)
    (ROOT / "bench" / "results" / "audit_scale.json").write_text(text + "\n")
    print(text)
    return 0


def pages(args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenserver.settings")
    import django

    django.setup()
    from django.conf import settings

    # No collectstatic here: the manifest storage would fail every page.
    static = "django.contrib.staticfiles.storage.StaticFilesStorage"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": static}}
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tokens.models import TokenEvent, User

    admin, _ = User.objects.get_or_create(
        username="audit-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    newest = TokenEvent.objects.exclude(jwt_sha256="").order_by("-created_at").first()
    at = newest.created_at
    base = "/admin/tokens/tokenevent/"
    urls = {
        "changelist": base,
        "outcome=issued": f"{base}?outcome=issued",
        "outcome=no_grants": f"{base}?outcome=no_grants",
        "grant=video": f"{base}?grant=video",
        "grant=sync": f"{base}?grant=sync",
        "created_at past 7 days": f"{base}?created_at__gte={at.date()}",
        "year": f"{base}?created_at__year={at.year}",
        "month": f"{base}?created_at__year={at.year}&created_at__month={at.month}",
        "day": f"{base}?created_at__year={at.year}&created_at__month={at.month}&created_at__day={at.day}",  # noqa: E501
        "search identity": f"{base}?q=audit_user_0042",
        "search room": f"{base}?q=audit-room-042",
        "search JWT hash": f"{base}?q={newest.jwt_sha256 or 'x' * 64}",
        "page 50": f"{base}?p=50",
    }
    found = {}
    for name, url in urls.items():
        client.get(url)
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
        slowest = max(
            captured.captured_queries,
            key=lambda q: float(q["time"]),
            default={"time": 0, "sql": ""},
        )
        found[name] = {
            "status": response.status_code,
            "ms_median": round(statistics.median(times), 1),
            "queries": len(captured.captured_queries),
            "slowest_ms": round(float(slowest["time"]) * 1000, 1),
            "slowest_sql": slowest["sql"][:160],
        }
    return {"pages": found, "csv": csv_rss(client, base, args.csv_rows)}


def csv_rss(client, base: str, rows: int) -> dict:
    from tokens.models import TokenEvent

    since = TokenEvent.objects.order_by("-created_at").values_list(
        "created_at", flat=True
    )[rows - 1 : rows]
    gte = since[0].isoformat() if since else "2000-01-01"
    started = time.perf_counter()
    response = client.get(f"{base}export.csv", {"created_at__gte": gte})
    lines = size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return {
        "streaming": response.streaming,
        "lines": lines,
        "mb": round(size / 1e6, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "vmhwm_mb": vmhwm_mb(),
    }


def vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


if __name__ == "__main__":
    raise SystemExit(main())
