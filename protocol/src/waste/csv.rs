//! The gmina's waste schedule as CSV files (documented in `docs/WASTE.md`):
//! one UTF-8 file per kind (`zones.csv`, `rules.csv`, `pickups.csv`,
//! `dictionary.csv`, `pszok.csv`), `;`-separated as a spreadsheet in a
//! Polish locale saves it, a header row naming the columns (any order),
//! dates `YYYY-MM-DD`, cells quoted with `"` when they hold `;`, `"` or a
//! line break (RFC 4180 with `;`), a UTF-8 BOM tolerated.
//!
//! [`parse_import`] reads them into a [`WasteImport`] or reports every bad
//! line (file, line, column, reason in Polish and English): an import is
//! all or nothing. Sizes are capped ([`MAX_FILE_BYTES`], per-kind row
//! limits) so a file cannot exhaust the server's memory.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::address::{normalise_name, AddressRule, HouseNumber};
use super::model::{valid_zone_id, BuildingType, DictionaryEntry, Fraction, Parity, Pickup, Pszok, Zone};
use crate::geo::GeoPoint;
use crate::opening_hours::OpeningHours;
use crate::text::fold;
use crate::validation::Validate;

/// Largest file taken (a year of pickups for 50 zones and 10 fractions is
/// about 1 MB).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Longest cell, in characters.
pub const MAX_CELL_CHARS: usize = 500;
/// Earliest and latest pickup dates taken (catches `0226-…` typos).
pub const FIRST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
pub const LAST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap();

/// The five files of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Zones,
    Rules,
    Pickups,
    Dictionary,
    Pszok,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [FileKind::Zones, FileKind::Rules, FileKind::Pickups, FileKind::Dictionary, FileKind::Pszok];

    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Zones => "zones.csv",
            FileKind::Rules => "rules.csv",
            FileKind::Pickups => "pickups.csv",
            FileKind::Dictionary => "dictionary.csv",
            FileKind::Pszok => "pszok.csv",
        }
    }

    /// The kind a file name stands for (`mm-server waste import DIR`).
    pub fn from_file_name(name: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.file_name() == name)
    }

    /// Most data rows a file of this kind may have.
    pub fn max_rows(self) -> usize {
        match self {
            FileKind::Zones => 1_000,
            FileKind::Rules => 10_000,
            FileKind::Pickups => 100_000,
            FileKind::Dictionary => 10_000,
            FileKind::Pszok => 100,
        }
    }

    /// The columns: name and whether it is required.
    pub fn columns(self) -> &'static [(&'static str, bool)] {
        match self {
            FileKind::Zones => &[("zone", true), ("name", true), ("description", false)],
            FileKind::Rules => &[
                ("locality", true),
                ("street", false),
                ("from", false),
                ("to", false),
                ("parity", false),
                ("building", false),
                ("zone", true),
            ],
            FileKind::Pickups => &[("zone", true), ("date", true), ("fraction", true), ("note", false)],
            FileKind::Dictionary => &[("item", true), ("fraction", true), ("note", false)],
            FileKind::Pszok => &[
                ("name", true),
                ("address", true),
                ("lat", true),
                ("lon", true),
                ("opening_hours", true),
                ("accepts", false),
                ("note", false),
            ],
        }
    }
}

/// The files given to one import, as bytes (a kind left out is not
/// changed). Rules and pickups need the zones file of the same import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportInput<'a> {
    pub zones: Option<&'a [u8]>,
    pub rules: Option<&'a [u8]>,
    pub pickups: Option<&'a [u8]>,
    pub dictionary: Option<&'a [u8]>,
    pub pszok: Option<&'a [u8]>,
}

/// A validated import: each kind that was given, whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WasteImport {
    pub zones: Option<Vec<Zone>>,
    pub rules: Option<Vec<AddressRule>>,
    pub pickups: Option<Vec<Pickup>>,
    pub dictionary: Option<Vec<DictionaryEntry>>,
    pub pszok: Option<Vec<Pszok>>,
}

/// One bad line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub file: FileKind,
    /// 1-based line of the file where the record starts (1 = header);
    /// 0 for the file as a whole.
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip)]
    pub reason: ImportReason,
    /// [`ImportReason::pl`], for the back office's report.
    pub pl: String,
    pub en: String,
}

