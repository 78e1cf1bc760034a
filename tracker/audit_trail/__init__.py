"""The audit trail's pages: search, read and export the records, naming the users, events
and other records they are about.

Apart from tracker/audit (which every area writes to, and which imports no area), so
that reading the trail may depend on the areas (accounts for the roles and user names,
events, outreach) without the areas depending on it: no import cycle between packages."""
