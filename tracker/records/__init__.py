"""Information records of an event: the collected-information register and the
dissemination log (see models.py); wiring.install connects them at start-up."""
