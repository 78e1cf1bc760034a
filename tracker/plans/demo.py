"""Demo operations plans and an after-action report (called by tracker/demo.py)."""

from datetime import timedelta

from tracker.plans import after_action, services
from tracker.plans import attachments_demo as media_demo

MARCH = "March from Centennial Park to the State Capitol"
PARADE = "Broadway holiday parade"

PLANS = {
    MARCH: {
        "objectives": [
            {"text": "Keep marchers, spectators and traffic safe along the route."},
            {"text": "Keep a direct line to the organizers' marshal lead throughout."}],
        "command": [{"position": "Incident commander", "assigned": "Lt. Demo, Special Events"},
                    {"position": "Liaison officer", "assigned": "Lee Liaison"},
                    {"position": "Public information officer", "assigned": "PIO desk"}],
        "assignments": [
            {"unit": "Bike team 1", "location": "West End Ave, Centennial Park to Broadway",
             "starts": "09:30", "ends": "12:30",
             "task": "Ride ahead of the march; keep the lanes clear of traffic."},
            {"unit": "Traffic post 7th Ave", "location": "7th Ave N at Broadway",
             "starts": "10:30", "ends": "13:30",
             "task": "Hold cross traffic while the march turns north to the Capitol."}],
        "communications": [
            {"channel": "SPEC-EV 1", "function": "Command", "users": "Command staff"},
            {"channel": "SPEC-EV 2", "function": "Route units", "users": "Bike and traffic"}],
        "medical": [{"resource": "EMS unit 12", "location": "Centennial Park, north lot",
                     "notes": "First aid point; nearest hospital: Vanderbilt ED."}],
        "traffic": [{"location": "West End Ave eastbound", "measure": "Rolling closure",
                     "starts": "10:00", "ends": "11:30"}],
        "staging": [{"name": "Staging A", "location": "Centennial Park, north lot",
                     "purpose": "Bike team and EMS"}],
        "contingencies": [{"situation": "Severe weather warning",
                           "response": "Tell the marshal lead; open the Capitol garage as "
                                       "shelter; hold traffic posts until the route clears."}],
        "demobilization": "Release route units as the march passes; reopen West End Ave "
                          "by 12:00 and 7th Ave by 13:30.",
    },
    PARADE: {
        "assignments": [
            {"unit": "Traffic post 4th Ave", "location": "Broadway at 4th Ave",
             "starts": "13:00", "ends": "17:30", "task": "Hold cross traffic."}],
        "staging": [{"name": "EMS staging", "location": "4th Ave S at Broadway",
                     "purpose": "EMS and first aid"}],
    },
}
GENERIC = {"assignments": [
    {"unit": "Patrol unit 3", "location": "Main entrance", "starts": "17:30", "ends": "21:30",
     "task": "Keep the entrance and sidewalk clear; point to the accessible entrance."}]}


def seed_plan(event, planner, now) -> None:
    """Before the event is approved: the plan written and submitted."""
    if services.find_plan(event.id) is not None:
        return
    sections = PLANS.get(event.title, GENERIC)
    draft = services.save_draft(planner, event, sections, now,
                                map_geojson=media_demo.map_for(event.title))
    media_demo.attach_permit(event, planner, draft, now)  # the march's permit PDF
    services.submit(planner, event, now)


def seed_after_action(event, planner, owner, now) -> None:
    """After the concluded event: the report with one open corrective action."""
    if event.title != PARADE or after_action.find_report(event.id) is not None:
        return
    after_action.save_report(planner, event, after_action.ReportData(
        went_as_planned="Closures went in on time; the EMS staging point was well placed.",
        did_not_go_as_planned="The 4th Ave detour signs went up 40 minutes late.",
        arrests=0, injuries=2, complaints=1, use_of_force_reports=0,
        lessons="Agree the sign crew's start time with Public Works a week ahead.",
        reviewed_on=now.date()), now)
    after_action.add_action(
        planner, event, "Agree detour-sign timing with Metro Public Works in writing.",
        owner.id, (now + timedelta(days=14)).date(), now)
