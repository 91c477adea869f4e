"""The students CSV of the big course through gunicorn: one request, its body
streamed and counted (bytes and rows), its duration, and the memory of the
worker that served it before and after (VmRSS and VmHWM)."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field

from .config import HOST
from .server import Gunicorn, WorkerStatus

READ_SIZE = 64 * 1024
TIMEOUT_S = 120  # per socket operation: the whole export may take longer


@dataclass
class CsvExport:
    path: str
    cookie: str
    students: int  # enrollments of the course: the rows expected after the header
    status: int = 0
    seconds: float = 0.0
    first_byte_ms: float = 0.0
    size: int = 0  # bytes of body
    rows: int = 0  # lines after the header
    worker: int | None = None  # the pid that served it (the one whose CPU time grew most)
    before: dict[int, WorkerStatus] = field(default_factory=dict)
    after: dict[int, WorkerStatus] = field(default_factory=dict)
    error: str = ""

    def growth(self, pid: int) -> tuple[float, float]:
        """(VmRSS, VmHWM) growth of worker `pid` across the request, in MB."""
        before, after = self.before[pid], self.after[pid]
        return after.rss_mb - before.rss_mb, after.hwm_mb - before.hwm_mb


def csv_export_measure(server: Gunicorn, port: int, export: CsvExport) -> CsvExport:
    """GET `export.path` once, reading the body as it streams. A worker that
    restarts in between (a crash) is reported as an error."""
    export.before = server.workers_status()
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
    started = time.perf_counter()
    try:
        connection.request("GET", export.path, headers={"Cookie": export.cookie})
        response = connection.getresponse()
        export.status = response.status
        newlines = 0
        while chunk := response.read(READ_SIZE):
            if not export.size:
                export.first_byte_ms = (time.perf_counter() - started) * 1000
            export.size += len(chunk)
            newlines += chunk.count(b"\n")
        export.seconds = time.perf_counter() - started
        export.rows = max(newlines - 1, 0)  # the header; every row ends with a line break
    except OSError as error:
        export.error = f"GET {export.path} failed: {error}"
        return export
    finally:
        connection.close()
    export.after = server.workers_status()
    grew = {
        pid: export.after[pid].cpu_ticks - status.cpu_ticks
        for pid, status in export.before.items()
        if pid in export.after
    }
    export.worker = max(grew, key=grew.get) if grew else None
    if export.status != 200:
        export.error = f"GET {export.path} answered {export.status}"
    elif export.rows != export.students:
        export.error = f"{export.path}: {export.rows:,} rows, expected {export.students:,}"
    elif set(export.before) != set(export.after):
        export.error = "a gunicorn worker restarted during the export"
    return export
