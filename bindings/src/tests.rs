use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use mm_core::{CoreError, ErrorCode, Message, SyncListener};

use crate::listener::Adapter;
use crate::*;

/// The live-object counter is process-wide; tests that create cores take turns.
static CORES: Mutex<()> = Mutex::new(());

fn config(dir: &std::path::Path, url: &str) -> CoreConfig {
    CoreConfig {
        data_dir: dir.to_string_lossy().into_owned(),
        server_url: Some(url.into()),
        platform: Platform::Cli,
        app_version: "1.0.0".into(),
        locale: Some("pl-PL".into()),
        gmina: Some("0223083".into()),
    }
}

#[test]
fn every_core_error_keeps_its_code_and_both_messages() {
    let m = Message::new("Zła wersja.", "Bad version.");
    let cases = [
        CoreError::Network { detail: "refused".into() },
        CoreError::Server { code: ErrorCode::InvalidCursor, message: m.clone(), field: Some("cursor".into()) },
        CoreError::InvalidInput { field: "to".into(), message: m.clone() },
        CoreError::NotFound { what: "news 7".into() },
        CoreError::Storage { detail: "disk".into() },
        CoreError::InvalidServerUrl { url: "ftp://x".into() },
        CoreError::Internal { detail: "bug".into() },
        CoreError::GminaNotChosen,
        CoreError::ActivationLocked { minutes: 15 },
        CoreError::TaxesNotLinked,
        CoreError::WasteAddressUnknown,
        CoreError::WasteBuildingTypeNeeded,
    ];
    for e in cases {
        let (code, message) = (e.code(), e.message());
        let (c, pl, en) = match MmError::from(e) {
            MmError::Network { code, message_pl, message_en, .. }
            | MmError::Server { code, message_pl, message_en, .. }
            | MmError::InvalidInput { code, message_pl, message_en, .. }
            | MmError::NotFound { code, message_pl, message_en, .. }
            | MmError::Storage { code, message_pl, message_en, .. }
            | MmError::InvalidServerUrl { code, message_pl, message_en, .. }
            | MmError::GminaNotChosen { code, message_pl, message_en }
            | MmError::ActivationLocked { code, message_pl, message_en, .. }
            | MmError::TaxesNotLinked { code, message_pl, message_en }
            | MmError::Internal { code, message_pl, message_en, .. } => (code, message_pl, message_en),
        };
        assert_eq!((c.as_str(), pl, en), (code, message.pl, message.en));
    }
}

#[test]
fn a_server_error_keeps_the_field() {
    let e = CoreError::Server { code: ErrorCode::InvalidField, message: Message::new("a", "b"), field: Some("title".into()) };
    assert!(matches!(MmError::from(e), MmError::Server { code, field: Some(f), .. } if code == "invalid_field" && f == "title"));
}

struct Failing(AtomicU32);

impl CoreListener for Failing {
    fn on_sync_progress(&self, _: SyncProgress) -> Result<(), ListenerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(ListenerError::Failed { reason: "boom".into() })
    }
    fn on_notification(&self, _: Notification) -> Result<(), ListenerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(uniffi::UnexpectedUniFFICallbackError { reason: "NullPointerException".into() }.into())
    }
}

#[test]
fn a_failing_listener_is_called_and_its_errors_stay_here() {
    let l = Arc::new(Failing(AtomicU32::new(0)));
    let adapter = Adapter(l.clone());
    adapter.on_progress(mm_core::SyncProgress { page: 1, applied_total: 3, has_more: false });
    adapter.on_notification(mm_core::Notification {
        id: 1,
        kind: "alert".into(),
        title: "t".into(),
        body: "b".into(),
        created_at: chrono::Utc::now(),
        read: false,
        entity_id: None,
        feed_id: None,
        feed_link: None,
    });
    assert_eq!(l.0.load(Ordering::SeqCst), 2);
}

