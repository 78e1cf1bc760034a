"""Run the benchmarks and print one Markdown table row per target.

.venv/bin/python -m bench.run [feeds-cold] [feeds-cold-postgresql] [feeds-http]
    [feeds-http-postgresql] [pages] [pages-scaling] [pages-scaling-postgresql]
    [reminders] [memory] [audited-writes] [soak]
(default: all). `make bench` installs what they need first."""

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.results import HEADER

SUITES = ["feeds-cold", "feeds-cold-postgresql", "feeds-http", "feeds-http-postgresql",
          "pages", "pages-scaling", "pages-scaling-postgresql", "reminders", "memory",
          "audited-writes", "soak"]


def _run(name: str) -> list:
    if name in ("feeds-cold", "feeds-cold-postgresql"):
        from bench import feeds
        return feeds.in_process("postgresql" if name.endswith("postgresql") else "sqlite")
    if name in ("feeds-http", "feeds-http-postgresql"):
        from bench import feeds
        return feeds.under_gunicorn("postgresql" if name.endswith("postgresql") else "sqlite")
    if name == "pages":
        from bench import pages
        return pages.under_gunicorn("sqlite")
    if name in ("pages-scaling", "pages-scaling-postgresql"):
        from bench import pages
        return pages.scaling("postgresql" if name.endswith("postgresql") else "sqlite")
    if name == "reminders":
        from bench import reminders
        return reminders.race("postgresql")
    if name == "audited-writes":
        from bench import writes
        return writes.under_gunicorn("postgresql")
    if name == "soak":
        from bench import soak
        return soak.run("postgresql")
    if name == "memory":
        from bench import memory
        return memory.measure("sqlite")
    raise SystemExit(f"unknown benchmark {name}; choose from {', '.join(SUITES)}")


def main(names: list[str]) -> int:
    machine = f"{platform.node()}, {platform.processor() or platform.machine()}"
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}, "
          f"Python {platform.python_version()}\n\n{HEADER}", flush=True)
    results = []
    for name in names or SUITES:
        results += _run(name)
    targets = [r for r in results if not r.name.startswith("diagnostic")]
    met = sum(r.met for r in targets)
    out = Path(__file__).with_name("last-run.md")
    out.write_text("\n".join([HEADER, *(r.line() for r in results)]) + "\n")
    print(f"\n{met} of {len(targets)} targets met (diagnostic rows not counted); "
          f"table in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
