//! The demo's notifications (issue 16 §7): what Siechnice's officials
//! would have sent around the demo's content: the two alert news items'
//! own notifications, an event, the open consultation and a waste notice.
//! Sent on the first start; a device that registers afterwards finds them
//! in its feed through the welcome feed
//! (`store::notifications::WELCOME_FEED_DAYS`). Once per database.

use chrono::{DateTime, Utc};
use mm_protocol::news::Priority;
use mm_protocol::notifications::{Link, Target, Topic};

use crate::notifications::fanout::{FanOutJob, fan_out};
use crate::store::notifications::NewNotification;
use crate::store::{Actor, Store, StoreResult};

/// The setting that says this database has them.
pub const LOADED_KEY: &str = "demo_notifications_loaded";

fn official() -> Actor {
    Actor("demo".into())
}

fn broadcast(topic: Topic, title: &str, body: String, link: Option<Link>, now: DateTime<Utc>) -> NewNotification {
    NewNotification {
        class: topic.class(),
        target: Target { topic, event_category: None, areas: vec![] },
        title: title.into(),
        body,
        link,
        report: None,
        send_at: now,
        now,
        fan_out_job: FanOutJob::for_notification,
    }
}

/// Sends Siechnice's unless this database has them; true when it did.
pub async fn load_siechnice(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<bool> {
    if store.setting(LOADED_KEY).await?.is_some() {
        return Ok(false);
    }
    let mut sent = Vec::new();
    for news in store.list_news().await?.iter().filter(|n| n.priority == Priority::Alert) {
        sent.extend(crate::notifications::news::notification_for(news, now));
    }
    if let Some(event) = store.list_events(None).await?.into_iter().find(|e| e.title.starts_with("Jarmark")) {
        sent.push(broadcast(
            Topic::Events,
            &event.title,
            "Stoiska z rękodziełem, kolędy i Mikołaj dla dzieci. Dodaj wydarzenie do kalendarza w aplikacji.".into(),
            Some(Link::Event { id: event.id }),
            now,
        ));
    }
    if let Some(c) = store.consultations(false).await?.into_iter().find(|c| c.title.starts_with("Nowa biblioteka")) {
        sent.push(broadcast(
            Topic::Consultations,
            "Konsultacje: gdzie stanie nowa biblioteka?",
            format!(
                "Wypełnij ankietę do {}. Liczy się głos każdego mieszkańca gminy.",
                c.closes_at.with_timezone(&mm_protocol::LOCAL_TZ).format("%d.%m.%Y")
            ),
            Some(Link::Consultation { id: c.id }),
            now,
        ));
    }
    sent.push(broadcast(
        Topic::Waste,
        "Choinki odbierzemy w styczniu",
        "Naturalne choinki bez ozdób i stojaków wystaw przy pojemniku na bio w dniu odbioru bioodpadów w styczniu.".into(),
        None,
        now,
    ));
    for n in sent {
        let id = store.create_notification(official(), n).await?;
        // Fanned out now, before the server listens (`demo::start` runs
        // first): every device registers after them and finds them in its
        // welcome feed, never as pushes. Their jobs then find them sent.
        fan_out(store, id, now).await?;
    }
    store.put_setting(official(), LOADED_KEY, Some(now.to_rfc3339()), now).await?;
    Ok(true)
}