impl ImportError {
    fn new(file: FileKind, line: usize, column: Option<&str>, reason: ImportReason) -> ImportError {
        ImportError { file, line, column: column.map(str::to_owned), pl: reason.pl(), en: reason.en(), reason }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.file_name(), self.line)?;
        if let Some(c) = &self.column {
            write!(f, " [{c}]")?;
        }
        write!(f, ": {}", self.en)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportReason {
    FileTooLarge,
    TooManyRows { max: usize },
    NotUtf8,
    Empty,
    UnclosedQuote,
    MissingColumn,
    UnknownColumn,
    DuplicateColumn,
    CellCount { expected: usize, got: usize },
    Required,
    TooLong,
    ControlCharacters,
    ZonesRequired,
    BadZoneId,
    DuplicateZone { first_line: usize },
    UnknownZone,
    BadDate,
    DateOutOfRange,
    UnknownFraction,
    DuplicatePickup { first_line: usize },
    BadHouseNumber,
    RangeOrder,
    BadParity,
    BadBuilding,
    /// An equally specific rule on `other_line` overlaps and names another zone.
    AmbiguousRule { other_line: usize },
    DuplicateItem { first_line: usize },
    BadCoordinate,
    BadOpeningHours { detail: String },
}

impl ImportReason {
    pub fn pl(&self) -> String {
        use ImportReason::*;
        match self {
            FileTooLarge => format!("Plik jest za duży (najwyżej {} MB).", MAX_FILE_BYTES / (1024 * 1024)),
            TooManyRows { max } => format!("Za dużo wierszy (najwyżej {max}); dalsze nie zostały sprawdzone."),
            NotUtf8 => "Plik nie jest zapisany w UTF-8 (zapisz go jako „CSV UTF-8”).".into(),
            Empty => "Plik jest pusty (brak wiersza nagłówka).".into(),
            UnclosedQuote => "Cudzysłów otwarty w tym wierszu nie został zamknięty.".into(),
            MissingColumn => "Brak wymaganej kolumny w nagłówku.".into(),
            UnknownColumn => "Nieznana kolumna w nagłówku.".into(),
            DuplicateColumn => "Kolumna występuje w nagłówku dwa razy.".into(),
            CellCount { expected, got } => format!("Wiersz ma {got} komórek, a nagłówek {expected}."),
            Required => "Ta komórka jest wymagana.".into(),
            TooLong => format!("Tekst jest za długi (najwyżej {MAX_CELL_CHARS} znaków)."),
            ControlCharacters => "Tekst zawiera niedozwolone znaki sterujące.".into(),
            ZonesRequired => "Reguły adresowe i terminy odbioru importuje się razem z plikiem zones.csv.".into(),
            BadZoneId => "Kod rejonu: od 1 do 32 znaków, litery bez polskich znaków, cyfry, - i _.".into(),
            DuplicateZone { first_line } => format!("Rejon o tym kodzie jest już w wierszu {first_line}."),
            UnknownZone => "Nie ma takiego rejonu w zones.csv.".into(),
            BadDate => "Data musi mieć postać RRRR-MM-DD.".into(),
            DateOutOfRange => "Data spoza lat 2000–2100.".into(),
            UnknownFraction => {
                "Nieznana frakcja (np. zmieszane, papier, szklo, metale_i_tworzywa, bio, gabaryty, elektroodpady, popiol, tekstylia lub custom:nazwa).".into()
            }
            DuplicatePickup { first_line } => format!("Ten sam odbiór (rejon, data, frakcja) jest już w wierszu {first_line}."),
            BadHouseNumber => "Nieprawidłowy numer domu (np. 12, 12a).".into(),
            RangeOrder => "Numer „od” jest większy niż numer „do”.".into(),
            BadParity => "Strona ulicy: all, odd lub even (wszystkie, nieparzyste, parzyste).".into(),
            BadBuilding => "Zabudowa: any, single lub multi (dowolna, jednorodzinna, wielorodzinna).".into(),
            AmbiguousRule { other_line } => {
                format!("Reguła nakłada się na równie szczegółową regułę z wiersza {other_line}, która wskazuje inny rejon.")
            }
            DuplicateItem { first_line } => format!("To hasło jest już w wierszu {first_line}."),
            BadCoordinate => "Nieprawidłowa współrzędna (stopnie WGS84, np. 51.0341).".into(),
            BadOpeningHours { detail } => format!("Nieprawidłowe godziny otwarcia (składnia OSM opening_hours): {detail}."),
        }
    }

