#!/usr/bin/env python3
"""Run a command and measure it: wall time, CPU time, peak RSS (stdlib only, Linux).

``bench_scan.py`` starts this file once as a small, freshly exec'd helper
(``--serve``) and asks it to run every measured child. That matters: Linux
keeps a process's RSS high-water mark across ``fork``/``exec``, so a child
forked straight from the (large) benchmark process would report the
benchmark's own peak as its ``ru_maxrss``. Forked from this small helper, the
floor is a few MiB.

Measurements per child:

* ``wall_s``: from just before spawning to ``os.wait4`` returning;
* ``cpu_s``: user + system time from the child's rusage;
* ``peak_rss_mib``: ``ru_maxrss`` of the child, which Linux reports as the
  largest single process among the child and its reaped descendants;
* ``tree_rss_mib``: peak of the *summed* RSS of the child and all its live
  descendants, sampled from ``/proc`` every ``sample_interval`` seconds
  (what a worker pool really costs; may miss short spikes);
* ``tree_pss_mib``: the same for the summed PSS (``/proc/PID/smaps_rollup``):
  a page shared by N processes counts 1/N in each, so the pages a forked
  worker shares with its parent are counted once, not once per process.

Standalone use: ``python bench/measure_child.py [--timeout S] -- CMD ARGS...``
prints one JSON object (the command's output goes to /dev/null).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children_of(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out += [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        pass
    return out


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * PAGE_KIB
    except (OSError, ValueError, IndexError):
        return 0


def _pss_kib(pid: int) -> int | None:
    """The proportional set size of `pid`, or None where the kernel does not give it."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


class TreeRssSampler(threading.Thread):
    """Polls the summed RSS, and the summed PSS, of a process and its descendants."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.peak_pss_kib: int | None = 0 if os.path.exists(f"/proc/{pid}/smaps_rollup") else None
        self.stopped = threading.Event()
        self.available = os.path.exists(f"/proc/{pid}/task")

    def run(self) -> None:
        while not self.stopped.is_set():
            total = 0
            pss: int | None = 0
            stack = [self.pid]
            visited = 0
            while stack and visited < 4096:
                pid = stack.pop()
                visited += 1
                total += _rss_kib(pid)
                if self.peak_pss_kib is not None:
                    one = _pss_kib(pid)
                    pss = None if one is None or pss is None else pss + one
                stack += _children_of(pid)
            self.peak_kib = max(self.peak_kib, total)
            if self.peak_pss_kib is not None and pss is not None:
                self.peak_pss_kib = max(self.peak_pss_kib, pss)
            self.stopped.wait(self.interval)


def measure(
    cmd: list[str],
    *,
    cwd: str | None,
    env: dict[str, str] | None,
    timeout: float,
    sample_interval: float,
    stdout_path: str,
    stderr_path: str,
) -> dict[str, Any]:
    """Run ``cmd`` with its output sent to the given files; return the measurements."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        except OSError as exc:
            return {
                "wall_s": 0.0,
                "cpu_s": 0.0,
                "peak_rss_mib": 0.0,
                "tree_rss_mib": None,
                "tree_pss_mib": None,
                "returncode": 127,
                "timed_out": False,
                "spawn_error": str(exc),
            }
        sampler = TreeRssSampler(proc.pid, sample_interval) if sample_interval > 0 else None
        if sampler is not None:
            sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, 9)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    tree_rss: float | None = None
    tree_pss: float | None = None
    if sampler is not None:
        sampler.stopped.set()
        sampler.join()
        if sampler.available and sampler.peak_kib:
            tree_rss = sampler.peak_kib / 1024
        if sampler.available and sampler.peak_pss_kib:
            tree_pss = sampler.peak_pss_kib / 1024
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # KiB on Linux
        "tree_rss_mib": tree_rss,
        "tree_pss_mib": tree_pss,
        "returncode": proc.returncode,
        "timed_out": timed_out.is_set(),
    }


def serve() -> None:
    """Answer one JSON request per stdin line with one JSON result line on stdout."""
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        result = measure(
            req["cmd"],
            cwd=req.get("cwd"),
            env=req.get("env"),
            timeout=req["timeout"],
            sample_interval=req["sample_interval"],
            stdout_path=req["stdout"],
            stderr_path=req["stderr"],
        )
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure one command (or --serve for bench_scan.py).")
    parser.add_argument("--serve", action="store_true", help="JSON-lines server mode")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--sample-interval", type=float, default=0.05)
    parser.add_argument("cmd", nargs="*", help="command to run (after --)")
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    if not args.cmd:
        parser.error("give a command after --")
    result = measure(
        args.cmd,
        cwd=None,
        env=None,
        timeout=args.timeout,
        sample_interval=args.sample_interval,
        stdout_path=os.devnull,
        stderr_path=os.devnull,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
