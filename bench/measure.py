"""In-process figures for the benchmark: queries per request and the admin audit log.

Run by bench/run.py (`python -m bench.measure OPTIONS`) with the server's
environment on the seeded database, before any load, so the audit log holds
the seeded rows only. API requests go through Django's WSGI handler as under
gunicorn (signals, connection health check), admin pages through
django.test.Client; queries are counted with CaptureQueriesContext and, for
the API, every statement sent to PostgreSQL too. Prints one JSON object last.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens-file", type=Path, required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenserver.settings")
    django.setup()
    from django.test import override_settings

    token, room, username = args.tokens_file.read_text().split("\n", 1)[0].split()
    # Admin pages name static files; without collectstatic the manifest storage
    # would fail, and a plain storage costs the same to render.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with override_settings(STORAGES=storages):
        result = {
            "endpoints": endpoints(token, room, username, args.password, args.repeat),
            "admin": admin_pages(args.repeat),
        }
    result["explain"] = explain(result["endpoints"]["/token?room"]["sql_full"])
    result["orm_vs_raw"] = orm_vs_raw(token, room)
    for found in result["endpoints"].values():
        del found["sql_full"]
    print(json.dumps(result))
    return 0


class Statements:
    """Every statement sent through psycopg, Django's query log or not.

    The connection health check (CONN_HEALTH_CHECKS) runs "SELECT 1" on the
    raw connection, which CaptureQueriesContext does not see.
    """

    count = 0

    @classmethod
    def install(cls) -> None:
        try:
            import psycopg
        except ImportError:  # SQLite run
            return
        original = psycopg.Cursor.execute

        def execute(self, *args, **kwargs):
            cls.count += 1
            return original(self, *args, **kwargs)

        psycopg.Cursor.execute = execute


def timed(call, repeat: int) -> dict:
    """Call once to warm up, then `repeat` times counting queries and time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    counts, sent, times, statuses, last = [], [], [], set(), None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            before = Statements.count
            started = time.perf_counter()
            status, body = call()
            times.append((time.perf_counter() - started) * 1000)
            sent.append(Statements.count - before)
        counts.append(len(captured.captured_queries))
        statuses.add(status)
        last = (captured.captured_queries, body)
    queries, body = last
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "statuses": sorted(statuses),
        "queries": max(counts),
        "queries_min": min(counts),
        "statements_sent": max(sent),
        "ms_median": round(statistics.median(times), 2),
        "ms_max": round(max(times), 2),
        "bytes": len(body),
        "sql": [q["sql"][:300] for q in queries],
        "sql_full": [q["sql"] for q in queries],
        "slowest": [
            {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:300]}
            for q in slowest
        ],
    }


def wsgi(handler, request) -> tuple[int, bytes]:
    """Serve a RequestFactory request as gunicorn would: signals, health check."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    response = handler(request.environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()  # request_finished, as a WSGI server does
    return answer["status"], body


def endpoints(token: str, room: str, username: str, password: str, repeat: int):
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    Statements.install()
    handler, factory = WSGIHandler(), RequestFactory()
    auth = {"Authorization": f"Token {token}"}
    login = json.dumps({"username": username, "password": password})
    requests = {
        "/token?room": lambda: factory.get("/token", {"room": room}, headers=auth),
        "/token": lambda: factory.get("/token", headers=auth),
        "/api/me/": lambda: factory.get("/api/me/", headers=auth),
        "login": lambda: factory.post(
            "/api/auth/login/", login, content_type="application/json"
        ),
    }
    # A login hashes the password (PBKDF2): fewer repeats keep this short.
    return {
        name: timed(
            lambda make=make: wsgi(handler, make()), 2 if name == "login" else repeat
        )
        for name, make in requests.items()
    }


def admin_pages(repeat: int) -> dict:
    from django.test import Client

    from tokens.models import TokenEvent, User

    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    newest = TokenEvent.objects.order_by("-created_at").values_list(
        "created_at", flat=True
    )[0]
    base = "/admin/tokens/tokenevent/"
    pages = {
        "changelist": base,
        "outcome=issued": f"{base}?outcome=issued",
        "grant=video": f"{base}?grant=video",
        "search identity": f"{base}?q=bench_user_00042",
        "month drill-down": (
            f"{base}?created_at__year={newest.year}&created_at__month={newest.month}"
        ),
        "page 50": f"{base}?p=50",
    }
    found = {
        name: timed(lambda url=url: as_pair(client.get(url)), repeat)
        for name, url in pages.items()
    }
    for page in found.values():
        del page["sql_full"]
    return found


def as_pair(response) -> tuple[int, bytes]:
    return response.status_code, response.content


def explain(statements: list[str]) -> list[dict]:
    """Planning and execution time PostgreSQL reports for each SELECT of /token."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    found = []
    with connection.cursor() as cursor:
        for statement in statements:
            if not statement.lstrip("(\n ").upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
            plan = cursor.fetchone()[0][0]
            found.append(
                {
                    "sql": " ".join(statement.split())[:120],
                    "planning_ms": plan["Planning Time"],
                    "execution_ms": plan["Execution Time"],
                    "top_node": plan["Plan"]["Node Type"],
                }
            )
    return found


def orm_vs_raw(token: str, room: str, repeat: int = 200) -> list[dict]:
    """Each /token read as the project makes it, and its SQL run raw.

    The difference is what building the query and the model instances costs
    in Python, beyond the database round trip and the driver.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tokens.api.authentication import ApiTokenAuthentication
    from tokens.issuing import subject as loading

    auth = ApiTokenAuthentication()
    user, _ = auth.authenticate_credentials(token.encode())
    calls = {
        "API token + user (api/authentication.py)": lambda: (
            auth.authenticate_credentials(token.encode())
        ),
        "rules + room (issuing/subject.load_subject)": lambda: loading.load_subject(
            user, room=room
        ),
    }
    found = []
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            call()
        statement = captured.captured_queries[-1]["sql"]
        orm = median_ms(call, repeat)
        raw = median_ms(lambda statement=statement: run_raw(statement), repeat)
        found.append(
            {
                "what": name,
                "orm_ms": round(orm, 3),
                "raw_ms": round(raw, 3),
                "python_ms": round(orm - raw, 3),
            }
        )
    return found


def run_raw(statement: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)
        cursor.fetchall()


def median_ms(call, repeat: int) -> float:
    """Median milliseconds of `repeat` calls after a warm-up."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