#[test]
fn a_core_opens_offline_and_is_counted_until_dropped() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let before = live_core_objects();
    let core = MmCore::new(config(dir.path(), "http://127.0.0.1:1")).unwrap();
    assert_eq!(live_core_objects(), before + 1);
    assert_eq!(core.server_url(), "http://127.0.0.1:1");
    assert!(!core.status().unwrap().device_registered);
    assert!(core.news().unwrap().is_empty());
    drop(core);
    assert_eq!(live_core_objects(), before);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let err = MmCore::new(config(dir.path(), "ftp://nope")).err().expect("ftp is refused");
    assert!(matches!(err, MmError::InvalidServerUrl { ref code, .. } if code == "invalid_server_url"));
    let core = MmCore::new(config(dir.path(), "http://127.0.0.1:1")).unwrap();
    let err = core.events_between("2025-13-01".into(), "2025-12-31".into(), None).unwrap_err();
    assert!(matches!(err, MmError::InvalidInput { ref field, .. } if field == "from"));
    let err = core.news_item(424242).unwrap_err();
    assert!(matches!(err, MmError::NotFound { ref code, .. } if code == "not_found"));
}

#[test]
fn logging_starts_once_and_takes_any_level_string() {
    init_logging("mm_core=debug,info".into());
    init_logging("not a level at all".into());
    tracing::info!("logging works");
}

#[test]
fn a_draft_review_names_the_failing_field_and_labels_are_polish_first() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let core = MmCore::new(config(dir.path(), "http://127.0.0.1:1")).unwrap();
    let draft = core.create_report_draft("street_lamp".into()).unwrap();
    assert_eq!(draft.location_source, LocationSource::Pin);
    let review = core.report_review(draft.id.clone()).unwrap();
    let problem = review.problem.expect("no point yet");
    assert_eq!((problem.code.as_str(), problem.field.as_str()), ("invalid_input", "point"));
    assert!(review.possible_duplicates.is_empty());
    let err = core.submit_report_draft(draft.id.clone()).unwrap_err();
    assert!(matches!(err, MmError::InvalidInput { ref field, .. } if field == "point"));
    let update = ReportDraftUpdate {
        point: Some(GeoPoint { lat: 51.0335, lon: 17.15 }),
        location_source: Some(LocationSource::Gps),
        accuracy_m: Some(8.0),
        answers: Some([("kind".to_owned(), "not_lit".to_owned())].into()),
        ..Default::default()
    };
    let d = core.update_report_draft(draft.id.clone(), update).unwrap();
    assert_eq!((d.location_source, d.accuracy_m), (LocationSource::Gps, Some(8.0)));
    assert_eq!(d.answers.get("kind").map(String::as_str), Some("not_lit"));
    let err = core.add_report_photo(draft.id.clone(), b"not an image".to_vec()).unwrap_err();
    assert!(matches!(err, MmError::InvalidInput { .. }), "{err:?}");
    assert_eq!(report_status_label(ReportStatus::Accepted, false), "Przyjęte");
    assert_eq!(report_status_label(ReportStatus::Accepted, true), "Accepted");
    assert!(report_status_is_open(ReportStatus::InProgress) && !report_status_is_open(ReportStatus::Resolved));
    core.delete_report_draft(draft.id).unwrap();
    assert!(core.report_drafts().unwrap().is_empty());
}

#[test]
fn the_rules_the_shells_repeated_come_from_the_core() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let core = MmCore::new(CoreConfig { locale: Some("pl_PL".into()), ..config(dir.path(), "http://127.0.0.1:1") }).unwrap();
    assert_eq!(core.language(), Language::Polish);
    assert_eq!(report_step_for_field(Some("location_source".into())), ReportStep::Location);
    assert_eq!(report_step_for_field(Some("answers.kind".into())), ReportStep::Questions);
    assert_eq!(report_step_for_field(None), ReportStep::Review);
    assert_eq!(next_report_step(ReportStep::Photos, None), ReportStep::Description, "no questions: skipped");
    assert_eq!(previous_report_step(ReportStep::Description, None), ReportStep::Photos);
    let rules = core.report_rules();
    assert_eq!((rules.max_photos, rules.description_min_chars), (5, 10));
    let draft = core.create_report_draft("street_lamp".into()).unwrap();
    assert_eq!((draft.resume_step, draft.photo_slots_left), (ReportStep::Location, 5));
    let review = core.report_review(draft.id.clone()).unwrap();
    assert_eq!(review.problem.map(|p| p.step), Some(ReportStep::Location));
    let moved = nudge_point(GeoPoint { lat: 51.0, lon: 17.0 }, Direction::North, 5.0);
    assert!((moved.lat - 51.0 - 5.0 / 111_320.0).abs() < 1e-9);
    assert_eq!(core.format_distance(1234.0), "1,2 km");
    assert_eq!(core.datetime_text(1_796_144_400_000), "wt 1 gru 2026, 18:00");
    assert_eq!(core.need_label(AccessNeed::StepFree), "Wejście bez schodów");
    assert_eq!(core.layer_label(Layer::Monuments), "Zabytki");
    assert_eq!(core.wheelchair_label(Wheelchair::Unknown), "dostępność dla wózków: brak danych");
    assert_eq!(my_report_state_label(MyReportState::Queued, None, false), "Czeka na wysłanie");
    assert_eq!(my_report_state_label(MyReportState::Sent, Some(ReportStatus::Resolved), true), "Resolved");
    let internal = internal_error_message();
    assert_eq!((internal.code.as_str(), internal.message_pl.as_str()), ("internal", "Wystąpił nieoczekiwany błąd aplikacji."));
    let err = core.start_barrier_report(404).unwrap_err();
    assert!(matches!(err, MmError::NotFound { .. }), "{err:?}");
    drop(core);
    let english = MmCore::new(CoreConfig { locale: Some("en-GB".into()), ..config(dir.path(), "http://127.0.0.1:1") }).unwrap();
    assert_eq!(english.language(), Language::English);
    assert_eq!(english.format_distance(1234.0), "1.2 km");
}

