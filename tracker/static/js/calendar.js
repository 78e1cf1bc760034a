// The calendar page: FullCalendar's month, week and list views over /calendar/events.json.
// Without script the server-rendered month list below stays; with it, that list hides.
(function () {
  "use strict";
  var el = document.getElementById("calendar");
  if (!el || !window.FullCalendar) { return; }
  var views = { dayGridMonth: "month", timeGridWeek: "week", listMonth: "list" };

  // Keep the shown month and view in the address, so a view can be bookmarked.
  function remember(info) {
    var params = new URLSearchParams(window.location.search);
    var middle = new Date((info.start.valueOf() + info.end.valueOf()) / 2);
    var month = middle.getFullYear() + "-" + String(middle.getMonth() + 1).padStart(2, "0");
    params.set("month", month);
    params.set("view", views[info.view.type] || "month");
    window.history.replaceState(null, "", el.dataset.page + "?" + params.toString());
  }

  var calendar = new FullCalendar.Calendar(el, {
    timeZone: el.dataset.zone,
    initialView: el.dataset.view,
    initialDate: el.dataset.date,
    headerToolbar: { start: "prev,next today", center: "title",
                     end: "dayGridMonth,timeGridWeek,listMonth" },
    buttonText: { today: "Today", month: "Month", week: "Week", list: "List" },
    events: { url: el.dataset.feed },
    // Related events (a counter-event and the event it answers) side by side.
    eventOrder: "group,start,title",
    slotEventOverlap: false,
    dayMaxEvents: false,
    eventDisplay: "block",
    nowIndicator: true,
    height: "auto",
    datesSet: remember
  });
  calendar.render();
  var fallback = document.getElementById("calendar-fallback");
  if (fallback) { fallback.hidden = true; }
})();
