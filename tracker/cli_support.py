"""Helpers for CLI commands: an audit origin per command."""

from tracker.audit.context import Origin, set_origin


def cli_origin(command: str) -> None:
    set_origin(Origin(source_address=f"cli:{command}"))
