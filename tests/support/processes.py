"""Stopping the real processes a test started (gunicorn, scheduler processes): SIGTERM
to each process group, then SIGKILL to any that did not stop in time."""

import os
import signal
import subprocess
from collections.abc import Iterable


def stop_groups(processes: Iterable[subprocess.Popen], timeout: float) -> None:
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
