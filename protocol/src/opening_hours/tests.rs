use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
/// Europe/Warsaw wall time `YYYY-MM-DD HH:MM` (not in a DST gap or overlap).
fn local(s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    LOCAL_TZ.from_local_datetime(&naive).single().unwrap().with_timezone(&Utc)
}
fn oh(s: &str) -> OpeningHours {
    OpeningHours::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn value_is_open_for_the_crate_alone(value: &str, at: &str) -> bool {
    let naive = NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").unwrap();
    value.parse::<opening_hours::OpeningHours>().unwrap().is_open(naive)
}

#[test]
fn ph_off_closes_on_polish_holidays() {
    let h = oh("Mo-Su 10:00-18:00; PH off");
    assert!(!h.is_open(utc("2026-05-03T10:00:00Z")), "3 May");
    assert!(h.is_open(utc("2026-05-04T10:00:00Z")));
    assert!(!h.is_open(utc("2027-05-03T10:00:00Z")), "3 May 2027 (a Monday)");
    assert!(!h.is_open(utc("2026-12-24T12:00:00Z")), "Wigilia 2026");
    assert!(h.is_open(utc("2026-12-23T12:00:00Z")));
    assert!(h.is_open(local("2024-12-24 12:00")), "Wigilia became a holiday only in 2025");
    assert!(!h.is_open(local("2025-12-24 12:00")), "Wigilia 2025");
    assert!(!h.is_open(utc("2026-04-06T12:00:00Z")), "Easter Monday 2026");
    assert!(!h.is_open(local("2026-06-04 12:00")), "Boże Ciało 2026");
    assert!(!h.is_open(local("2026-05-24 12:00")), "Zielone Świątki 2026 (a Sunday)");
    assert!(!h.is_open(local("2026-01-06 12:00")), "Trzech Króli");
    assert!(h.is_open(local("2026-11-02 12:00")), "2 November is a working day");
    let p = oh("Mo-Fr 08:00-16:00; PH 10:00-14:00");
    assert!(p.is_open(utc("2026-12-26T10:00:00Z")), "Saturday 26 Dec 11:00 local, PH hours");
    assert!(!p.is_open(utc("2026-12-26T14:00:00Z")), "15:00 local");
    let s = oh("Mo-Sa 09:00-17:00; Su,PH off");
    assert!(!s.is_open(utc("2026-08-15T10:00:00Z")), "Saturday, 15 Aug");
    assert!(s.is_open(utc("2026-08-22T10:00:00Z")));
    // Days around holidays, with the specification's offsets.
    let after = oh("Mo-Fr 08:00-16:00; PH off; PH +1 day 10:00-14:00");
    assert!(!after.is_open(local("2026-04-06 09:00")), "Easter Monday");
    assert!(!after.is_open(local("2026-04-07 09:00")), "the day after: opens at 10:00");
    assert!(after.is_open(local("2026-04-07 10:30")));
}

#[test]
fn town_hall_hours_open_now() {
    // Urząd: Mo 8-17, Tu-Th 7:30-15:30, Fr 7:30-14, closed on holidays.
    let h = oh("Mo 08:00-17:00; Tu-Th 07:30-15:30; Fr 07:30-14:00; PH off");
    // Monday 1 June 2026, CEST (UTC+2).
    assert!(!h.is_open(utc("2026-06-01T05:59:00Z")), "07:59 local");
    assert!(h.is_open(utc("2026-06-01T06:00:00Z")), "08:00 local");
    assert!(h.is_open(utc("2026-06-01T14:59:00Z")), "16:59 local");
    assert!(!h.is_open(utc("2026-06-01T15:00:00Z")), "17:00 local");
    assert!(h.is_open(utc("2026-06-02T05:30:00Z")), "Tuesday 07:30");
    assert!(!h.is_open(utc("2026-06-04T08:00:00Z")), "Thursday, Corpus Christi");
    assert!(h.is_open(utc("2026-06-05T11:59:00Z")), "Friday 13:59");
    assert!(!h.is_open(utc("2026-06-05T12:00:00Z")), "Friday 14:00");
    assert!(!h.is_open(utc("2026-06-06T08:00:00Z")), "Saturday");
    // Winter: CET (UTC+1).
    assert!(h.is_open(utc("2026-12-07T07:00:00Z")), "Monday 08:00 CET");
    assert!(!h.is_open(utc("2026-12-07T06:59:00Z")));
    // Next change: Wednesday 3 June 16:00 -> Thursday is a holiday -> Friday 07:30.
    assert_eq!(h.next_change(utc("2026-06-03T14:00:00Z")), Some(utc("2026-06-05T05:30:00Z")));
    assert_eq!(h.next_change(utc("2026-06-01T10:00:00Z")), Some(utc("2026-06-01T15:00:00Z")));
    assert_eq!(h.intervals_on(d(2026, 6, 1)), vec![LocalInterval { start_min: 480, end_min: 1020 }]);
    assert_eq!(h.intervals_on(d(2026, 6, 1))[0].to_string(), "08:00-17:00");
    assert!(h.intervals_on(d(2026, 6, 4)).is_empty());
    // Lunch break.
    let l = oh("Mo-Fr 08:00-12:00,13:00-16:00");
    assert!(!l.is_open(utc("2026-06-01T10:30:00Z")), "12:30 local");
    assert_eq!(l.next_change(utc("2026-06-01T10:30:00Z")), Some(utc("2026-06-01T11:00:00Z")));
    assert_eq!(l.intervals_on(d(2026, 6, 1)).len(), 2);
}

#[test]
fn later_rules_override_earlier_days() {
    let h = oh("Mo-Fr 08:00-16:00; We 12:00-20:00");
    assert!(!h.is_open(utc("2026-06-03T07:00:00Z")), "Wednesday 09:00: replaced");
    assert!(h.is_open(utc("2026-06-03T17:00:00Z")), "Wednesday 19:00");
    assert!(h.is_open(utc("2026-06-02T07:00:00Z")), "Tuesday 09:00");
    let w = oh("Sa,Su");
    assert!(w.is_open(utc("2026-06-06T01:00:00Z")), "a day selector alone = the whole day");
    assert!(!w.is_open(utc("2026-06-05T12:00:00Z")));
    let wrap = oh("Fr-Mo 10:00-12:00");
    assert!(wrap.is_open(utc("2026-06-07T08:30:00Z")), "Sunday");
    assert!(!wrap.is_open(utc("2026-06-03T08:30:00Z")), "Wednesday");
    // An additional rule (`,`) adds to the day instead of replacing it.
    let add = oh("Mo-Fr 08:00-12:00, We 14:00-16:00");
    assert!(add.is_open(local("2026-06-03 09:00")) && add.is_open(local("2026-06-03 15:00")));
    // A fallback (`||`) applies where nothing before it does.
    let fb = oh("Mo-Fr 08:00-16:00 || \"by appointment\"");
    assert!(fb.is_open(local("2026-06-03 09:00")));
    assert!(!fb.is_open(local("2026-06-06 09:00")), "a comment alone is `unknown`, not open (the crate alone says open)");
    assert!(value_is_open_for_the_crate_alone("Mo-Fr 08:00-16:00 || \"by appointment\"", "2026-06-06 09:00"));
}

#[test]
fn ranges_past_midnight() {
    let h = oh("Fr,Sa 22:00-02:00");
    assert!(h.is_open(utc("2026-06-05T20:00:00Z")), "Fri 22:00");
    assert!(h.is_open(utc("2026-06-05T23:59:00Z")), "Sat 01:59");
    assert!(!h.is_open(utc("2026-06-06T00:00:00Z")), "Sat 02:00");
    assert!(h.is_open(utc("2026-06-06T23:30:00Z")), "Sun 01:30 from Saturday's rule");
    assert!(!h.is_open(utc("2026-06-07T20:30:00Z")), "Sun 22:30");
    assert_eq!(h.next_change(utc("2026-06-05T21:00:00Z")), Some(utc("2026-06-06T00:00:00Z")));
    // OSM's extended times say the same.
    let ext = oh("Fr 22:00-26:00");
    for t in ["2026-06-05 21:59", "2026-06-05 22:00", "2026-06-06 01:59", "2026-06-06 02:00", "2026-06-06 23:00"] {
        assert_eq!(ext.is_open(local(t)), oh("Fr 22:00-02:00").is_open(local(t)), "{t}");
    }
    assert_eq!(ext.intervals_on(d(2026, 6, 6)), vec![LocalInterval { start_min: 0, end_min: 120 }]);
}

/// Where the hand-written parser and the specification disagreed: with
/// `;`, a later rule for the next day replaces that day, including the
/// night spilling into it from the day before. The old parser kept the
/// night (it belonged to the day whose rule wrote it); the specification,
/// the crate and opening_hours.js do not. We follow the specification.
#[test]
fn range_past_midnight_follows_the_specification() {
    let h = oh("Fr 22:00-03:00; Sa 10:00-18:00");
    assert!(h.is_open(local("2026-06-05 23:00")), "Friday night");
    assert!(!h.is_open(local("2026-06-06 01:00")), "Saturday 01:00: Saturday has its own rule (the old parser said open)");
    assert!(h.is_open(local("2026-06-06 11:00")));
    assert_eq!(h.next_change(local("2026-06-05 23:00")), Some(local("2026-06-06 00:00")));
    // With `,` (an additional rule) the night is kept.
    let keep = oh("Fr 22:00-03:00, Sa 10:00-18:00");
    assert!(keep.is_open(local("2026-06-06 01:00")));
    // A day without its own rule keeps the night.
    assert!(oh("Fr 22:00-03:00; Su 10:00-18:00").is_open(local("2026-06-06 01:00")));
    // `off` for the next day closes the night too.
    assert!(!oh("Mo-Su 20:00-02:00; Tu off").is_open(local("2026-06-02 01:00")));
}

#[test]
fn months_dates_and_long_horizon() {
    let h = oh("Apr-Oct: Mo-Su 10:00-18:00; Nov-Mar off");
    assert!(h.is_open(utc("2026-07-01T10:00:00Z")));
    assert!(!h.is_open(utc("2026-12-01T10:00:00Z")));
    // After the last October evening, next open: 1 April 2027 10:00 CEST.
    assert_eq!(h.next_change(utc("2026-10-31T18:00:00Z")), Some(utc("2027-04-01T08:00:00Z")));
    let wrap = oh("Nov-Feb 08:00-12:00");
    assert!(wrap.is_open(utc("2027-01-15T08:00:00Z")));
    assert!(!wrap.is_open(utc("2026-06-15T08:00:00Z")));
    let dates = oh("Mo-Sa 08:00-20:00; Dec 24 08:00-13:00; Dec 31 08:00-14:00; Jan 01 off");
    assert!(dates.is_open(local("2026-12-24 12:00")) && !dates.is_open(local("2026-12-24 13:00")));
    assert!(!dates.is_open(local("2027-01-01 12:00")));
    assert!(oh("2026 Jun 01-2026 Jun 14 09:00-12:00").is_open(local("2026-06-10 10:00")));
    assert!(!oh("2026 Jun 01-2026 Jun 14 09:00-12:00").is_open(local("2027-06-10 10:00")));
    // Easter (Wielkanoc 2026: 5 April).
    let easter = oh("Mo-Su 09:00-17:00; easter -2 days-easter +1 day off");
    assert!(!easter.is_open(local("2026-04-03 10:00")), "Good Friday");
    assert!(!easter.is_open(local("2026-04-06 10:00")), "Easter Monday");
    assert!(easter.is_open(local("2026-04-07 10:00")));
    // Week numbers and the n-th weekday.
    // ISO weeks: 5 January 2026 is in week 2, 12 January in week 3.
    let odd_weeks = oh("week 01-53/2 Mo 10:00-12:00");
    assert!(!odd_weeks.is_open(local("2026-01-05 11:00")) && odd_weeks.is_open(local("2026-01-12 11:00")));
    let first_sunday = oh("Su[1] 10:00-14:00");
    assert!(first_sunday.is_open(local("2026-06-07 11:00")) && !first_sunday.is_open(local("2026-06-14 11:00")));
}

#[test]
fn next_change_is_bounded() {
    assert_eq!(oh("Mo-Su 00:00-24:00").next_change(utc("2026-03-28T12:00:00Z")), None);
    assert_eq!(oh("24/7").next_change(utc("2026-03-28T12:00:00Z")), None);
    assert_eq!(oh("off").next_change(utc("2026-03-28T12:00:00Z")), None);
    // Opens once, more than NEXT_CHANGE_HORIZON_DAYS ahead: not found.
    let far = oh("2030 Jan 02 10:00-12:00");
    assert_eq!(far.next_change(local("2026-06-01 12:00")), None);
    assert_eq!(far.next_change(local("2029-06-01 12:00")), Some(local("2030-01-02 10:00")));
}

#[test]
fn sun_times_at_the_place() {
    // Siechnice: sunrise about 04:35 CEST on 21 June, about 07:50 CET on 21 December.
    let h = oh("sunrise-sunset").at_location(51.04, 17.15);
    assert!(h.is_open(local("2026-06-21 05:00")));
    assert!(!h.is_open(local("2026-06-21 04:00")));
    assert!(h.is_open(local("2026-06-21 20:30")));
    assert!(!h.is_open(local("2026-06-21 22:00")));
    assert!(!h.is_open(local("2026-12-21 07:20")));
    assert!(h.is_open(local("2026-12-21 08:30")));
    assert!(!h.is_open(local("2026-12-21 16:30")));
    let open = h.next_change(local("2026-12-21 03:00")).unwrap().with_timezone(&LOCAL_TZ);
    assert!((7..=8).contains(&open.hour()), "sunrise {open}");
    // Without a place: the centre of Poland.
    assert!(oh("sunrise-sunset").is_open(local("2026-06-21 05:00")));
}

#[test]
fn spring_forward_28_to_29_march_2026() {
    // 29 March 2026: 02:00 CET -> 03:00 CEST at 01:00 UTC.
    let all = oh("Mo-Su 00:00-24:00");
    for t in ["2026-03-28T22:59:00Z", "2026-03-28T23:00:00Z", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z", "2026-03-29T22:00:00Z"] {
        assert!(all.is_open(utc(t)), "{t}");
    }
    let sat = oh("Sa 01:00-04:00");
    assert!(sat.is_open(utc("2026-03-28T00:00:00Z")), "Sat 01:00 CET");
    assert!(!sat.is_open(utc("2026-03-28T03:00:00Z")), "Sat 04:00 CET");
    assert!(!sat.is_open(utc("2026-03-29T00:30:00Z")), "Sunday night is not Saturday");

    // The same hours on the Sunday of the change last 2 real hours: 01:00 CET .. 04:00 CEST.
    let sun = oh("Su 01:00-04:00");
    assert!(!sun.is_open(utc("2026-03-28T23:59:00Z")), "00:59 CET");
    assert!(sun.is_open(utc("2026-03-29T00:00:00Z")), "01:00 CET");
    assert!(sun.is_open(utc("2026-03-29T01:00:00Z")), "03:00 CEST");
    assert!(sun.is_open(utc("2026-03-29T01:59:00Z")), "03:59 CEST");
    assert!(!sun.is_open(utc("2026-03-29T02:00:00Z")), "04:00 CEST");
    assert_eq!(sun.next_change(utc("2026-03-28T22:00:00Z")), Some(utc("2026-03-29T00:00:00Z")));
    assert_eq!(sun.next_change(utc("2026-03-29T00:30:00Z")), Some(utc("2026-03-29T02:00:00Z")));

    // Saturday night across the change: 22:00 CET .. 04:00 CEST = 5 real hours.
    let night = oh("Sa 22:00-04:00");
    assert!(night.is_open(utc("2026-03-28T21:00:00Z")));
    assert!(night.is_open(utc("2026-03-29T01:30:00Z")), "03:30 CEST");
    assert_eq!(night.next_change(utc("2026-03-28T21:00:00Z")), Some(utc("2026-03-29T02:00:00Z")));
    // An interval starting inside the skipped hour opens when the clocks jump.
    let gap = oh("Su 02:30-05:00");
    assert_eq!(gap.next_change(utc("2026-03-28T23:00:00Z")), Some(utc("2026-03-29T01:00:00Z")));
    assert!(gap.is_open(utc("2026-03-29T01:00:00Z")));
}

#[test]
fn fall_back_25_october_2026() {
    // 25 October 2026: 03:00 CEST -> 02:00 CET at 01:00 UTC.
    let all = oh("Mo-Su 00:00-24:00");
    for t in ["2026-10-24T21:59:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T23:00:00Z"] {
        assert!(all.is_open(utc(t)), "{t}");
    }
    let sat = oh("Sa 01:00-04:00");
    assert!(sat.is_open(utc("2026-10-23T23:00:00Z")), "Sat 01:00 CEST");
    assert!(!sat.is_open(utc("2026-10-24T02:00:00Z")), "Sat 04:00 CEST");
    // Sunday 01:00 CEST (23:00Z Sat) .. 04:00 CET (03:00Z): 4 real hours.
    let sun = oh("Su 01:00-04:00");
    assert!(!sun.is_open(utc("2026-10-24T22:59:00Z")));
    assert!(sun.is_open(utc("2026-10-24T23:00:00Z")));
    assert!(sun.is_open(utc("2026-10-25T00:30:00Z")), "02:30 CEST");
    assert!(sun.is_open(utc("2026-10-25T01:30:00Z")), "02:30 CET");
    assert!(sun.is_open(utc("2026-10-25T02:59:00Z")), "03:59 CET");
    assert!(!sun.is_open(utc("2026-10-25T03:00:00Z")), "04:00 CET");
    assert_eq!(sun.next_change(utc("2026-10-24T23:30:00Z")), Some(utc("2026-10-25T03:00:00Z")));
    // The repeated hour is evaluated twice: open in both 02:00-02:30s.
    let rep = oh("Su 02:00-02:30");
    assert!(rep.is_open(utc("2026-10-25T00:10:00Z")), "02:10 CEST");
    assert!(!rep.is_open(utc("2026-10-25T00:45:00Z")), "02:45 CEST");
    assert!(rep.is_open(utc("2026-10-25T01:10:00Z")), "02:10 CET");
    assert_eq!(rep.next_change(utc("2026-10-25T00:45:00Z")), Some(utc("2026-10-25T01:00:00Z")));
    assert_eq!(rep.next_change(utc("2026-10-25T01:00:00Z")), Some(utc("2026-10-25T01:30:00Z")));
    // Open until the wall clock reaches 02:30 the second time... and a
    // change that only the jump back causes: closed at 02:59 CEST, open at 02:00 CET.
    let back = oh("Su 02:00-02:30");
    assert_eq!(back.next_change(utc("2026-10-25T00:59:00Z")), Some(utc("2026-10-25T01:00:00Z")));
}

#[test]
fn corrections_are_shown_beside_the_raw_text() {
    for (raw, reading) in [
        ("mo-fr 8-16", "Mo-Fr 08:00-16:00"),
        ("Pn-Pt 8:00-16:00; Sob 9-13", "Mo-Fr 08:00-16:00; Sa 09:00-13:00"),
        ("Mo-Fr 08:00-12:00 13:00-16:00", "Mo-Fr 08:00-12:00,13:00-16:00"),
        ("Mo-Fr 10:00-21:00 Sa 09:00-21:00", "Mo-Fr 10:00-21:00; Sa 09:00-21:00"),
        ("Mo-Fr: 9:00 – 17:00", "Mo-Fr 09:00-17:00"),
        ("Mo - Fr 8.00 - 16.00", "Mo-Fr 08:00-16:00"),
        ("9am-5pm", "09:00-17:00"),
        ("Su,Ph 10:00-12:00", "Su,PH 10:00-12:00"),
        ("Mo-Fr 08:00-16:00;", "Mo-Fr 08:00-16:00"),
        ("Mo,We 24/7", "Mo,We 00:00-24:00"),
        ("24h", "24/7"),
        ("całodobowo", "24/7"),
        ("Monday-Friday 08:00-16:00", "Mo-Fr 08:00-16:00"),
        ("mo-fr 08:00-16:00; sa OFF", "Mo-Fr 08:00-16:00; Sa off"),
    ] {
        let h = oh(raw);
        assert_eq!(h.text(), raw);
        assert_eq!(h.reading(), Some(reading), "{raw}");
        assert_eq!(h, oh(reading), "{raw} means {reading}");
    }
    // Read as written: no reading shown.
    for raw in ["Mo-Fr 08:00-16:00; PH off", "Mo-Fr 8:00-16:00", "24/7", "Mo-Fr 08:00-12:00 \"przerwa\""] {
        assert_eq!(oh(raw).reading(), None, "{raw}");
    }
    assert!(oh("mo-fr 8-16").is_open(local("2026-06-02 09:00")));
}

#[test]
fn values_that_cannot_mean_one_thing_stay_unread() {
    for bad in [
        "",
        "   ",
        "nach Vereinbarung",
        "by appointment",
        "po uzgodnieniu telefonicznym",
        "10-5",
        "Su 9:30",
        "Mo 12:00,15:00",
        "Mo-Fr 08:00-16:61",
        "Mo-Fr 08:00-49:00",
        "Mo-Xx 08:00-16:00",
        "Mo-Fr 08:00-16:00 extra",
        "; Mo 08:00-16:00",
        "sezonowo",
        "Mo-Fr 8 - 16 Uhr",
        "\"unclosed",
    ] {
        let e = OpeningHours::parse(bad).expect_err(bad);
        assert!(!e.to_string().is_empty());
    }
    let e = OpeningHours::parse("Mo-Fr 08:00-16:00; Sa 09:00-13:00; sometimes").unwrap_err();
    assert_eq!(e.rule, 3, "{e}");
    assert!(e.token.starts_with("sometimes"), "{e}");
}

#[test]
fn whats_new_in_the_syntax() {
    // Each of these was a parse error for the hand-written parser.
    let at = local("2026-06-03 19:00"); // a Wednesday
    assert!(oh("Mo-Fr 08:00-18:00+").is_open(local("2026-06-03 17:00")));
    assert!(oh("Mo-Fr 10:00-20:00 \"kasa do 19:30\"").is_open(at));
    assert!(!oh("Mo-Fr 10:00-20:00; We off \"remanent\"").is_open(at));
    assert!(oh("SH off; Mo-Fr 08:00-20:00").is_open(at), "no Polish school-holiday calendar: SH selects nothing");
    assert!(!oh("Mo-Fr 08:00-20:00 unknown").is_open(at));
    assert!(oh("Jun-Aug Mo-Su 09:00-21:00; Sep-May Mo-Fr 09:00-17:00").is_open(at));
    assert!(oh("Mo-Fr 10:00-20:00; PH off; 2026 Jun 03 off").next_change(at).is_some());
}


#[test]
fn zz_scratch() {
    for (v, at) in [("Mo-Sa 10:00-18:00; Fr 22:00-03:00", "2026-06-06 01:00"), ("Fr 22:00-03:00; Mo-Sa 10:00-18:00", "2026-06-06 01:00"), ("Mo-Th 10:00-22:00; Fr,Sa 10:00-02:00; Su 12:00-20:00", "2026-06-07 01:00"), ("Mo-Th 10:00-22:00; Fr,Sa 10:00-02:00; Su 12:00-20:00", "2026-06-06 01:00"), ("Mo-Fr 08:00-18:00+", "2026-06-03 19:00"), ("Mo-Fr 08:00-18:00+", "2026-06-03 23:00"),("18:00+", "2026-06-04 01:00"), ("Mo-Fr 08:00-16:00; Sa off; PH 10:00-12:00", "2026-06-04 11:00"), ("Mo-Fr 08:00-16:00; PH off; PH +1 day 10:00-12:00", "2026-06-05 11:00")] {
        let h = oh(v);
        println!("{v:?} at {at}: ours={} crate={}", h.is_open(local(at)), value_is_open_for_the_crate_alone(v, at));
    }
}
