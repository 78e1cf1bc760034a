"""HTTP load with wrk (Debian package), against a server on this machine only."""

import re
import subprocess

DURATION_S = 8
CONNECTIONS = 8


def requests_per_second(url: str, headers: dict[str, str] | None = None,
                        duration: int = DURATION_S, connections: int = CONNECTIONS
                        ) -> float:
    """wrk with `connections` concurrent clients on two threads for `duration` seconds;
    fails on any non-2xx/3xx answer or socket error."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise RuntimeError(f"errors under load at {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