    pub fn en(&self) -> String {
        use ImportReason::*;
        match self {
            FileTooLarge => format!("The file is too large (at most {} MB).", MAX_FILE_BYTES / (1024 * 1024)),
            TooManyRows { max } => format!("Too many rows (at most {max}); the rest were not checked."),
            NotUtf8 => "The file is not UTF-8 (save it as \"CSV UTF-8\").".into(),
            Empty => "The file is empty (no header row).".into(),
            UnclosedQuote => "A quote opened on this line is never closed.".into(),
            MissingColumn => "A required column is missing from the header.".into(),
            UnknownColumn => "Unknown column in the header.".into(),
            DuplicateColumn => "A column appears twice in the header.".into(),
            CellCount { expected, got } => format!("The row has {got} cells, the header {expected}."),
            Required => "This cell is required.".into(),
            TooLong => format!("Text is too long (at most {MAX_CELL_CHARS} characters)."),
            ControlCharacters => "Text contains control characters.".into(),
            ZonesRequired => "Address rules and pickups are imported together with zones.csv.".into(),
            BadZoneId => "A zone code is 1 to 32 of A-Z, a-z, 0-9, - and _.".into(),
            DuplicateZone { first_line } => format!("A zone with this code is already on line {first_line}."),
            UnknownZone => "No such zone in zones.csv.".into(),
            BadDate => "A date must be YYYY-MM-DD.".into(),
            DateOutOfRange => "The date is outside the years 2000-2100.".into(),
            UnknownFraction => {
                "Unknown fraction (e.g. mixed, paper, glass, metals_plastics, bio, bulky, electronics, ash, textiles or custom:name).".into()
            }
            DuplicatePickup { first_line } => format!("The same pickup (zone, date, fraction) is already on line {first_line}."),
            BadHouseNumber => "Invalid house number (e.g. 12, 12a).".into(),
            RangeOrder => "The \"from\" number is after the \"to\" number.".into(),
            BadParity => "Side of the street: all, odd or even.".into(),
            BadBuilding => "Building: any, single or multi.".into(),
            AmbiguousRule { other_line } => {
                format!("The rule overlaps an equally specific rule on line {other_line} that names another zone.")
            }
            DuplicateItem { first_line } => format!("This item is already on line {first_line}."),
            BadCoordinate => "Invalid coordinate (WGS84 degrees, e.g. 51.0341).".into(),
            BadOpeningHours { detail } => format!("Invalid opening hours (OSM opening_hours syntax): {detail}."),
        }
    }
}

/// Reads the files of one import; every bad line of every file is
/// reported, and nothing is returned unless all are good.
pub fn parse_import(input: &ImportInput<'_>) -> Result<WasteImport, Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut out = WasteImport::default();

    let mut zone_lines: HashMap<String, usize> = HashMap::new();
    if let Some(bytes) = input.zones {
        let mut zones = Vec::new();
        for_each_row(FileKind::Zones, bytes, &mut errors, |row, errors| {
            let (Some(id), Some(name)) = (row.required("zone", errors), row.required("name", errors)) else { return };
            if !valid_zone_id(&id) {
                return row.fail("zone", ImportReason::BadZoneId, errors);
            }
            if let Some(&first_line) = zone_lines.get(&id) {
                return row.fail("zone", ImportReason::DuplicateZone { first_line }, errors);
            }
            zone_lines.insert(id.clone(), row.line);
            zones.push(Zone { id, name, description: row.optional("description") });
        });
        out.zones = Some(zones);
    }

    let zone_known = |row: &Row<'_>, errors: &mut Vec<ImportError>| -> Option<String> {
        let id = row.required("zone", errors)?;
        if zone_lines.contains_key(&id) {
            Some(id)
        } else {
            row.fail("zone", ImportReason::UnknownZone, errors);
            None
        }
    };

    for (kind, given) in [(FileKind::Rules, input.rules.is_some()), (FileKind::Pickups, input.pickups.is_some())] {
        if given && input.zones.is_none() {
            errors.push(ImportError::new(kind, 0, None, ImportReason::ZonesRequired));
        }
    }

