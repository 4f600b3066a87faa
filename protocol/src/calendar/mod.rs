//! Calendar rules shared by the core (offline calendar, "add to calendar")
//! and the server (ICS feeds): RFC 5545 recurrence and iCalendar text.

pub mod rrule;
pub mod ics;
