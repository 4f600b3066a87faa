//! Command line: `mm [--server URL] [--data-dir DIR] [--json] <command>`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mm",
    version,
    about = "mMieszkaniec w terminalu / mMieszkaniec in the terminal"
)]
pub struct Args {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "MM_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// Where the local store lives [default: $HOME/.local/share/mm].
    #[arg(long, global = true, env = "MM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The gmina (its TERYT code, e.g. 0223083), remembered for the next
    /// commands [default: the one chosen last; the server's only one].
    #[arg(long, global = true, env = "MM_GMINA", value_parser = parse_teryt)]
    pub gmina: Option<mm_core::Teryt>,
    /// Machine-readable JSON (the core's record shapes) instead of Polish text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

impl Args {
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            home.join(".local/share/mm")
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The server's gminas (name, powiat or TERYT; Polish letters optional),
    /// or `--at LAT,LON` those holding a point.
    Gminas {
        #[arg(num_args = 0..)]
        query: Vec<String>,
        /// LAT,LON
        #[arg(long, value_parser = parse_point, allow_negative_numbers = true, conflicts_with = "query")]
        at: Option<(f64, f64)>,
    },
    /// Send queued writes, then fetch every change from the server.
    Sync {
        /// Changes per page.
        #[arg(long)]
        page_size: Option<u32>,
    },
    /// What the local store holds and whether writes wait.
    Status,
    /// Visible news: alerts first.
    News,
    /// Event occurrences by day (default: today and the next 30 days).
    Events {
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Category slug, e.g. `kultura`.
        #[arg(long)]
        category: Option<String>,
    },
    /// One event with its next dates.
    Event { id: i64 },
    /// A month grid with the days that have events, then the list.
    Calendar {
        /// YYYY-MM
        #[arg(value_parser = parse_month)]
        month: (i32, u32),
    },
    /// Search news and events (Polish letters optional).
    Search {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// One event as an iCalendar file.
    Ics { id: i64 },
    /// Notifications, newest first (• = unread): what the app raised and
    /// what the gmina sent; `read ID…`, `settings [flags]`.
    Notifications {
        #[command(subcommand)]
        action: Option<NotificationsAction>,
    },
    /// Push notifications to this device: `register`, `unregister`, `status`.
    Push {
        #[command(subcommand)]
        action: PushAction,
    },
    /// A report: `mm report new …`, `mm report follow ID`, or `mm report ID`
    /// (the server's id; one of mine prints as my report, with its history).
    #[command(args_conflicts_with_subcommands = true)]
    Report {
        #[command(subcommand)]
        action: Option<ReportAction>,
        /// The report's id on the server.
        id: Option<i64>,
        /// ID is this device's number for one of my reports (it has one before the server's).
        #[arg(long)]
        local: bool,
    },
    /// My reports with their status; `mm reports near …` for public ones.
    Reports {
        #[command(subcommand)]
        action: Option<ReportsAction>,
    },
    /// Report categories with their questions.
    ReportCategories,
    /// Places on the map: nearest to `--near`, or in `--box` (default: the
    /// gmina's area); `mm places search TEXT` to search by name.
    #[command(args_conflicts_with_subcommands = true)]
    Places {
        #[command(subcommand)]
        action: Option<PlacesAction>,
        #[command(flatten)]
        query: PlacesQuery,
    },
    /// One place's card: accessibility, opening hours and whether it is open now.
    Place { id: i64 },
    /// Bike paths crossing a box (default: the gmina's area), with lengths.
    BikePaths {
        /// MINLAT,MINLON,MAXLAT,MAXLON
        #[arg(long = "box", value_parser = parse_box, allow_negative_numbers = true)]
        bbox: Option<[f64; 4]>,
    },
    /// Local taxes: the household's liabilities with interest to a day
    /// (`--as-of`, default today; offline too); `mm taxes link CODE`,
    /// `qr`, `pay`, `receipt`, `reminders`, `unlink`.
    #[command(args_conflicts_with_subcommands = true)]
    Taxes {
        #[command(subcommand)]
        action: Option<TaxesAction>,
        /// The day the balance is as of, YYYY-MM-DD [default: today in Warsaw].
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// The waste-collection schedule (harmonogram odbioru odpadów): the
    /// next collections at my addresses (offline too); `address add|list|
    /// remove`, `ics`, `search`, `reminders`, `refresh`.
    #[command(args_conflicts_with_subcommands = true)]
    Waste {
        #[command(subcommand)]
        action: Option<WasteAction>,
        /// Collections shown per address.
        #[arg(long, default_value_t = 8)]
        limit: u32,
    },
    /// The participatory budget (budżet obywatelski): editions with their
    /// phase and pools; `projects`, `project`, `vote`, `sms`, `ballot`,
    /// `change`, `submit`, `sign`, `appeal`, `mine`, `results`.
    Budget {
        #[command(subcommand)]
        action: Option<BudgetAction>,
    },
    /// Consultations (konsultacje społeczne): the list; `show ID`,
    /// `summary ID`.
    Consultations {
        #[command(subcommand)]
        action: Option<ConsultationsAction>,
    },
    /// Answer a consultation's survey (once from this device): flags per
    /// question and/or `--answers FILE` (JSON `{"answers": [...]}`); the
    /// answers are checked, then sent through the outbox. A consultation
    /// answered once per person also takes who answers (`--pesel` with the
    /// names, or the names with the address, as it asks) and, when it asks
    /// for one, the code `mm consultations sms-code` had sent.
    Survey {
        /// The consultation's id.
        id: i64,
        /// A single-choice answer: QUESTION=OPTION (options from 0).
        #[arg(long = "single", value_name = "Q=N")]
        single: Vec<String>,
        /// A multiple-choice answer: QUESTION=N,N,…
        #[arg(long = "multiple", value_name = "Q=N,N")]
        multiple: Vec<String>,
        /// A ranking, best first: QUESTION=N,N,…
        #[arg(long = "ranking", value_name = "Q=N,N")]
        ranking: Vec<String>,
        /// Matrix cells: QUESTION=ROW:COLUMN,ROW:COLUMN,…
        #[arg(long = "matrix", value_name = "Q=R:C,R:C")]
        matrix: Vec<String>,
        /// A text answer: QUESTION=TEXT.
        #[arg(long = "text", value_name = "Q=TEXT")]
        text: Vec<String>,
        /// A JSON file of answers (`mm_protocol::consultations::Answers`).
        #[arg(long)]
        answers: Option<PathBuf>,
        #[command(flatten)]
        identity: SurveyIdentityArgs,
        /// The request id `mm consultations sms-code` printed.
        #[arg(long, requires = "sms_code")]
        sms_request: Option<String>,
        /// The code from the SMS.
        #[arg(long, requires = "sms_request")]
        sms_code: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConsultationsAction {
    /// One consultation: its questions (with option numbers), the draft,
    /// my response.
    Show { id: i64 },
    /// The published summary of a closed consultation.
    Summary { id: i64 },
    /// Ask for a one-time code by SMS to `--phone` (consultations answered
    /// once per person that need one): who answers, as for `mm survey`.
    SmsCode {
        id: i64,
        #[command(flatten)]
        identity: IdentityArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum WasteAction {
    /// My addresses: `add`, `list`, `remove ID`.
    Address {
        #[command(subcommand)]
        action: WasteAddressAction,
    },
    /// One address's collections as an iCalendar file (from the copy on
    /// this device, offline too); the feed's URL to subscribe to goes to
    /// stderr (in the JSON with `--json`).
    Ics {
        /// The address's number from `mm waste address list` [default: the only one].
        #[arg(long)]
        address: Option<i64>,
    },
    /// What goes where (co gdzie wyrzucić), offline; Polish letters optional.
    Search {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Reminders before collections: the settings and the coming ones;
    /// with flags, change the settings.
    Reminders(WasteRemindersArgs),
    /// Fetch the schedules and the dictionary now (`mm sync` does too).
    Refresh,
}

#[derive(Debug, Subcommand)]
pub enum WasteAddressAction {
    /// Add an address; the server checks it when it can be reached.
    Add {
        /// Miejscowość, e.g. Siechnice.
        #[arg(long)]
        locality: String,
        /// Ulica (none in a village without street names).
        #[arg(long)]
        street: Option<String>,
        /// House number: 12, 12a, 12/3.
        #[arg(long)]
        number: String,
        /// single (a house) or multi (a block of flats); needed where they differ.
        #[arg(long, value_parser = parse_building)]
        building: Option<mm_core::BuildingType>,
        /// What to call it ("Dom").
        #[arg(long)]
        label: Option<String>,
    },
    /// My addresses with their zone.
    List,
    /// Forget an address (this device only).
    Remove { id: i64 },
}

#[derive(Debug, clap::Args)]
pub struct WasteRemindersArgs {
    /// Days before the collection, 1–3.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub days: Option<u8>,
    /// HH:MM, Warsaw time (default 18:00).
    #[arg(long, value_parser = parse_hhmm)]
    pub at: Option<chrono::NaiveTime>,
    /// No reminders for this fraction (papier, szkło, bio, …); repeatable.
    #[arg(long, value_parser = parse_fraction)]
    pub mute: Vec<mm_core::Fraction>,
    /// Reminders for this fraction again; repeatable.
    #[arg(long, value_parser = parse_fraction)]
    pub unmute: Vec<mm_core::Fraction>,
    /// No reminders at all.
    #[arg(long, conflicts_with = "on")]
    pub off: bool,
    /// Reminders on.
    #[arg(long)]
    pub on: bool,
    /// How many days ahead to list [default: 14].
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub ahead: u32,
}

impl WasteRemindersArgs {
    pub fn changes(&self) -> bool {
        self.days.is_some() || self.at.is_some() || !self.mute.is_empty() || !self.unmute.is_empty() || self.off || self.on
    }
}

fn parse_building(s: &str) -> Result<mm_core::BuildingType, String> {
    match s.trim() {
        "single" | "single_family" | "jednorodzinna" | "dom" => Ok(mm_core::BuildingType::SingleFamily),
        "multi" | "multi_family" | "wielorodzinna" | "blok" => Ok(mm_core::BuildingType::MultiFamily),
        _ => Err(format!("oczekiwano single (dom) lub multi (blok) / expected single (a house) or multi (a block of flats), got `{s}`")),
    }
}

fn parse_hhmm(s: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| format!("oczekiwano GG:MM / expected HH:MM, got `{s}`"))
}

fn parse_fraction(s: &str) -> Result<mm_core::Fraction, String> {
    mm_core::Fraction::parse(s).ok_or_else(|| {
        format!("nieznana frakcja / unknown fraction `{s}` (zmieszane, papier, szkło, metale_i_tworzywa, bio, gabaryty, elektroodpady, popiół, tekstylia)")
    })
}

#[derive(Debug, Subcommand)]
pub enum NotificationsAction {
    /// Mark notifications read (their numbers from `mm notifications`).
    Read {
        #[arg(required = true, num_args = 1..)]
        ids: Vec<i64>,
    },
    /// Show what this device subscribes to; with flags, change it (sent
    /// through the outbox). Alerts cannot be turned off.
    Settings(SettingsArgs),
}

#[derive(Debug, clap::Args)]
pub struct SettingsArgs {
    /// TOPIC=on|off (news, events, my_reports, followed_reports, taxes,
    /// budget, consultations, waste); repeatable.
    #[arg(long = "topic", value_parser = parse_topic_switch)]
    pub topics: Vec<(mm_core::Topic, bool)>,
    /// Only these event categories (repeatable); replaces the list.
    #[arg(long = "event-category")]
    pub event_categories: Vec<String>,
    /// Every event category again.
    #[arg(long, conflicts_with = "event_categories")]
    pub all_event_categories: bool,
    /// A locality by name or id (repeatable); with `--around`, replaces the areas.
    #[arg(long = "locality")]
    pub localities: Vec<String>,
    /// LAT,LON,RADIUS_M: around a point (100 m to 20 km).
    #[arg(long, value_parser = parse_around, allow_negative_numbers = true)]
    pub around: Option<(f64, f64, u32)>,
    /// The whole gmina again (no areas).
    #[arg(long, conflicts_with_all = ["localities", "around"])]
    pub whole_gmina: bool,
    /// HH:MM-HH:MM, Warsaw time (e.g. 22:00-07:00); alerts ignore it.
    #[arg(long, value_parser = parse_quiet)]
    pub quiet: Option<(chrono::NaiveTime, chrono::NaiveTime)>,
    /// No quiet hours.
    #[arg(long, conflicts_with = "quiet")]
    pub no_quiet: bool,
    /// The language notifications come in: pl or en.
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<mm_core::Lang>,
}

impl SettingsArgs {
    /// Whether any change was asked for (else the settings are shown).
    pub fn changes(&self) -> bool {
        !self.topics.is_empty()
            || !self.event_categories.is_empty()
            || self.all_event_categories
            || !self.localities.is_empty()
            || self.around.is_some()
            || self.whole_gmina
            || self.quiet.is_some()
            || self.no_quiet
            || self.lang.is_some()
    }
}

#[derive(Debug, Subcommand)]
pub enum PushAction {
    /// Register this device for pushes: a UnifiedPush (Web Push) endpoint
    /// with its keys, an FCM token or an APNs token.
    Register {
        /// The UnifiedPush endpoint (https).
        #[arg(long, group = "transport", requires_all = ["p256dh", "auth"])]
        unifiedpush: Option<String>,
        /// The subscription's P-256 public key, base64url.
        #[arg(long, requires = "unifiedpush")]
        p256dh: Option<String>,
        /// The subscription's 16-byte auth secret, base64url.
        #[arg(long, requires = "unifiedpush")]
        auth: Option<String>,
        /// An FCM registration token.
        #[arg(long, group = "transport")]
        fcm: Option<String>,
        /// An APNs device token, hex.
        #[arg(long, group = "transport")]
        apns: Option<String>,
        /// The APNs token is of a development build.
        #[arg(long, requires = "apns")]
        apns_sandbox: bool,
    },
    /// Stop pushes to this device (the feed still comes with `mm sync`).
    Unregister,
    /// Whether the server pushes to this device.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum BudgetAction {
    /// An edition's projects (of one pool with `--pool`).
    Projects {
        #[arg(long)]
        edition: i64,
        #[arg(long)]
        pool: Option<i64>,
    },
    /// One project.
    Project { id: i64 },
    /// Vote for exactly these projects (the edition's rule is checked
    /// first); the ballot goes through the outbox, once.
    Vote {
        #[arg(long)]
        edition: i64,
        /// Project ids (repeat, or several after one flag).
        #[arg(long = "project", num_args = 1.., required = true)]
        projects: Vec<i64>,
        #[command(flatten)]
        identity: IdentityArgs,
        /// The request id `mm budget sms` printed.
        #[arg(long, requires = "sms_code")]
        sms_request: Option<String>,
        /// The code from the SMS.
        #[arg(long, requires = "sms_request")]
        sms_code: Option<String>,
        /// I declare that I live in the gmina.
        #[arg(long)]
        declare_residence: bool,
    },
    /// Ask for a one-time code by SMS to `--phone` (editions that need one).
    Sms {
        #[arg(long)]
        edition: i64,
        #[command(flatten)]
        identity: IdentityArgs,
    },
    /// My ballot of an edition as the server keeps it (the receipt code,
    /// the choices, whether it may be changed); offline: as last known.
    Ballot {
        edition: i64,
        /// A ballot cast on another device, by its receipt code.
        #[arg(long)]
        receipt: Option<String>,
    },
    /// Change my ballot to exactly these projects (voting open, the
    /// edition allows changes; the same voter's identity).
    Change {
        #[arg(long)]
        edition: i64,
        #[arg(long = "project", num_args = 1.., required = true)]
        projects: Vec<i64>,
        #[command(flatten)]
        identity: IdentityArgs,
        /// A ballot cast on another device, by its receipt code.
        #[arg(long)]
        receipt: Option<String>,
    },
    /// Submit a project (submission phase).
    Submit {
        #[arg(long)]
        edition: i64,
        #[arg(long)]
        pool: i64,
        #[arg(long)]
        title: String,
        #[arg(long)]
        description: String,
        /// The estimated cost in whole złoty.
        #[arg(long = "cost-zl")]
        cost_zl: i64,
        #[arg(long)]
        category: Option<String>,
        /// Where: latitude (WGS84), with `--lon`.
        #[arg(long, requires = "lon", allow_hyphen_values = true)]
        lat: Option<f64>,
        #[arg(long, requires = "lat", allow_hyphen_values = true)]
        lon: Option<f64>,
        /// A photo file (repeat for more).
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
        /// Who the office contacts (never published).
        #[arg(long)]
        contact_name: String,
        #[arg(long)]
        contact_email: Option<String>,
        #[arg(long)]
        contact_phone: Option<String>,
    },
    /// Sign a submitted project (support signature).
    Sign {
        project: i64,
        #[command(flatten)]
        identity: IdentityArgs,
        #[arg(long, requires = "sms_code")]
        sms_request: Option<String>,
        #[arg(long, requires = "sms_request")]
        sms_code: Option<String>,
        /// I declare that I live in the gmina.
        #[arg(long)]
        declare_residence: bool,
    },
    /// Appeal against a project's rejection (from the device that submitted it).
    Appeal {
        project: i64,
        #[arg(long)]
        text: String,
    },
    /// My submissions, signatures, appeals and ballot changes.
    Mine {
        #[arg(long)]
        edition: Option<i64>,
    },
    /// Published results of an edition.
    Results { edition: i64 },
}

/// Who votes: `--pesel` with the names, or the names with the address.
/// Never printed (Debug shows `***`).
#[derive(Clone, Default, clap::Args)]
pub struct IdentityArgs {
    #[arg(long)]
    pub pesel: Option<String>,
    #[arg(long)]
    pub first_name: String,
    #[arg(long)]
    pub last_name: String,
    /// The locality's id (`mm` lists them under `status`/places).
    #[arg(long, conflicts_with = "pesel", requires = "house")]
    pub locality: Option<i64>,
    #[arg(long, requires = "locality")]
    pub street: Option<String>,
    #[arg(long, requires = "locality")]
    pub house: Option<String>,
    #[arg(long, requires = "house")]
    pub flat: Option<String>,
    /// A Polish mobile number.
    #[arg(long)]
    pub phone: Option<String>,
}

/// Who answers a survey: as [`IdentityArgs`], but all absent for a
/// consultation answered once per device. (A flattened
/// `Option<IdentityArgs>` would still demand the names: clap #5092.)
#[derive(Clone, Default, clap::Args)]
pub struct SurveyIdentityArgs {
    #[arg(long, requires = "first_name")]
    pub pesel: Option<String>,
    #[arg(long, requires = "last_name")]
    pub first_name: Option<String>,
    #[arg(long, requires = "first_name")]
    pub last_name: Option<String>,
    /// The locality's id.
    #[arg(long, conflicts_with = "pesel", requires_all = ["house", "first_name"])]
    pub locality: Option<i64>,
    #[arg(long, requires = "locality")]
    pub street: Option<String>,
    #[arg(long, requires = "locality")]
    pub house: Option<String>,
    #[arg(long, requires = "house")]
    pub flat: Option<String>,
    #[arg(long, requires = "first_name")]
    pub phone: Option<String>,
}

impl SurveyIdentityArgs {
    /// The identity when one was given (the names are then present).
    pub fn given(self) -> Option<IdentityArgs> {
        let (first_name, last_name) = (self.first_name?, self.last_name?);
        Some(IdentityArgs {
            pesel: self.pesel,
            first_name,
            last_name,
            locality: self.locality,
            street: self.street,
            house: self.house,
            flat: self.flat,
            phone: self.phone,
        })
    }
}

impl std::fmt::Debug for SurveyIdentityArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurveyIdentityArgs(***)")
    }
}

impl std::fmt::Debug for IdentityArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityArgs(***)")
    }
}

#[derive(Debug, Subcommand)]
pub enum TaxesAction {
    /// Link this device to a taxpayer with the activation code from the
    /// tax decision (or the office).
    Link { code: String },
    /// The transfer QR code of a liability (ZBP), as a PNG image.
    Qr {
        liability: String,
        #[arg(long)]
        png: PathBuf,
    },
    /// Pay a liability through the gmina's payment gateway: prints the
    /// payment page's address, then waits for the result.
    Pay {
        liability: String,
        /// In grosze, a whole number [default: the total as of today].
        #[arg(long, value_parser = parse_grosze)]
        amount: Option<i64>,
        /// Print the address and return without waiting.
        #[arg(long)]
        no_wait: bool,
        /// Seconds to wait for the result.
        #[arg(long, default_value_t = 900)]
        timeout: u64,
    },
    /// Forget a taxpayer (default: all) on this device and at the server.
    Unlink { taxpayer: Option<String> },
    /// The confirmation (HTML) of a paid payment, by the id `mm taxes pay` printed.
    Receipt {
        payment: String,
        /// Write it to FILE instead of the standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Instalments due within the reminder days; `--days N` (1–7) sets them.
    Reminders {
        #[arg(long)]
        days: Option<u32>,
    },
}

/// An amount in grosze: digits only (`12.5` or `12,50` is refused, so a
/// złoty figure is never taken for grosze).
fn parse_grosze(s: &str) -> Result<i64, String> {
    let err = || format!("kwota w groszach, liczba całkowita (np. 1250 = 12,50 zł) / amount in grosze, a whole number (e.g. 1250 = PLN 12.50), got `{s}`");
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    s.parse().map_err(|_| err())
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct PlacesQuery {
    /// LAT,LON: the nearest places, nearest first, with distances.
    #[arg(long, value_parser = parse_point, allow_negative_numbers = true, conflicts_with = "bbox")]
    pub near: Option<(f64, f64)>,
    /// MINLAT,MINLON,MAXLAT,MAXLON
    #[arg(long = "box", value_parser = parse_box, allow_negative_numbers = true)]
    pub bbox: Option<[f64; 4]>,
    /// infrastructure, attractions, monuments or bike_paths; repeatable.
    #[arg(long = "layer")]
    pub layers: Vec<String>,
    /// Category slug (school, toilets, ...); repeatable.
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// step-free, accessible-toilet, hearing-loop, tactile-paving, braille,
    /// sign-language, changing-table, disabled-parking; repeatable, all must be met.
    #[arg(long = "need")]
    pub needs: Vec<String>,
    /// Only places open now (by their opening hours, Polish holidays included).
    #[arg(long)]
    pub open_now: bool,
    /// At most N places [default: 20 with --near].
    #[arg(long)]
    pub limit: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum PlacesAction {
    /// Places by name, category or address (Polish letters optional).
    Search {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
}

fn parse_teryt(s: &str) -> Result<mm_core::Teryt, String> {
    mm_core::Teryt::parse(s.trim()).map_err(|e| format!("{} / {}", e.pl, e.en))
}

fn parse_point(s: &str) -> Result<(f64, f64), String> {
    let err = || format!("oczekiwano SZER,DŁUG / expected LAT,LON, got `{s}`");
    let (a, b) = s.split_once(',').ok_or_else(err)?;
    Ok((a.trim().parse().map_err(|_| err())?, b.trim().parse().map_err(|_| err())?))
}

fn parse_topic_switch(s: &str) -> Result<(mm_core::Topic, bool), String> {
    let err = || format!("oczekiwano TEMAT=on|off / expected TOPIC=on|off, got `{s}`");
    let (topic, switch) = s.split_once('=').ok_or_else(err)?;
    let topic = mm_core::Topic::parse(topic.trim()).ok_or_else(err)?;
    match switch.trim() {
        "on" | "wł" | "tak" => Ok((topic, true)),
        "off" | "wył" | "nie" => Ok((topic, false)),
        _ => Err(err()),
    }
}

fn parse_around(s: &str) -> Result<(f64, f64, u32), String> {
    let err = || format!("oczekiwano SZER,DŁUG,PROMIEŃ_M / expected LAT,LON,RADIUS_M, got `{s}`");
    let mut parts = s.split(',').map(str::trim);
    let (Some(lat), Some(lon), Some(r), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(err());
    };
    Ok((lat.parse().map_err(|_| err())?, lon.parse().map_err(|_| err())?, r.parse().map_err(|_| err())?))
}

fn parse_quiet(s: &str) -> Result<(chrono::NaiveTime, chrono::NaiveTime), String> {
    let err = || format!("oczekiwano GG:MM-GG:MM / expected HH:MM-HH:MM, got `{s}`");
    let (a, b) = s.split_once('-').ok_or_else(err)?;
    let t = |x: &str| chrono::NaiveTime::parse_from_str(x.trim(), "%H:%M").map_err(|_| err());
    Ok((t(a)?, t(b)?))
}

fn parse_lang(s: &str) -> Result<mm_core::Lang, String> {
    match s {
        "pl" => Ok(mm_core::Lang::Pl),
        "en" => Ok(mm_core::Lang::En),
        _ => Err(format!("oczekiwano pl lub en / expected pl or en, got `{s}`")),
    }
}

fn parse_box(s: &str) -> Result<[f64; 4], String> {
    let err = || format!("oczekiwano MINSZER,MINDŁUG,MAXSZER,MAXDŁUG / expected MINLAT,MINLON,MAXLAT,MAXLON, got `{s}`");
    let v: Vec<f64> = s.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| err())?;
    <[f64; 4]>::try_from(v).map_err(|_| err())
}

#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// Make a report: draft, photos normalised on this device, a check for
    /// possible duplicates, then queued and sent at once when online.
    New {
        /// Category code (`mm report-categories`).
        #[arg(long)]
        category: String,
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        #[arg(long, allow_negative_numbers = true)]
        lon: f64,
        /// Accuracy of a GPS fix in metres (without it the point is a pin).
        #[arg(long)]
        accuracy: Option<f64>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        description: String,
        /// An answer to the category's question, `code=value`; repeatable.
        #[arg(long = "answer", value_parser = parse_answer)]
        answers: Vec<(String, String)>,
        /// A JPEG or PNG file; repeatable (at most 5).
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
        /// Send even when similar open reports are nearby, without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Follow a report: its status changes become notifications.
    Follow { id: i64 },
    /// Stop following a report.
    Unfollow { id: i64 },
    /// Drop one of my reports that the server refused (local number).
    Discard { local_id: i64 },
    /// Send again, as it was, one of my reports that the server refused
    /// (local number).
    Retry { local_id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum ReportsAction {
    /// Public reports near a point, nearest first.
    Near {
        #[arg(long, allow_negative_numbers = true)]
        lat: f64,
        #[arg(long, allow_negative_numbers = true)]
        lon: f64,
        /// Metres.
        #[arg(long, default_value_t = 500.0)]
        radius: f64,
        #[arg(long)]
        category: Option<String>,
        /// Only reports still being handled.
        #[arg(long)]
        open_only: bool,
    },
}

fn parse_answer(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("oczekiwano KOD=WARTOŚĆ / expected CODE=VALUE, got `{s}`")),
    }
}

fn parse_month(s: &str) -> Result<(i32, u32), String> {
    let err = || format!("oczekiwano RRRR-MM / expected YYYY-MM, got `{s}`");
    let (y, m) = s.split_once('-').ok_or_else(err)?;
    let year: i32 = y.parse().map_err(|_| err())?;
    let month: u32 = m.parse().map_err(|_| err())?;
    if y.len() != 4 || !(1..=12).contains(&month) {
        return Err(err());
    }
    Ok((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxes_commands_parse_and_refuse_fractions_and_bad_days() {
        let a = Args::try_parse_from(["mm", "taxes", "--as-of", "2025-06-20", "--json"]).unwrap();
        assert!(a.json);
        assert!(matches!(a.command, Command::Taxes { action: None, as_of: Some(d) } if d.to_string() == "2025-06-20"));
        let a = Args::try_parse_from(["mm", "taxes", "pay", "L1", "--amount", "1250", "--no-wait"]).unwrap();
        assert!(matches!(
            a.command,
            Command::Taxes { action: Some(TaxesAction::Pay { amount: Some(1250), no_wait: true, .. }), .. }
        ));
        for bad in ["12.5", "12,50", "", "1e3"] {
            let e = Args::try_parse_from(["mm", "taxes", "pay", "L1", "--amount", bad]).unwrap_err();
            assert!(e.to_string().contains("grosze"), "{bad}: {e}");
        }
        for bad in ["2025-13-01", "20.06.2025", "2025-6-31"] {
            assert!(Args::try_parse_from(["mm", "taxes", "--as-of", bad]).is_err(), "{bad}");
        }
        assert!(Args::try_parse_from(["mm", "taxes", "qr", "L1"]).is_err(), "--png is required");
        let a = Args::try_parse_from(["mm", "taxes", "reminders", "--days", "5"]).unwrap();
        assert!(matches!(a.command, Command::Taxes { action: Some(TaxesAction::Reminders { days: Some(5) }), .. }));
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-12"), Ok((2026, 12)));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("26-01").is_err());
        assert!(parse_month("2026/01").is_err());
    }

    #[test]
    fn report_commands_parse() {
        let a = Args::try_parse_from(["mm", "report", "12"]).unwrap();
        assert!(matches!(a.command, Command::Report { id: Some(12), action: None, .. }));
        let a = Args::try_parse_from([
            "mm", "report", "new", "--category", "street_lamp", "--lat", "51.03", "--lon", "17.15",
            "--description", "Nie świeci.", "--answer", "kind=not_lit", "--photo", "a.jpg", "--photo", "b.png",
        ])
        .unwrap();
        match a.command {
            Command::Report { action: Some(ReportAction::New { answers, photos, .. }), .. } => {
                assert_eq!(answers, vec![("kind".to_string(), "not_lit".to_string())]);
                assert_eq!(photos.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(Args::try_parse_from(["mm", "report", "new", "--category", "x", "--lat", "1", "--lon", "2", "--description", "d", "--answer", "nope"]).is_err());
        let a = Args::try_parse_from(["mm", "reports", "near", "--lat", "51", "--lon", "17"]).unwrap();
        assert!(matches!(a.command, Command::Reports { action: Some(ReportsAction::Near { .. }) }));
        let a = Args::try_parse_from(["mm", "reports"]).unwrap();
        assert!(matches!(a.command, Command::Reports { action: None }));
    }

    #[test]
    fn place_commands_parse() {
        let a = Args::try_parse_from(["mm", "places", "--near", "51.0335,17.15", "--need", "step-free", "--need", "accessible-toilet", "--open-now", "--limit", "5"]).unwrap();
        match a.command {
            Command::Places { action: None, query } => {
                assert_eq!(query.near, Some((51.0335, 17.15)));
                assert_eq!(query.needs, vec!["step-free", "accessible-toilet"]);
                assert!(query.open_now);
                assert_eq!(query.limit, Some(5));
            }
            other => panic!("{other:?}"),
        }
        let a = Args::try_parse_from(["mm", "places", "--box", "51.0,17.0,51.1,17.3", "--layer", "monuments"]).unwrap();
        assert!(matches!(a.command, Command::Places { query: PlacesQuery { bbox: Some([51.0, 17.0, 51.1, 17.3]), .. }, .. }));
        let a = Args::try_parse_from(["mm", "places", "search", "swietej", "katarzyny"]).unwrap();
        assert!(matches!(a.command, Command::Places { action: Some(PlacesAction::Search { .. }), .. }));
        assert!(Args::try_parse_from(["mm", "places", "--near", "51.0"]).is_err());
        assert!(Args::try_parse_from(["mm", "places", "--box", "1,2,3"]).is_err());
        assert!(Args::try_parse_from(["mm", "places", "--near", "51,17", "--box", "1,2,3,4"]).is_err());
        assert!(matches!(Args::try_parse_from(["mm", "place", "7"]).unwrap().command, Command::Place { id: 7 }));
        assert!(matches!(Args::try_parse_from(["mm", "bike-paths"]).unwrap().command, Command::BikePaths { bbox: None }));
    }

    #[test]
    fn usage_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }

    #[test]
    fn budget_commands_parse_and_keep_the_identity_out_of_debug() {
        let a = Args::try_parse_from(["mm", "budget"]).unwrap();
        assert!(matches!(a.command, Command::Budget { action: None }));
        let a = Args::try_parse_from(["mm", "budget", "projects", "--edition", "7", "--pool", "2"]).unwrap();
        assert!(matches!(
            a.command,
            Command::Budget { action: Some(BudgetAction::Projects { edition: 7, pool: Some(2) }) }
        ));
        let a = Args::try_parse_from([
            "mm", "budget", "vote", "--edition", "7", "--project", "11", "12", "--project", "13", "--pesel",
            "44051401359", "--first-name", "Jan", "--last-name", "Kowalski", "--declare-residence",
        ])
        .unwrap();
        let text = format!("{a:?}");
        assert!(!text.contains("44051401359") && !text.contains("Kowalski"), "{text}");
        let Command::Budget { action: Some(BudgetAction::Vote { projects, identity, declare_residence, sms_code, .. }) } =
            a.command
        else {
            panic!()
        };
        assert_eq!(projects, vec![11, 12, 13]);
        assert_eq!(identity.pesel.as_deref(), Some("44051401359"));
        assert!(declare_residence && sms_code.is_none());
        let a = Args::try_parse_from([
            "mm", "budget", "sms", "--edition", "7", "--phone", "600100200", "--first-name", "Jan", "--last-name",
            "Kowalski", "--locality", "3", "--street", "Polna", "--house", "1", "--flat", "2",
        ])
        .unwrap();
        assert!(matches!(a.command, Command::Budget { action: Some(BudgetAction::Sms { edition: 7, .. }) }));
        // A PESEL and an address together; an SMS code without its request;
        // a vote without a project.
        for bad in [
            &["mm", "budget", "vote", "--edition", "7", "--project", "1", "--pesel", "1", "--first-name", "a",
                "--last-name", "b", "--locality", "3", "--house", "1"][..],
            &["mm", "budget", "vote", "--edition", "7", "--project", "1", "--first-name", "a", "--last-name", "b",
                "--sms-code", "123456"][..],
            &["mm", "budget", "vote", "--edition", "7", "--first-name", "a", "--last-name", "b"][..],
        ] {
            assert!(Args::try_parse_from(bad).is_err(), "{bad:?}");
        }
        let a = Args::try_parse_from(["mm", "budget", "ballot", "7", "--receipt", "K7M2"]).unwrap();
        assert!(matches!(a.command, Command::Budget { action: Some(BudgetAction::Ballot { edition: 7, receipt: Some(_) }) }));
        let a = Args::try_parse_from([
            "mm", "budget", "submit", "--edition", "9", "--pool", "1", "--title", "Ławki", "--description", "Opis",
            "--cost-zl", "15000", "--lat", "51.03", "--lon", "-17.15", "--photo", "a.jpg", "--photo", "b.png",
            "--contact-name", "Anna",
        ])
        .unwrap();
        let Command::Budget { action: Some(BudgetAction::Submit { cost_zl, lon, photos, .. }) } = a.command else {
            panic!("submit")
        };
        assert_eq!((cost_zl, lon, photos.len()), (15000, Some(-17.15), 2));
        // A latitude without its longitude is refused.
        assert!(Args::try_parse_from([
            "mm", "budget", "submit", "--edition", "9", "--pool", "1", "--title", "t", "--description", "d",
            "--cost-zl", "1", "--lat", "51", "--contact-name", "A",
        ])
        .is_err());
        let a = Args::try_parse_from(["mm", "budget", "sign", "91", "--pesel", "4", "--first-name", "A", "--last-name", "B"])
            .unwrap();
        assert!(format!("{a:?}").contains("***") && !format!("{a:?}").contains("first"));
        let a = Args::try_parse_from(["mm", "budget", "appeal", "92", "--text", "Proszę"]).unwrap();
        assert!(matches!(a.command, Command::Budget { action: Some(BudgetAction::Appeal { project: 92, .. }) }));
        let a = Args::try_parse_from(["mm", "budget", "results", "8", "--json"]).unwrap();
        assert!(a.json && matches!(a.command, Command::Budget { action: Some(BudgetAction::Results { edition: 8 }) }));
    }

    #[test]
    fn consultation_commands_parse() {
        let a = Args::try_parse_from(["mm", "consultations"]).unwrap();
        assert!(matches!(a.command, Command::Consultations { action: None }));
        let a = Args::try_parse_from([
            "mm", "notifications", "settings", "--topic", "news=off", "--topic", "events=on", "--locality", "Siechnice",
            "--around", "51.1,17.1,1500", "--quiet", "22:00-07:00", "--lang", "en",
        ])
        .unwrap();
        let Command::Notifications { action: Some(NotificationsAction::Settings(s)) } = a.command else { panic!("settings") };
        assert_eq!(s.topics, vec![(mm_core::Topic::News, false), (mm_core::Topic::Events, true)]);
        assert_eq!((s.around, s.localities.len(), s.lang), (Some((51.1, 17.1, 1500)), 1, Some(mm_core::Lang::En)));
        assert!(s.changes());
        assert!(Args::try_parse_from(["mm", "notifications", "settings", "--topic", "news=maybe"]).is_err());
        assert!(Args::try_parse_from(["mm", "notifications", "settings", "--quiet", "22-7"]).is_err());
        assert!(Args::try_parse_from(["mm", "notifications", "settings", "--quiet", "22:00-07:00", "--no-quiet"]).is_err());
        assert!(Args::try_parse_from(["mm", "push", "register", "--unifiedpush", "https://x/y"]).is_err(), "keys needed");
        assert!(Args::try_parse_from(["mm", "push", "register", "--fcm", "a", "--apns", "00"]).is_err(), "one transport");
        let a = Args::try_parse_from(["mm", "notifications", "read", "3", "4"]).unwrap();
        assert!(matches!(a.command, Command::Notifications { action: Some(NotificationsAction::Read { ids }) } if ids == [3, 4]));
        let a = Args::try_parse_from(["mm", "consultations", "show", "3"]).unwrap();
        assert!(matches!(a.command, Command::Consultations { action: Some(ConsultationsAction::Show { id: 3 }) }));
        let a = Args::try_parse_from([
            "mm", "survey", "3", "--single", "czestosc=1", "--multiple", "potrzeby=0,2", "--text", "nazwa=Park nad Odrą",
            "--matrix", "ocena=0:1,1:2", "--answers", "a.json",
        ])
        .unwrap();
        let Command::Survey { id, single, multiple, text, matrix, answers, .. } = a.command else { panic!("survey") };
        assert_eq!((id, single.len(), multiple.len(), text[0].as_str()), (3, 1, 1, "nazwa=Park nad Odrą"));
        assert_eq!((matrix[0].as_str(), answers.is_some()), ("ocena=0:1,1:2", true));
        assert!(Args::try_parse_from(["mm", "survey"]).is_err());
        // Without identity flags there is no identity.
        let a = Args::try_parse_from(["mm", "survey", "3", "--single", "q=1"]).unwrap();
        let Command::Survey { identity, sms_request: None, .. } = a.command else { panic!("survey") };
        assert!(identity.given().is_none());
        let a = Args::try_parse_from([
            "mm", "survey", "4", "--single", "q=1", "--pesel", "44051401359", "--first-name", "Jan", "--last-name",
            "Kowalski", "--sms-request", "r-1", "--sms-code", "123456",
        ])
        .unwrap();
        assert!(!format!("{a:?}").contains("44051401359"), "the identity is never printed");
        let Command::Survey { identity, sms_request, sms_code, .. } = a.command else { panic!("survey") };
        let identity = identity.given().expect("an identity");
        assert_eq!((identity.pesel.as_deref(), identity.last_name.as_str()), (Some("44051401359"), "Kowalski"));
        assert_eq!((sms_request.as_deref(), sms_code.as_deref()), (Some("r-1"), Some("123456")));
        // A PESEL without the names, or a code without its request, is refused.
        assert!(Args::try_parse_from(["mm", "survey", "4", "--pesel", "44051401359"]).is_err());
        assert!(Args::try_parse_from(["mm", "survey", "4", "--sms-code", "1"]).is_err());
        assert!(Args::try_parse_from(["mm", "survey", "4", "--first-name", "Jan"]).is_err());
        assert!(Args::try_parse_from(["mm", "survey", "4", "--first-name", "J", "--last-name", "K", "--locality", "3"]).is_err());
        let a = Args::try_parse_from([
            "mm", "consultations", "sms-code", "4", "--phone", "600100200", "--first-name", "Jan", "--last-name", "K",
            "--locality", "3", "--house", "1",
        ])
        .unwrap();
        let Command::Consultations { action: Some(ConsultationsAction::SmsCode { id: 4, identity }) } = a.command else {
            panic!("sms-code")
        };
        assert_eq!((identity.phone.as_deref(), identity.locality), (Some("600100200"), Some(3)));
    }
}