    if let (Some(bytes), Some(_)) = (input.rules, input.zones) {
        let mut rules: Vec<(usize, AddressRule)> = Vec::new();
        for_each_row(FileKind::Rules, bytes, &mut errors, |row, errors| {
            let locality = row.required("locality", errors);
            let zone = zone_known(row, errors);
            let number = |col: &str, errors: &mut Vec<ImportError>| -> Result<Option<HouseNumber>, ()> {
                match row.optional(col) {
                    None => Ok(None),
                    Some(t) => HouseNumber::parse(&t).map(Some).ok_or_else(|| row.fail(col, ImportReason::BadHouseNumber, errors)),
                }
            };
            let (from, to) = (number("from", errors), number("to", errors));
            let parity = match row.optional("parity").map(|p| fold(&p)).as_deref() {
                None | Some("all" | "wszystkie") => Ok(Parity::All),
                Some("odd" | "nieparzyste") => Ok(Parity::Odd),
                Some("even" | "parzyste") => Ok(Parity::Even),
                Some(_) => {
                    row.fail("parity", ImportReason::BadParity, errors);
                    Err(())
                }
            };
            let building = match row.optional("building").map(|p| fold(&p)).as_deref() {
                None | Some("any" | "dowolna") => Ok(BuildingType::Any),
                Some("single" | "jednorodzinna") => Ok(BuildingType::SingleFamily),
                Some("multi" | "wielorodzinna") => Ok(BuildingType::MultiFamily),
                Some(_) => {
                    row.fail("building", ImportReason::BadBuilding, errors);
                    Err(())
                }
            };
            let (Some(locality), Some(zone), Ok(from), Ok(to), Ok(parity), Ok(building)) =
                (locality, zone, from, to, parity, building)
            else {
                return;
            };
            if let (Some(f), Some(t)) = (&from, &to)
                && f > t
                && !(t.suffix.is_empty() && f.number == t.number)
            {
                return row.fail("from", ImportReason::RangeOrder, errors);
            }
            let street = row.optional("street");
            rules.push((row.line, AddressRule { locality, street, from, to, parity, building, zone }));
        });
        check_ambiguity(&rules, &mut errors);
        out.rules = Some(rules.into_iter().map(|(_, r)| r).collect());
    }

    if let (Some(bytes), Some(_)) = (input.pickups, input.zones) {
        let mut pickups = Vec::new();
        let mut seen: HashMap<(String, NaiveDate, Fraction), usize> = HashMap::new();
        for_each_row(FileKind::Pickups, bytes, &mut errors, |row, errors| {
            let zone = zone_known(row, errors);
            let date = row.required("date", errors).and_then(|d| parse_date(row, &d, errors));
            let fraction = row.required("fraction", errors).and_then(|f| parse_fraction(row, &f, errors));
            let (Some(zone), Some(date), Some(fraction)) = (zone, date, fraction) else { return };
            let key = (zone.clone(), date, fraction.clone());
            if let Some(&first_line) = seen.get(&key) {
                return row.fail("date", ImportReason::DuplicatePickup { first_line }, errors);
            }
            seen.insert(key, row.line);
            pickups.push(Pickup { zone, date, fraction, note: row.optional("note") });
        });
        pickups.sort();
        out.pickups = Some(pickups);
    }

    if let Some(bytes) = input.dictionary {
        let mut entries = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for_each_row(FileKind::Dictionary, bytes, &mut errors, |row, errors| {
            let item = row.required("item", errors);
            let fraction = row.required("fraction", errors).and_then(|f| parse_fraction(row, &f, errors));
            let (Some(item), Some(fraction)) = (item, fraction) else { return };
            let key = normalise_name(&item);
            if let Some(&first_line) = seen.get(&key) {
                return row.fail("item", ImportReason::DuplicateItem { first_line }, errors);
            }
            seen.insert(key, row.line);
            entries.push(DictionaryEntry { item, fraction, note: row.optional("note") });
        });
        out.dictionary = Some(entries);
    }