/// The texts the Android screens needed beside those above: counts in the
/// Polish plural, day headings, the month's title, the calendar feed.
#[test]
fn counts_days_months_and_the_feed_come_from_the_core() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let core = MmCore::new(config(dir.path(), "http://127.0.0.1:8080")).unwrap();
    assert_eq!(core.count_text(1, Noun::Place), "1 miejsce");
    assert_eq!(core.count_text(5, Noun::Place), "5 miejsc");
    assert_eq!(core.count_text(3, Noun::BikePath), "3 ścieżki rowerowe");
    assert_eq!(core.count_text(2, Noun::SearchResult), "2 wyniki");
    assert_eq!(core.day_text("2026-12-02".into()).unwrap(), "śr 2 gru 2026");
    assert!(matches!(core.day_text("2.12.2026".into()), Err(MmError::InvalidInput { field, .. }) if field == "day"));
    let month = core.month(2026, 12).unwrap();
    assert_eq!((month.title_text.as_str(), month.days.len()), ("grudzień 2026", 0), "no events before a sync");
    let feed = core.calendar_feed(Some("kultura".into()));
    assert_eq!(feed.url, "http://127.0.0.1:8080/api/v1/calendar.ics?gmina=0223083&category=kultura");
    assert_eq!(feed.subscribe_url, "webcal://127.0.0.1:8080/api/v1/calendar.ics?gmina=0223083&category=kultura");
    drop(core);
    let english = MmCore::new(CoreConfig { locale: Some("en".into()), ..config(dir.path(), "http://127.0.0.1:8080") }).unwrap();
    assert_eq!(english.count_text(1, Noun::Event), "1 event");
    assert_eq!(english.month(2027, 1).unwrap().title_text, "January 2027");
}

/// A shell that gives no server address (Kotlin `null`, Swift `nil`, the
/// record's default) gets the deployment's, which only the core knows; an
/// address the shell gives, or one stored from Settings, still wins.
#[test]
fn no_server_url_means_the_deployments_default() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    if option_env!("MM_DEFAULT_SERVER_URL").is_none() {
        assert_eq!(default_server_url(), "https://mmieszkaniec.siechnice.gmina.pl");
    }
    let core = MmCore::new(CoreConfig { server_url: None, ..config(dir.path(), "unused") }).unwrap();
    assert_eq!(core.status().unwrap().server_url, default_server_url());
    assert_eq!(core.calendar_feed(None).url, format!("{}/api/v1/calendar.ics?gmina=0223083", default_server_url()));
    core.set_server_url("http://127.0.0.1:8080".into()).unwrap();
    drop(core);
    let reopened = MmCore::new(CoreConfig { server_url: None, ..config(dir.path(), "unused") }).unwrap();
    assert_eq!(reopened.status().unwrap().server_url, "http://127.0.0.1:8080", "the stored address wins");
    drop(reopened);
    let other = tempfile::tempdir().unwrap();
    let given = MmCore::new(config(other.path(), "http://127.0.0.1:9")).unwrap();
    assert_eq!(given.status().unwrap().server_url, "http://127.0.0.1:9", "a given address wins");
}

