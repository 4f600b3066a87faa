//! `mm notifications` (the bell: what the app raised and what the gmina
//! sent, with unread marks), `mm notifications read`, `mm notifications
//! settings` and `mm push`. Writes go through the core's outbox and are
//! sent at once when the server can be reached.

use mm_core::{
    ApnsEnvironment, Area, Core, CoreError, GeoPoint, Notification, NotificationLink,
    NotificationSettings, PushRegistration, PushStatus, QuietHours, SubscriptionEdit,
};
use serde::Serialize;

use crate::args::{NotificationsAction, PushAction, SettingsArgs};
use crate::format;
use crate::output::Output;

/// A notification with where it leads, as `--json` prints it.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    notification: &'a Notification,
    urgent: bool,
    link: NotificationLink,
}

pub async fn notifications(
    core: &Core,
    out: &Output,
    action: Option<NotificationsAction>,
) -> Result<(), CoreError> {
    match action {
        None => list(core, out),
        Some(NotificationsAction::Read { ids }) => {
            for id in &ids {
                core.notifications().mark_read(*id)?;
            }
            send(core).await;
            list(core, out)
        }
        Some(NotificationsAction::Settings(args)) => settings(core, out, args).await,
    }
}

fn list(core: &Core, out: &Output) -> Result<(), CoreError> {
    let items = core.notifications().list()?;
    let lines: Vec<Line<'_>> = items
        .iter()
        .map(|n| Line {
            notification: n,
            urgent: n.is_urgent(),
            link: n.link(),
        })
        .collect();
    out.show(&lines, |lines| {
        if lines.is_empty() {
            println!("Brak powiadomień.");
        }
        for l in lines {
            let n = l.notification;
            let mark = if n.read { " " } else { "•" };
            let alert = if l.urgent { "ALERT: " } else { "" };
            println!(
                "{mark} {:>4}  {} — {alert}{}",
                n.id,
                format::datetime(n.created_at),
                n.title
            );
            if let Some(to) = link_text(&l.link) {
                println!("         {to}");
            }
        }
    });
    Ok(())
}

fn link_text(link: &NotificationLink) -> Option<String> {
    Some(match link {
        NotificationLink::Nowhere => return None,
        NotificationLink::NewsItem { news_id } => format!("aktualność {news_id}"),
        NotificationLink::Report { report_id } => format!("mm report {report_id}"),
        NotificationLink::Event { event_id } => format!("mm event {event_id}"),
        NotificationLink::Consultation { consultation_id } => {
            format!("mm consultations show {consultation_id}")
        }
        NotificationLink::Url { url } => url.clone(),
    })
}

/// Sends what the outbox holds; offline the writes wait for `mm sync`.
async fn send(core: &Core) {
    if let Err(e) = core.flush_outbox().await {
        eprintln!(
            "Zapisano na urządzeniu; zostanie wysłane przy następnej synchronizacji ({}).",
            e.code()
        );
    }
}

async fn settings(core: &Core, out: &Output, args: SettingsArgs) -> Result<(), CoreError> {
    if args.changes() {
        let current = core.notifications().settings()?;
        let edit = edited(core, &current, &args)?;
        core.notifications().set_subscription(&edit)?;
        send(core).await;
    }
    let s = core.notifications().settings()?;
    out.show(&s, print_settings);
    refusal(
        &s.error_code,
        &s.error_text,
        s.state == mm_core::SettingsState::Refused,
    )
}

/// The current subscription with the flags applied.
fn edited(
    core: &Core,
    current: &NotificationSettings,
    args: &SettingsArgs,
) -> Result<SubscriptionEdit, CoreError> {
    let mut edit = SubscriptionEdit::from(&current.subscription);
    for (topic, on) in &args.topics {
        edit.topics.retain(|t| t != topic);
        if *on {
            edit.topics.push(*topic);
        }
    }
    if args.all_event_categories {
        edit.event_categories.clear();
    } else if !args.event_categories.is_empty() {
        edit.event_categories = args.event_categories.clone();
    }
    if args.whole_gmina {
        edit.areas.clear();
    } else if !args.localities.is_empty() || args.around.is_some() {
        edit.areas.clear();
        for l in &args.localities {
            edit.areas.push(Area::Locality {
                id: locality_id(core, l)?,
            });
        }
        if let Some((lat, lon, radius_m)) = args.around {
            edit.areas.push(Area::Around {
                point: GeoPoint { lat, lon },
                radius_m,
            });
        }
    }
    if args.no_quiet {
        edit.quiet_hours = None;
    } else if let Some((from, to)) = args.quiet {
        edit.quiet_hours = Some(QuietHours { from, to });
    }
    if let Some(lang) = args.lang {
        edit.lang = lang;
    }
    Ok(edit)
}