    if let Some(bytes) = input.pszok {
        let mut points = Vec::new();
        for_each_row(FileKind::Pszok, bytes, &mut errors, |row, errors| {
            let name = row.required("name", errors);
            let address = row.required("address", errors);
            let coord = |col: &str, errors: &mut Vec<ImportError>| {
                row.required(col, errors).and_then(|v| match v.replace(',', ".").parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    _ => {
                        row.fail(col, ImportReason::BadCoordinate, errors);
                        None
                    }
                })
            };
            let (lat, lon) = (coord("lat", errors), coord("lon", errors));
            let point = match (lat, lon) {
                (Some(lat), Some(lon)) => {
                    let p = GeoPoint { lat, lon };
                    match p.validate() {
                        Ok(()) => Some(p),
                        Err(e) => {
                            row.fail(&e.field, ImportReason::BadCoordinate, errors);
                            None
                        }
                    }
                }
                _ => None,
            };
            let hours = row.required("opening_hours", errors).and_then(|h| match OpeningHours::parse(&h) {
                Ok(_) => Some(h),
                Err(e) => {
                    row.fail("opening_hours", ImportReason::BadOpeningHours { detail: e.to_string() }, errors);
                    None
                }
            });
            let (Some(name), Some(address), Some(point), Some(opening_hours)) = (name, address, point, hours) else {
                return;
            };
            let accepts = row
                .optional("accepts")
                .map(|a| a.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default();
            points.push(Pszok { name, address, point, opening_hours, accepts, note: row.optional("note") });
        });
        out.pszok = Some(points);
    }

    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn parse_date(row: &Row<'_>, text: &str, errors: &mut Vec<ImportError>) -> Option<NaiveDate> {
    let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if well_formed && (FIRST_DATE..=LAST_DATE).contains(&d) => Some(d),
        Ok(_) if well_formed => {
            row.fail("date", ImportReason::DateOutOfRange, errors);
            None
        }
        _ => {
            row.fail("date", ImportReason::BadDate, errors);
            None
        }
    }
}

fn parse_fraction(row: &Row<'_>, text: &str, errors: &mut Vec<ImportError>) -> Option<Fraction> {
    let f = Fraction::parse(text);
    if f.is_none() {
        row.fail("fraction", ImportReason::UnknownFraction, errors);
    }
    f
}

/// Two equally specific rules that could cover the same address and name
/// different zones make `resolve` ambiguous: refused, at the later line.
pub(crate) fn check_ambiguity(rules: &[(usize, AddressRule)], errors: &mut Vec<ImportError>) {
    let mut groups: HashMap<(String, Option<String>), Vec<usize>> = HashMap::new();
    for (i, (_, r)) in rules.iter().enumerate() {
        groups.entry((normalise_name(&r.locality), r.street.as_deref().map(normalise_name))).or_default().push(i);
    }
    let mut found: Vec<(usize, usize)> = Vec::new();
    for members in groups.values() {
        for (k, &i) in members.iter().enumerate() {
            let (line_i, a) = &rules[i];
            if let Some(&j) = members[..k].iter().find(|&&j| {
                let b = &rules[j].1;
                a.zone != b.zone && a.specificity() == b.specificity() && a.overlaps(b)
            }) {
                found.push((*line_i, rules[j].0));
            }
        }
    }
    found.sort_unstable();
    for (line, other_line) in found {
        errors.push(ImportError::new(FileKind::Rules, line, None, ImportReason::AmbiguousRule { other_line }));
    }
}

/// One data row, its cells by column name.
struct Row<'h> {
    kind: FileKind,
    line: usize,
    header: &'h [String],
    cells: Vec<String>,
}

impl Row<'_> {
    fn cell(&self, column: &str) -> Option<&str> {
        let i = self.header.iter().position(|h| h == column)?;
        self.cells.get(i).map(|c| c.trim()).filter(|c| !c.is_empty())
    }

    fn optional(&self, column: &str) -> Option<String> {
        self.cell(column).map(str::to_owned)
    }

    fn required(&self, column: &str, errors: &mut Vec<ImportError>) -> Option<String> {
        let v = self.optional(column);
        if v.is_none() {
            self.fail(column, ImportReason::Required, errors);
        }
        v
    }

    fn fail(&self, column: &str, reason: ImportReason, errors: &mut Vec<ImportError>) {
        errors.push(ImportError::new(self.kind, self.line, Some(column), reason));
    }
}