#[test]
fn storage_full_and_corrupt_keep_their_codes_across() {
    for (e, code) in [
        (CoreError::StorageFull { detail: "x".into() }, "storage_full"),
        (CoreError::StorageCorrupt { detail: "x".into() }, "storage_corrupt"),
    ] {
        assert!(matches!(MmError::from(e), MmError::Storage { code: c, .. } if c == code));
    }
}

/// The rule in parts crosses as EventKit needs it: UNTIL in epoch
/// milliseconds, weekdays by name, "every Tuesday" as ordinal 0.
#[test]
fn a_recurrence_crosses_with_until_in_milliseconds_and_named_weekdays() {
    let rule = mm_core::Recurrence::parse("FREQ=MONTHLY;BYDAY=-1FR,2TU;UNTIL=20991231T230000Z").unwrap();
    let r = crate::events::Recurrence::from(rule);
    assert_eq!(r.frequency, crate::events::RecurrenceFrequency::Monthly);
    assert_eq!((r.interval, r.count), (1, None));
    assert_eq!(r.until_ms, Some(4_102_441_200_000));
    let days: Vec<_> = r.by_day.iter().map(|d| (d.weekday, d.ordinal)).collect();
    assert_eq!(days, [(crate::events::DayOfWeek::Friday, -1), (crate::events::DayOfWeek::Tuesday, 2)]);
    let weekly = crate::events::Recurrence::from(mm_core::Recurrence::parse("FREQ=WEEKLY;BYDAY=TU;COUNT=4").unwrap());
    assert_eq!((weekly.count, weekly.by_day[0].ordinal), (Some(4), 0));
    assert!(mm_core::Recurrence::parse("FREQ=YEARLY").is_none(), "outside the protocol's subset");
}

/// The picker's calls across the boundary: nothing chosen is a state and
/// an error code; a malformed code is refused at open and at choice.
#[test]
fn the_gmina_choice_crosses_as_a_state_and_an_error() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let core = MmCore::new(CoreConfig { gmina: None, ..config(dir.path(), "http://127.0.0.1:9") }).unwrap();
    assert_eq!(core.gmina_choice().unwrap(), GminaChoice::NotChosen);
    assert!(matches!(core.home(), Err(MmError::GminaNotChosen { code, .. }) if code == "gmina_not_chosen"));
    assert_eq!(core.status().unwrap().gmina, None);
    assert!(matches!(core.choose_gmina("123".into()), Err(MmError::InvalidInput { field, .. }) if field == "teryt"));
    let chosen = core.choose_gmina("0223083".into()).unwrap();
    assert_eq!(chosen, GminaChoice::Chosen { teryt: "0223083".into(), name: None });
    assert_eq!(core.status().unwrap().gmina.as_deref(), Some("0223083"));
    assert!(core.calendar_feed(None).url.ends_with("calendar.ics?gmina=0223083"));
    drop(core);
    let bad = MmCore::new(CoreConfig { gmina: Some("02230".into()), ..config(dir.path(), "http://127.0.0.1:9") });
    assert!(matches!(bad, Err(MmError::InvalidInput { field, .. }) if field == "teryt"));
}

