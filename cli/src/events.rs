//! `mm events`, `mm event ID`, `mm calendar YYYY-MM`, `mm ics ID`.

use chrono::{Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use mm_core::display;
use mm_core::{Core, CoreError, EventOccurrence, MonthView};
use mm_protocol::LOCAL_TZ;
use serde::Serialize;

use crate::format;
use crate::output::Output;

fn print_occurrences(list: &[EventOccurrence]) {
    if list.is_empty() {
        println!("Brak wydarzeń w tym okresie.");
    }
    for o in list {
        let cancelled = if o.cancelled { " [ODWOŁANE]" } else { "" };
        println!("{}{cancelled} (#{})", o.title, o.event_id);
        let place = o
            .place_name
            .as_deref()
            .map(|p| format!(" · {p}"))
            .unwrap_or_default();
        println!("  {}{place}", o.when_text);
    }
}

pub fn list(
    core: &Core,
    out: &Output,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    category: Option<&str>,
) -> Result<(), CoreError> {
    let from = from.unwrap_or_else(|| Utc::now().with_timezone(&LOCAL_TZ).date_naive());
    let to = to.unwrap_or(from + TimeDelta::days(30));
    let list = core.events().between(from, to, category)?;
    out.show(&list, |l| print_occurrences(l));
    Ok(())
}

pub fn detail(core: &Core, out: &Output, id: i64) -> Result<(), CoreError> {
    let d = core.events().detail(id, Utc::now())?;
    out.show(&d, |d| {
        let e = &d.event;
        println!(
            "{}{}",
            e.title,
            if e.cancelled { " [ODWOŁANE]" } else { "" }
        );
        println!("{}", d.when_text);
        if let Some(p) = &e.place_name {
            println!("Miejsce: {p}");
        }
        if let Some(c) = &d.category_name_pl {
            println!("Kategoria: {c}");
        }
        if let Some(o) = &e.organiser {
            println!("Organizator: {o}");
        }
        if let Some(a) = &e.accessibility {
            println!("Dostępność: {a}");
        }
        if !e.description.is_empty() {
            println!("\n{}", e.description);
        }
        if e.rrule.is_some() {
            println!("\nNajbliższe terminy:");
            for o in &d.next_occurrences {
                println!("  {}", o.when_text);
            }
        }
    });
    Ok(())
}

/// `--json` shape of `mm calendar`: the core's month view and the list.
#[derive(Serialize)]
struct Calendar {
    month: MonthView,
    events: Vec<EventOccurrence>,
}

pub fn calendar(core: &Core, out: &Output, (year, month): (i32, u32)) -> Result<(), CoreError> {
    let view = core.events().month(year, month)?;
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| CoreError::NotFound {
        what: "month".into(),
    })?;
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    let events = core.events().between(first, last, None)?;
    out.show(
        &Calendar {
            month: view,
            events,
        },
        |c| {
            println!("{} {year}", display::month_name(month, format::LANG));
            let week = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
            let header: Vec<String> = week.iter().map(|w| format!("{:>3}", display::weekday_short(*w, format::LANG))).collect();
            println!("{}", header.join(" "));
            let mut line = "    ".repeat(first.weekday().num_days_from_monday() as usize);
            for day in 1..=last.day() {
                let marked = c.month.days.iter().any(|d| d.day == day);
                line.push_str(&format!("{day:>3}{}", if marked { "*" } else { " " }));
                if NaiveDate::from_ymd_opt(year, month, day)
                    .is_some_and(|d| d.weekday().num_days_from_monday() == 6)
                {
                    println!("{}", line.trim_end());
                    line.clear();
                }
            }
            if !line.is_empty() {
                println!("{}", line.trim_end());
            }
            println!("(* dni z wydarzeniami)\n");
            print_occurrences(&c.events);
        },
    );
    Ok(())
}

pub fn ics(core: &Core, out: &Output, id: i64) -> Result<(), CoreError> {
    let text = core.events().ics(id)?;
    out.show(&text, |t| print!("{t}"));
    Ok(())
}
