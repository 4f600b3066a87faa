//! Polish public holidays (dni wolne od pracy): the calendar behind OSM
//! `PH` in `opening_hours`, and anything else that needs "is this a
//! holiday in Poland".

use chrono::{Datelike, NaiveDate};

/// Easter Sunday (Gregorian), by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus gives a valid date")
}

/// The Polish name of the public holiday (dzień wolny od pracy, ustawa z
/// 18 stycznia 1951 r. o dniach wolnych od pracy, as amended; 6 January
/// since 2011, 24 December since 2025) on `date`, if it is one.
pub fn polish_public_holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some("Nowy Rok"),
        (1, 6) if year >= 2011 => Some("Święto Trzech Króli"),
        (5, 1) => Some("Święto Pracy"),
        (5, 3) => Some("Święto Narodowe Trzeciego Maja"),
        (8, 15) => Some("Wniebowzięcie Najświętszej Maryi Panny"),
        (11, 1) => Some("Wszystkich Świętych"),
        (11, 11) => Some("Narodowe Święto Niepodległości"),
        (12, 24) if year >= 2025 => Some("Wigilia Bożego Narodzenia"),
        (12, 25) => Some("Boże Narodzenie (pierwszy dzień)"),
        (12, 26) => Some("Boże Narodzenie (drugi dzień)"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    match (date - easter_sunday(year)).num_days() {
        0 => Some("Wielkanoc"),
        1 => Some("Poniedziałek Wielkanocny"),
        49 => Some("Zielone Świątki"),
        60 => Some("Boże Ciało"),
        _ => None,
    }
}

/// Is `date` a Polish public holiday (OSM `PH` in Poland)?
pub fn is_polish_public_holiday(date: NaiveDate) -> bool {
    polish_public_holiday(date).is_some()
}

/// Every Polish public holiday of `year`, in date order.
pub fn polish_public_holidays(year: i32) -> impl Iterator<Item = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1);
    first
        .into_iter()
        .flat_map(|d| d.iter_days())
        .take_while(move |d| d.year() == year)
        .filter(|d| is_polish_public_holiday(*d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
        assert_eq!(easter_sunday(2008), d(2008, 3, 23));
    }

    #[test]
    fn polish_holidays_2025_to_2027() {
        let expect: &[(NaiveDate, &str)] = &[
            (d(2025, 1, 1), "Nowy Rok"),
            (d(2025, 1, 6), "Święto Trzech Króli"),
            (d(2025, 4, 20), "Wielkanoc"),
            (d(2025, 4, 21), "Poniedziałek Wielkanocny"),
            (d(2025, 6, 8), "Zielone Świątki"),
            (d(2025, 6, 19), "Boże Ciało"),
            (d(2025, 12, 24), "Wigilia Bożego Narodzenia"),
            (d(2026, 4, 5), "Wielkanoc"),
            (d(2026, 4, 6), "Poniedziałek Wielkanocny"),
            (d(2026, 5, 1), "Święto Pracy"),
            (d(2026, 5, 3), "Święto Narodowe Trzeciego Maja"),
            (d(2026, 5, 24), "Zielone Świątki"),
            (d(2026, 6, 4), "Boże Ciało"),
            (d(2026, 8, 15), "Wniebowzięcie Najświętszej Maryi Panny"),
            (d(2026, 11, 1), "Wszystkich Świętych"),
            (d(2026, 11, 11), "Narodowe Święto Niepodległości"),
            (d(2026, 12, 24), "Wigilia Bożego Narodzenia"),
            (d(2026, 12, 25), "Boże Narodzenie (pierwszy dzień)"),
            (d(2026, 12, 26), "Boże Narodzenie (drugi dzień)"),
            (d(2027, 3, 28), "Wielkanoc"),
            (d(2027, 3, 29), "Poniedziałek Wielkanocny"),
            (d(2027, 5, 16), "Zielone Świątki"),
            (d(2027, 5, 27), "Boże Ciało"),
        ];
        for (date, name) in expect {
            assert_eq!(polish_public_holiday(*date), Some(*name), "{date}");
        }
        for year in 2025..=2027 {
            let count = (0..366)
                .filter_map(|i| d(year, 1, 1).checked_add_signed(Duration::days(i)))
                .filter(|x| x.year() == year && is_polish_public_holiday(*x))
                .count();
            assert_eq!(count, 14, "{year}: 13 fixed-or-movable + Wigilia");
            assert_eq!(polish_public_holidays(year).count(), 14);
        }
        assert_eq!(polish_public_holidays(2024).count(), 13, "Wigilia is a holiday only since 2025");
        assert!(!is_polish_public_holiday(d(2024, 12, 24)));
        assert!(!is_polish_public_holiday(d(2026, 4, 7)));
        assert!(!is_polish_public_holiday(d(2026, 5, 2)));
        assert!(!is_polish_public_holiday(d(2026, 11, 2)));
        assert!(!is_polish_public_holiday(d(2010, 1, 6)), "Trzech Króli only since 2011");
    }
}
