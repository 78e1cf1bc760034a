// Reads an iCalendar file with Mozilla's ical.js (the parser Thunderbird uses) and prints
// what a calendar client would see, as JSON, for tests/test_calendar_parsers.py:
//
//   node tests/support/js/parse_ics.mjs FILE.ics [FILE.ics ...]    ("-" reads standard input)
//
// One line of JSON per file, in order (several files share one Node start-up); exit
// status 1 with the parser's error on stderr at the first file it cannot read.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const files = process.argv.slice(2);
if (!files.length) {
  console.error("usage: node tests/support/js/parse_ics.mjs FILE.ics|- [FILE.ics ...]");
  process.exit(2);
}

// Strict UTF-8: a feed with broken bytes must fail here, not be patched with U+FFFD.
function source(path) {
  const bytes = readFileSync(path === "-" ? 0 : path);
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

// The zone a time was resolved in: "UTC", a TZID, or "floating" when the TZID was not
// found (the time would then silently follow the reader's own clock).
function zoneOf(time) {
  if (!time) return null;
  if (time.zone === ICAL.Timezone.utcTimezone) return "UTC";
  if (!time.zone || time.zone === ICAL.Timezone.localTimezone) return "floating";
  return time.zone.tzid;
}

// The UTC instant, through the offsets of the file's own VTIMEZONE.
function instant(time) {
  return time ? new Date(time.toUnixTime() * 1000).toISOString() : null;
}

function names(items) {
  return items.map((item) => item.name.toUpperCase());
}

function read(file) {
  const root = new ICAL.Component(ICAL.parse(source(file)));
  if (root.name !== "vcalendar") throw new Error(`top component is ${root.name}`);

  // Register every VTIMEZONE of the file, as a client does before reading its events.
  const timezones = root.getAllSubcomponents("vtimezone");
  for (const vtimezone of timezones) ICAL.TimezoneService.register(vtimezone);

  const events = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary ?? null,
      location: event.location ?? null,
      description: event.description ?? null,
      status: vevent.getFirstPropertyValue("status"),
      sequence: event.sequence,
      categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues()),
      url: vevent.getFirstPropertyValue("url"),
      start: instant(event.startDate),
      end: instant(event.endDate),
      start_zone: zoneOf(event.startDate),
      end_zone: zoneOf(event.endDate),
      properties: names(vevent.getAllProperties()),
      components: names(vevent.getAllSubcomponents()),
    };
  });

  return {
    properties: names(root.getAllProperties()),
    name: root.getFirstPropertyValue("name"),
    calname: root.getFirstPropertyValue("x-wr-calname"),
    components: names(root.getAllSubcomponents()),
    timezones: timezones.map((c) => c.getFirstPropertyValue("tzid")),
    events,
  };
}

for (const file of files) {
  try {
    console.log(JSON.stringify(read(file)));
  } catch (error) {
    console.error(`ical.js could not read ${file}: ${error?.stack ?? error}`);
    process.exit(1);
  }
}
