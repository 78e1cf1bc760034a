"""The events area's extension points: what higher areas add to an event without the
events area importing them.

- Panels: a provider takes the event and returns [(slot, template name, context), ...],
  where slot is "top" (above everything) or "side"; the event page shows them. Slot
  "summary" goes on the printable compliance summary instead.
- Gates: a gate takes the event and a target status and returns the conditions that stop
  the change (lifecycle.Unmet); every transition checks them.

Areas register from their wiring module at start-up. Registration is idempotent, and the
order of registration decides only the order panels and reasons are shown in.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.events.lifecycle import Unmet
    from tracker.events.models import Event, EventStatus

PanelProvider = Callable[["Event"], list[tuple[str, str, dict]]]
Gate = Callable[["Event", "EventStatus"], list["Unmet"]]

_panel_providers: list[PanelProvider] = []
_gates: list[Gate] = []


def register_detail_panel(provider: PanelProvider) -> None:
    if provider not in _panel_providers:
        _panel_providers.append(provider)


def detail_panels(event: "Event") -> list[tuple[str, str, dict]]:
    return [panel for provider in _panel_providers for panel in provider(event)]


def register_gate(gate: Gate) -> None:
    if gate not in _gates:
        _gates.append(gate)


def unregister_gate(gate: Gate) -> None:
    """For tests that add a gate of their own."""
    if gate in _gates:
        _gates.remove(gate)


def gate_results(event: "Event", target: "EventStatus") -> list["Unmet"]:
    return [item for gate in _gates for item in gate(event, target)]