/// Checks the file's size, encoding, header and cells, and hands each
/// well-formed data row to `each`.
fn for_each_row(kind: FileKind, bytes: &[u8], errors: &mut Vec<ImportError>, mut each: impl FnMut(&Row<'_>, &mut Vec<ImportError>)) {
    let file_error = |line, column: Option<&str>, reason, errors: &mut Vec<ImportError>| {
        errors.push(ImportError::new(kind, line, column, reason));
    };
    if bytes.len() > MAX_FILE_BYTES {
        return file_error(0, None, ImportReason::FileTooLarge, errors);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return file_error(0, None, ImportReason::NotUtf8, errors);
    };
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut records = Records { rest: text, line: 1 };

    // The header: the first record that is not blank.
    let (header_line, header) = loop {
        match records.next() {
            None => return file_error(0, None, ImportReason::Empty, errors),
            Some(Err(line)) => return file_error(line, None, ImportReason::UnclosedQuote, errors),
            Some(Ok((_, cells))) if cells.iter().all(|c| c.trim().is_empty()) => continue,
            Some(Ok((line, cells))) => break (line, cells),
        }
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let columns = kind.columns();
    let mut header_ok = true;
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() && i + 1 == header.len() && i > 0 {
            continue; // a trailing `;`
        }
        if !columns.iter().any(|(c, _)| c == h) {
            file_error(header_line, Some(h), ImportReason::UnknownColumn, errors);
            header_ok = false;
        } else if header[..i].contains(h) {
            file_error(header_line, Some(h), ImportReason::DuplicateColumn, errors);
            header_ok = false;
        }
    }
    for (c, required) in columns {
        if *required && !header.iter().any(|h| h == c) {
            file_error(header_line, Some(c), ImportReason::MissingColumn, errors);
            header_ok = false;
        }
    }
    if !header_ok {
        return;
    }
    let width = header.iter().rposition(|h| !h.is_empty()).map_or(0, |i| i + 1);

    let mut rows = 0usize;
    for record in records {
        let (line, mut cells) = match record {
            Ok(r) => r,
            Err(line) => return file_error(line, None, ImportReason::UnclosedQuote, errors),
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > kind.max_rows() {
            return file_error(line, None, ImportReason::TooManyRows { max: kind.max_rows() }, errors);
        }
        // Trailing empty cells (a spreadsheet's `;;;`) are not cells.
        while cells.len() > width && cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        if cells.len() != width {
            file_error(line, None, ImportReason::CellCount { expected: width, got: cells.len() }, errors);
            continue;
        }
        let mut cells_ok = true;
        for (h, c) in header.iter().zip(&cells) {
            if c.chars().count() > MAX_CELL_CHARS {
                file_error(line, Some(h), ImportReason::TooLong, errors);
                cells_ok = false;
            } else if c.chars().any(|ch| ch.is_control() && ch != '\t' && ch != '\n' && ch != '\r') {
                file_error(line, Some(h), ImportReason::ControlCharacters, errors);
                cells_ok = false;
            }
        }
        if cells_ok {
            each(&Row { kind, line, header: &header, cells }, errors);
        }
    }
}

/// `;`-separated records with RFC 4180 quoting; yields (line the record
/// starts on, cells), or the line of a quote that never closes.
struct Records<'a> {
    rest: &'a str,
    line: usize,
}

impl Iterator for Records<'_> {
    type Item = Result<(usize, Vec<String>), usize>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let start = self.line;
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut at_cell_start = true;
        while let Some((i, c)) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.peek().is_some_and(|(_, n)| *n == '"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        self.line += 1;
                        cell.push('\n');
                    }
                    '\r' => {}
                    c => cell.push(c),
                }
                continue;
            }
            match c {
                '"' if at_cell_start => {
                    quoted = true;
                    at_cell_start = false;
                }
                ';' => {
                    cells.push(std::mem::take(&mut cell));
                    at_cell_start = true;
                }
                '\n' => {
                    cells.push(std::mem::take(&mut cell));
                    self.line += 1;
                    self.rest = &self.rest[i + 1..];
                    return Some(Ok((start, cells)));
                }
                '\r' => {}
                c => {
                    cell.push(c);
                    at_cell_start = false;
                }
            }
        }
        self.rest = "";
        if quoted {
            return Some(Err(start));
        }
        cells.push(cell);
        Some(Ok((start, cells)))
    }
}