#[test]
fn notification_settings_and_push_cross_and_the_core_checks_them() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let core = MmCore::new(config(dir.path(), "http://127.0.0.1:1")).unwrap();
    let s = core.notification_settings().unwrap();
    assert_eq!(s.state, SubscriptionState::Default);
    assert_eq!(s.topics[0].topic, NotificationTopic::Alerts);
    assert!(s.topics.iter().all(|t| t.on) && !s.topics[0].can_turn_off);
    assert!(!s.alerts_note.is_empty());

    let edit = NotificationSettingsEdit {
        topics: vec![NotificationTopic::Events],
        event_categories: vec!["kultura".into()],
        localities: vec![3],
        around: vec![AroundArea { point: GeoPoint { lat: 51.1, lon: 17.1 }, radius_m: 1500 }],
        quiet_hours: Some(QuietHoursSetting { from_minute: 22 * 60, to_minute: 7 * 60 }),
        language: NotificationLanguage::English,
    };
    let s = core.set_notification_settings(edit.clone()).unwrap();
    assert_eq!(s.state, SubscriptionState::Queued);
    let on: Vec<_> = s.topics.iter().filter(|t| t.on).map(|t| t.topic).collect();
    assert_eq!(on, [NotificationTopic::Alerts, NotificationTopic::Events], "alerts stay on");
    assert_eq!((s.localities, s.around.len(), s.quiet_hours), (vec![3], 1, edit.quiet_hours));
    assert_eq!(s.language, NotificationLanguage::English);

    let mut bad = edit.clone();
    bad.around[0].radius_m = 50;
    let e = core.set_notification_settings(bad).unwrap_err();
    assert!(matches!(&e, MmError::InvalidInput { field, .. } if field == "areas[1].radius_m"), "{e:?}");
    let mut bad = edit;
    bad.quiet_hours = Some(QuietHoursSetting { from_minute: 1440, to_minute: 0 });
    assert!(matches!(core.set_notification_settings(bad), Err(MmError::InvalidInput { .. })));

    assert_eq!(core.push_status().unwrap().state, PushState::None);
    let e = core
        .register_push(PushRegistrationInput::UnifiedPush {
            endpoint: "http://push.example.org/1".into(),
            p256dh: "x".into(),
            auth: "y".into(),
        })
        .unwrap_err();
    assert!(matches!(&e, MmError::InvalidInput { field, .. } if field == "endpoint"), "{e:?}");
    let s = core.register_push(PushRegistrationInput::Fcm { token: "fcm-1".into() }).unwrap();
    assert_eq!((s.state, s.transport), (PushState::Queued, Some(PushTransport::Fcm)));
    assert_eq!(core.unregister_push().unwrap().state, PushState::Removing);
}

#[test]
fn waste_prefs_screen_and_errors_cross() {
    let _turn = CORES.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let core = MmCore::new(config(dir.path(), "http://127.0.0.1:1")).unwrap();
    let p = core.waste_reminder_prefs().unwrap();
    assert_eq!((p.enabled, p.days_before, p.at_minute, p.muted.len()), (true, 1, 18 * 60, 0), "the evening before, 18:00");
    let edit = WasteReminderPrefs { enabled: true, days_before: 2, at_minute: 7 * 60 + 30, muted: vec!["paper".into(), "custom:choinki".into()] };
    core.set_waste_reminder_prefs(edit.clone()).unwrap();
    assert_eq!(core.waste_reminder_prefs().unwrap(), edit);
    let e = core.set_waste_reminder_prefs(WasteReminderPrefs { days_before: 4, ..edit.clone() }).unwrap_err();
    assert!(matches!(&e, MmError::InvalidInput { field, .. } if field == "days_before"), "{e:?}");
    let e = core.set_waste_reminder_prefs(WasteReminderPrefs { muted: vec!["papeir".into()], ..edit.clone() }).unwrap_err();
    assert!(matches!(&e, MmError::InvalidInput { field, .. } if field == "reminder"), "{e:?}");
    assert!(core.waste_screen("2026-12-03".into(), 5).unwrap().addresses.is_empty());
    assert!(matches!(core.waste_screen("3.12.2026".into(), 5), Err(MmError::InvalidInput { .. })));
    assert!(core.waste_search("szklo".into(), 5).unwrap().is_empty(), "nothing fetched yet");
    assert!(core.waste_reminders(0, 1_900_000_000_000).unwrap().is_empty());
    assert!(matches!(core.waste_ics(1), Err(MmError::NotFound { .. })));
    let e = MmError::from(CoreError::WasteBuildingTypeNeeded);
    assert!(matches!(&e, MmError::InvalidInput { code, field, .. } if code == "waste_building_type_needed" && field == "building"));
}

#[test]
fn every_link_of_the_feed_crosses() {
    let link = |l: mm_core::NotificationLink| NotificationLink::from(l);
    assert_eq!(link(mm_core::NotificationLink::Event { event_id: 4 }), NotificationLink::Event { event_id: 4 });
    assert_eq!(
        link(mm_core::NotificationLink::Consultation { consultation_id: 5 }),
        NotificationLink::Consultation { consultation_id: 5 }
    );
    assert_eq!(
        link(mm_core::NotificationLink::Url { url: "https://x.pl/".into() }),
        NotificationLink::Url { url: "https://x.pl/".into() }
    );
}
