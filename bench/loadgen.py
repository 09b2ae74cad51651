"""Load with wrk, and what it costs: latency, errors, CPU by process, worker memory.

Used by bench/run.py.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from servers import BENCH, HOST, BenchError, Run, admin_connection

# --- worker memory ----------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


def rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(found.group(1)) / 1024, 1) if found else None


class MemoryWatch:
    """Peak RSS of a server's workers while a load runs, and workers seen."""

    def __init__(self, master: int | None) -> None:
        self.master = master
        self.peak: dict[int, float] = {}

    def sample(self) -> None:
        if self.master is None:
            return
        for pid in worker_pids(self.master):
            mb = rss_mb(pid)
            if mb is not None:
                self.peak[pid] = max(mb, self.peak.get(pid, 0.0))

    def summary(self) -> dict:
        last = {pid: rss_mb(pid) for pid in worker_pids(self.master or 0)}
        return {
            "peak_mb": max(self.peak.values(), default=None),
            "workers_seen": len(self.peak),
            "final_mb": sorted(mb for mb in last.values() if mb is not None),
        }


# --- wrk ------------------------------------------------------------------------


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return round(float(number) * UNITS_MS[unit], 3)


def parse_wrk(text: str) -> dict:
    """Requests/s, latency percentiles and errors from wrk --latency and token.lua."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", text)
    dist = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+[a-z]+)", text, re.M))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    bench = re.search(r"BENCH bad=(\d+) p999_us=(\d+) max_us=(\d+)", text)
    sample = re.search(r"BENCH sample=(.*)", text)
    if not (rps and total and bench and "50" in dist and "99" in dist):
        raise BenchError(f"unexpected wrk output:\n{text[-2000:]}")
    socket_errors = sum(int(n) for n in sockets.groups()) if sockets else 0
    bad = int(bench.group(1))
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": to_ms(dist["50"]),
        "p90_ms": to_ms(dist["90"]),
        "p99_ms": to_ms(dist["99"]),
        "p999_ms": round(int(bench.group(2)) / 1000, 3),
        "max_ms": round(int(bench.group(3)) / 1000, 3),
        "socket_errors": socket_errors,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "bad_responses": bad,
        "errors": socket_errors + bad,
        "first_bad": sample.group(1)[:200] if sample else None,
    }


@dataclass(frozen=True)
class Load:
    mode: str = "room"
    connections: int = 32
    seconds: int = 10  # wrk takes whole seconds only
    timeout: str = "5s"


def wrk_argv(run: Run, name: str, load: Load) -> list[str]:
    """The wrk command line of one run against server `name`."""
    threads = min(2, load.connections)
    return [
        shutil.which("wrk") or "/usr/bin/wrk",
        f"-t{threads}",
        f"-c{load.connections}",
        f"-d{load.seconds}s",
        f"--timeout={load.timeout}",
        "--latency",
        f"--script={BENCH / 'token.lua'}",
        f"http://{HOST}:{run.ports[name]}/",
        "--",
        load.mode,
        str(run.tokens_file),
        run.password,
    ]


def wrk(run: Run, name: str, load: Load, watch_memory: bool = True) -> dict:
    """One wrk run against a server; its workers' RSS and everyone's CPU meanwhile."""
    argv = wrk_argv(run, name, load)
    server = run.servers[name]
    watch = MemoryWatch(server.pid)
    out = run.tmp / "wrk.out"
    cpu = CpuWatch(run)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out.open("w") as sink:
        process = subprocess.Popen(  # noqa: S603
            argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + load.seconds + 60
            while process.poll() is None:
                watch.sample()
                cpu.sample()
                if time.monotonic() > deadline:
                    raise BenchError(f"wrk against {name} did not finish")
                time.sleep(0.5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    cpu.sample()
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = parse_wrk(out.read_text(errors="replace"))
    figures.update(server=name, mode=load.mode, connections=load.connections)
    owners = {pid: "server" for pid in [server.pid, *watch.peak]}
    owners.update({pid: "postgresql (bench db)" for pid in cpu.backends})
    # wrk has exited and been waited for: its CPU is in our children's usage.
    wrk_seconds = sum(waited[:2]) - sum(children[:2])
    figures["cpu_ms_per_request"] = cpu.split(owners, figures, wrk_seconds)
    if watch_memory:
        figures["memory"] = watch.summary()
    return figures


# --- CPU accounting ---------------------------------------------------------------

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def cpu_snapshot() -> tuple[dict[int, tuple[str, int]], int]:
    """CPU ticks used so far by each process (name, ticks), and by the machine."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        processes[int(entry.name)] = (name, int(fields[11]) + int(fields[12]))
    busy = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    # user nice system idle iowait irq softirq: all but idle and iowait.
    return processes, sum(busy[:3]) + sum(busy[5:7])


class CpuWatch:
    """CPU used by every process between the first sample and the last.

    A process that exits meanwhile (a PostgreSQL backend closed after
    CONN_MAX_AGE, a worker recycled after max_requests) counts with its last
    sample; what no sample saw is in "other", the machine's total less the rest.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.first, self.machine_first = cpu_snapshot()
        self.last, self.machine_last = dict(self.first), self.machine_first
        self.backends: set[int] = set()

    def sample(self) -> None:
        processes, self.machine_last = cpu_snapshot()
        self.last.update(processes)
        self.backends.update(backend_pids(self.run))

    def split(self, owners: dict[int, str], figures: dict, wrk_seconds: float):
        """CPU milliseconds per request, by who spent them."""
        spent: Counter = Counter({"wrk": wrk_seconds * 1000 / TICK_MS})
        for pid, (name, ticks) in self.last.items():
            used = ticks - self.first.get(pid, (name, 0))[1]
            if pid in owners:
                spent[owners[pid]] += used
            elif name.startswith("postgres"):
                spent["postgresql (other)"] += used
            elif name == "redis-server":
                spent["redis"] += used
        machine = self.machine_last - self.machine_first  # all CPUs' ticks
        spent["other"] = max(0, machine - sum(spent.values()))
        requests = max(1, figures["requests"])
        found = {who: round(n * TICK_MS / requests, 3) for who, n in spent.items()}
        found["total"] = round(machine * TICK_MS / requests, 3)
        return found


def backend_pids(run: Run) -> list[int]:
    """The PostgreSQL backends serving the bench database."""
    if run.options.sqlite:
        return []
    with admin_connection() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (run.db_name,)
        ).fetchall()
    return [row[0] for row in rows]


def warm(run: Run, name: str) -> None:
    wrk(run, name, Load(seconds=2), watch_memory=False)


def line(figures: dict, label: str = "") -> str:
    return (
        f"  {label or figures['server']:<22} {figures['mode']:<5} "
        f"c={figures['connections']:<3} {figures['rps']:>8.1f} req/s  "
        f"p50 {figures['p50_ms']:>7.2f} ms  p99 {figures['p99_ms']:>8.2f} ms  "
        f"errors {figures['errors']}"
        + (f"  first bad: {figures['first_bad']}" if figures["first_bad"] else "")
    )
