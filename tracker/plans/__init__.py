"""The operations plan of an event: versions of structured sections modelled on the ICS
forms (objectives, organization, assignments, communications, medical, ...), approved
with the event, compared side by side, copied from an earlier event; and the
after-action report with corrective actions tracked to closure."""
