"""Gunicorn settings for production; each can be overridden from the environment.

gunicorn reads this file before Django reads `.env`: its variables must be
real environment variables (a `.env` line setting them is never seen here).
"""

import os


def whole_number(name: str, default: int, *, minimum: int) -> int:
    """A whole-number variable; unset or empty means the default.

    int() would fail with "invalid literal" naming no variable.
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        raise SystemExit(
            f"configuration error: {name} must be a whole number of at least "
            f"{minimum} (digits only, no unit)."
        )
    return int(text)


bind = os.environ.get("GUNICORN_BIND", "").strip() or "0.0.0.0:8000"
# Token requests are short and CPU-bound (hash, sign): one sync worker per core
# and one spare keeps latency flat. See docs/performance.md.
# The CPUs this process may run on (a container's cpuset), not the host's.
usable_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
workers = whole_number(
    "WEB_CONCURRENCY", (usable_cpus or os.cpu_count() or 1) + 1, minimum=1
)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "").strip() or "sync"
threads = whole_number("GUNICORN_THREADS", 1, minimum=1)
timeout = whole_number("GUNICORN_TIMEOUT", 30, minimum=0)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = whole_number("GUNICORN_MAX_REQUESTS", 20000, minimum=0)
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Query strings are left out of the access log: room names are nobody's business.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
# gunicorn logs the path decoded: its logger here escapes control characters,
# so that a %0A in a URL cannot start a forged line.
logger_class = "tokenserver.gunicorn_logging.EscapingLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "tokenserver.wsgi:application"
# gunicorn's control socket defaults to one path per user, so two servers on a
# host would share it; it is off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def on_starting(server):
    """Check Django's settings in the master, before any worker starts.

    A bad value is then one line (tokenserver/envvars.py), not a traceback
    from every worker followed by gunicorn's own account of their deaths.
    """
    from tokenserver.envvars import check_settings

    check_settings()
    clean_metrics_dir()


def clean_metrics_dir() -> None:
    """Remove the metrics files of an earlier gunicorn (tokens/metrics/).

    Only gunicorn's own (named by a bare pid): the enforcement worker's
    ("enforce-<pid>") may be written beside it already; scripts/serve
    clears the whole directory before starting both.
    """
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db") and name.rsplit("_", 1)[-1][:-3].isdigit():
            os.remove(os.path.join(path, name))


def child_exit(server, worker):
    """A dead worker's live gauges go; its counters stay (summed at scrape)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    """Answers gunicorn writes itself (414, 431, a bad header) as JSON."""
    from tokenserver import gunicorn_errors

    gunicorn_errors.install()
