"""gunicorn as production runs it, on a free loopback port, and a plain GET to it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .config import HOST, ROOT, RUNTIME, WORKERS


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn in its own process group, stopped on exit whatever happens."""

    def __init__(self, env: dict[str, str], port: int, *, config: Path | None = None):
        self.env = env
        self.port = port
        self.config = config  # a gunicorn.conf.py (deploy/): its worker count, timeouts and logs
        self.process: subprocess.Popen | None = None
        self.log = RUNTIME / "gunicorn.log"

    def _command(self) -> list[str]:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        if self.config is not None:
            self.env = {**self.env, "GUNICORN_BIND": f"{HOST}:{self.port}"}
            return [
                gunicorn,
                "-c",
                str(self.config),
                "--error-logfile",
                str(self.log),
                "--access-logfile",
                "/dev/null",
            ]
        return [
            gunicorn,
            "lms.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
            # The control socket's default path is one per user: another
            # engineer's gunicorn on this machine would fight over it.
            "--no-control-socket",
        ]

    def __enter__(self) -> Gunicorn:
        command = self._command()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                status, _ = http_get(self.port, "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        master = self.process.pid
        try:
            return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
        except OSError:
            pids = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == master:
                    pids.append(int(stat.parent.name))
            return pids

    def workers_peak_rss_mb(self) -> list[float]:
        """VmHWM (the peak resident set) of each worker, in MB."""
        return [status.hwm_mb for status in self.workers_status().values()]

    def workers_status(self) -> dict[int, WorkerStatus]:
        """Each live worker's memory and CPU time, by pid."""
        found = {}
        for pid in self.worker_pids():
            status = worker_status(pid)
            if status is not None:
                found[pid] = status
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # The process group we created: the master and its workers, nothing else.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


class JobWorkers:
    """`manage.py db_worker` processes as production runs them beside gunicorn
    (the Stripe webhook's work is done there), each in its own process group,
    stopped on exit. Polls for jobs every 50 ms when idle (production: 1 s). Niced as
    deploy/systemd/doctrina-worker.service says (Nice=10): the web requests first."""

    def __init__(self, env: dict[str, str], count: int, *, name: str = "bench"):
        self.env = env
        self.count = count
        self.name = name
        self.processes: list[subprocess.Popen] = []
        self.log = RUNTIME / f"db_worker-{name}.log"

    def __enter__(self) -> JobWorkers:
        with self.log.open("w") as log:
            for index in range(self.count):
                command = [
                    "nice",
                    "-n",
                    "10",
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-reload",
                    "-v",
                    "0",
                ]
                self.processes.append(
                    subprocess.Popen(
                        [
                            *command,
                            "--no-startup-delay",
                            "--interval",
                            "0.05",
                            "--worker-id",
                            f"{self.name}-{index}",
                        ],
                        cwd=ROOT,
                        env={**os.environ, **self.env},
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,  # the receipts go to the console e-mail backend
                        stderr=log,
                        start_new_session=True,
                    )
                )
        return self

    def __exit__(self, *exc_info) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes)


@dataclass(frozen=True)
class WorkerStatus:
    rss_mb: float  # VmRSS: resident now
    hwm_mb: float  # VmHWM: the most it has been resident
    cpu_ticks: int  # user + system time, in clock ticks


def worker_status(pid: int) -> WorkerStatus | None:
    """From /proc/<pid>/status and /proc/<pid>/stat; None once the process is gone."""
    try:
        memory = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                memory[key] = int(value.split()[0]) / 1024
        # The fields after the command name (which may hold spaces) in brackets:
        # utime and stime are the 14th and 15th of the whole line.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return WorkerStatus(
        rss_mb=memory["VmRSS"], hwm_mb=memory["VmHWM"], cpu_ticks=int(fields[11]) + int(fields[12])
    )


def http_get(port: int, path: str, cookie: str = "", *, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
