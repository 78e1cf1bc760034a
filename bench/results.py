"""A measured target: reference, tracker, ratio, and whether the target is met."""

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    target: str
    reference_label: str
    reference: float | None  # median of the runs
    tracker: float  # median of the runs
    unit: str
    ratio: float | None  # tracker / reference, from the medians
    met: bool
    runs: int = 1
    note: str = ""

    def line(self) -> str:
        ref = "-" if self.reference is None else f"{self.reference:.4g} {self.unit}"
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        return (f"| {self.name} | {self.target} | {self.reference_label}: {ref} | "
                f"{self.tracker:.4g} {self.unit} | {ratio} | "
                f"{'met' if self.met else 'NOT MET'} | {self.note} |")


HEADER = ("| benchmark | target | reference (median) | tracker (median) | ratio | result "
          "| note |\n|---|---|---|---|---|---|---|")


def ratio_result(name: str, target: str, label: str, references: list[float],
                 trackers: list[float], unit: str, *, at_least: float | None = None,
                 at_most: float | None = None, note: str = "") -> Result:
    ref, mine = statistics.median(references), statistics.median(trackers)
    ratio = mine / ref
    met = (at_least is None or ratio >= at_least) and (at_most is None or ratio <= at_most)
    return Result(name, target, label, ref, mine, unit, ratio, met, len(trackers), note)


def absolute_result(name: str, target: str, values: list[float], unit: str, limit: float,
                    note: str = "") -> Result:
    mine = statistics.median(values)
    return Result(name, target, "limit", limit, mine, unit, None, mine <= limit,
                  len(values), note)


def show(result: Result) -> None:
    print(result.line(), flush=True)