/// A locality by its id, or by its name (Polish letters and case optional).
fn locality_id(core: &Core, given: &str) -> Result<i64, CoreError> {
    let localities = core.localities()?;
    let wanted = mm_core::fold(given.trim());
    localities
        .iter()
        .find(|l| l.id.to_string() == given.trim() || mm_core::fold(&l.name) == wanted)
        .map(|l| l.id)
        .ok_or_else(|| CoreError::InvalidInput {
            field: "locality".into(),
            message: mm_core::Message::new(
                format!("Nie ma w gminie miejscowości „{given}” (mm sync pobiera ich listę)."),
                format!("The gmina has no locality “{given}” (mm sync fetches the list)."),
            ),
        })
}

fn print_settings(s: &NotificationSettings) {
    println!("Powiadomienia: {}", s.state_text.to_lowercase());
    if let (Some(code), Some(text)) = (&s.error_code, &s.error_text) {
        println!("  {text} ({code})");
    }
    for t in &s.topics {
        let on = if t.on { "wł." } else { "wył." };
        let fixed = if t.can_turn_off { "" } else { " (zawsze)" };
        println!("  [{on:>4}] {}{fixed}", t.label);
    }
    let sub = &s.subscription;
    if !sub.event_categories.is_empty() {
        println!("Kategorie wydarzeń: {}", sub.event_categories.join(", "));
    }
    if sub.areas.is_empty() {
        println!("Obszar: cała gmina");
    }
    for a in &sub.areas {
        match a {
            Area::Locality { id } => println!("Obszar: miejscowość {id}"),
            Area::Around { point, radius_m } => {
                println!(
                    "Obszar: {radius_m} m wokół {:.5}, {:.5}",
                    point.lat, point.lon
                )
            }
        }
    }
    match &sub.quiet_hours {
        Some(q) => println!(
            "Godziny ciszy: {}–{} (czas polski; alertów nie wstrzymują)",
            q.from.format("%H:%M"),
            q.to.format("%H:%M")
        ),
        None => println!("Godziny ciszy: brak"),
    }
    println!(
        "Język powiadomień: {}",
        if sub.lang == mm_core::Lang::En {
            "angielski"
        } else {
            "polski"
        }
    );
    println!();
    println!("{}", s.alerts_note);
}

pub async fn push(core: &Core, out: &Output, action: PushAction) -> Result<(), CoreError> {
    // `status` only shows; a register or unregister the server refused fails.
    let wrote = !matches!(action, PushAction::Status);
    match action {
        PushAction::Register {
            unifiedpush,
            p256dh,
            auth,
            fcm,
            apns,
            apns_sandbox,
        } => {
            let registration = match (unifiedpush, fcm, apns) {
                (Some(endpoint), _, _) => PushRegistration::WebPush {
                    endpoint,
                    p256dh: p256dh.unwrap_or_default(),
                    auth: auth.unwrap_or_default(),
                },
                (_, Some(token), _) => PushRegistration::Fcm { token },
                (_, _, Some(token_hex)) => PushRegistration::Apns {
                    token_hex,
                    environment: if apns_sandbox {
                        ApnsEnvironment::Sandbox
                    } else {
                        ApnsEnvironment::Production
                    },
                },
                _ => {
                    return Err(CoreError::InvalidInput {
                        field: "transport".into(),
                        message: mm_core::Message::new(
                            "Podaj --unifiedpush, --fcm albo --apns.",
                            "Give --unifiedpush, --fcm or --apns.",
                        ),
                    });
                }
            };
            core.notifications().register_push(registration)?;
            send(core).await;
        }
        PushAction::Unregister => {
            core.notifications().unregister_push()?;
            send(core).await;
        }
        PushAction::Status => {}
    }
    let s = core.notifications().push_status()?;
    out.show(&s, print_push);
    refusal(
        &s.error_code,
        &s.error_text,
        wrote && s.state == mm_core::PushState::Refused,
    )
}

/// A write the server refused ends the command with its code (exit 1).
fn refusal(code: &Option<String>, text: &Option<String>, refused: bool) -> Result<(), CoreError> {
    let (true, Some(code)) = (refused, code) else {
        return Ok(());
    };
    let text = text.clone().unwrap_or_default();
    match serde_json::from_value::<mm_core::ErrorCode>(serde_json::Value::String(code.clone())) {
        Ok(code) => Err(CoreError::Server {
            code,
            message: mm_core::Message::new(text.clone(), text),
            field: None,
        }),
        Err(_) => Err(CoreError::InvalidInput {
            field: code.clone(),
            message: mm_core::Message::new(text.clone(), text),
        }),
    }
}

fn print_push(s: &PushStatus) {
    let via = match s.transport {
        Some(t) => format!(" ({})", t.as_str()),
        None => String::new(),
    };
    println!("{}{via}", s.state_text);
    if let (Some(code), Some(text)) = (&s.error_code, &s.error_text) {
        println!("  {text} ({code})");
    }
}
