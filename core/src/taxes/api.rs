//! `core.taxes()`: the household's liabilities with interest to any day
//! (offline too), the transfer QR, paying through the gateway, reminders.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use mm_protocol::error::ErrorCode;
use mm_protocol::taxes::activation::normalise_code;
use mm_protocol::taxes::statement::{statement, view};
use mm_protocol::taxes::zbp::transfer_title;
use mm_protocol::taxes::{AppPaymentSummary, LiabilityRecord, LiabilityView, PaymentStatus, Taxpayer, ZbpCode};
use rusqlite::Connection;

use super::fetch::{self, PayPayload, UnlinkPayload};
use super::model::{
    TaxLiabilityDetail, TaxPaymentLine, TaxPaymentState, TaxPaymentStatus, TaxReminder, TaxesScreen, account_text,
    summary,
};
use super::store::{self, LocalPayment, Settings};
use super::{qr, reminders};
use crate::display::{self, Language};
use crate::error::{CoreError, Error};
use crate::gminas::Tenant;
use crate::sync::client::HttpError;
use crate::{Core, devices, outbox};

/// Local taxes and payments; from `Core::taxes`.
pub struct TaxesApi<'a> {
    pub(crate) core: &'a Core,
}

impl TaxesApi<'_> {
    /// Links this device to the taxpayer of an activation code (printed on
    /// the tax decision, or from the office), then fetches the
    /// liabilities. Online only. A malformed or wrong code:
    /// `invalid_activation_code`; too many wrong ones: `activation_locked`
    /// with the minutes to wait; offline: `network`.
    pub async fn link(&self, code: &str) -> Result<Taxpayer, CoreError> {
        let Some(code) = normalise_code(code) else {
            return Err(invalid_code());
        };
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        let token = self.token(&tenant, &base).await?;
        let taxpayer = fetch::link(&tenant.http, &base, &token, &code).await.map_err(Error::from)?;
        tenant.store.write(|tx| store::upsert_taxpayer(tx, &taxpayer, Utc::now()))?;
        // Linked whatever comes next: the figures follow with the next refresh.
        if let Err(e) = refresh(&tenant, &base, &token).await {
            tracing::warn!(code = CoreError::from(&e).code(), "taxes: the liabilities after linking did not come");
        }
        Ok(taxpayer)
    }

    /// Forgets one taxpayer (`None`: all) on this device at once: their
    /// liabilities and payments, in one transaction. The server's side
    /// (`DELETE /taxes/link`) goes through the outbox, now when online.
    pub async fn unlink(&self, taxpayer: Option<String>) -> Result<(), CoreError> {
        let tenant = self.core.store.get()?;
        if let Some(t) = &taxpayer
            && !tenant.store.read(store::taxpayers)?.iter().any(|known| &known.id == t)
        {
            return Err(CoreError::not_found(format!("taxpayer {t}")));
        }
        tenant.store.write(|tx| {
            store::delete_taxpayers(tx, taxpayer.as_deref())?;
            outbox::enqueue(tx, outbox::Kind::TaxUnlink, &UnlinkPayload { taxpayer: taxpayer.clone() }, Utc::now())?;
            Ok(())
        })?;
        if let Err(e) = self.core.flush(&tenant, &self.core.server_url()).await {
            tracing::info!(code = CoreError::from(&e).code(), "taxes: the unlink waits in the outbox");
        }
        Ok(())
    }

    /// Fetches the liabilities as of today (also done by `sync` when a
    /// taxpayer is linked). Sends what the outbox holds first, so a payment
    /// or an unlink made offline counts.
    pub async fn refresh(&self) -> Result<(), CoreError> {
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        if let Err(e) = self.core.flush(&tenant, &base).await {
            tracing::info!(code = CoreError::from(&e).code(), "taxes: the outbox could not be sent before refreshing");
        }
        let token = self.token(&tenant, &base).await?;
        Ok(refresh(&tenant, &base, &token).await?)
    }

    /// The linked taxpayers.
    pub fn taxpayers(&self) -> Result<Vec<Taxpayer>, CoreError> {
        Ok(self.core.store.read(store::taxpayers)?)
    }

    /// The liabilities screen as of `today`, from the local copy: interest
    /// is recomputed to that day with the gmina's stored rules, so it is
    /// right offline too. Nothing linked: empty lists.
    pub fn screen(&self, today: NaiveDate) -> Result<TaxesScreen, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(|c| {
            let taxpayers = store::taxpayers(c)?;
            let settings = store::settings(c)?;
            let views = views(c, settings.as_ref(), today)?;
            let name_of = |id: &str| taxpayers.iter().find(|t| t.id == id).map(|t| t.name.clone()).unwrap_or_default();
            let liabilities: Vec<_> = views.iter().map(|v| summary(v, &name_of(&v.record.taxpayer), lang)).collect();
            let total: i64 = views.iter().map(|v| v.total_grosze).sum();
            let overdue: i64 = views.iter().filter(|v| today > v.effective_due_date).map(|v| v.total_grosze).sum();
            let fetched_at = settings.as_ref().map(|s| s.fetched_at);
            Ok(TaxesScreen {
                as_of: today,
                taxpayers,
                liabilities,
                total_grosze: total,
                total_text: display::money_text(total, lang),
                overdue_grosze: overdue,
                overdue_text: display::money_text(overdue, lang),
                fetched_text: match fetched_at {
                    Some(t) => format!("{} {}", lang.pick("Stan na", "As of"), display::datetime_text(t, lang)),
                    None => lang.pick("Jeszcze nie pobrano", "Not fetched yet").to_owned(),
                },
                fetched_at,
                payments_enabled: settings.is_some_and(|s| s.payments_enabled),
            })
        })?)
    }

    /// One liability as of `today`: its figures, payments, and the
    /// transfer QR (payload and module matrix) for paying its total.
    pub fn liability(&self, id: &str, today: NaiveDate) -> Result<TaxLiabilityDetail, CoreError> {
        let lang = self.core.language();
        let (v, settings, name) = self.one(id, today)?;
        let r = &v.record;
        let (qr_size, qr_modules) = if v.zbp.payload.is_empty() { (0, Vec::new()) } else { qr::matrix(&v.zbp.payload)? };
        let amount_in_code = v.zbp.amount_grosze.is_some();
        let amount_note = (!amount_in_code && v.total_grosze > 0).then(|| match lang {
            Language::Polish => format!(
                "Kwota {} przekracza 9 999,99 zł i nie mieści się w kodzie: wpisz ją w aplikacji banku.",
                display::money_text(v.total_grosze, lang)
            ),
            Language::English => format!(
                "The amount {} is above PLN 9,999.99 and does not fit the code: type it in your banking app.",
                display::money_text(v.total_grosze, lang)
            ),
        });
        let mut payments: Vec<TaxPaymentLine> = r
            .payments
            .iter()
            .map(|p| payment_line(Some(p.date), p.amount_grosze, true, lang))
            .chain(
                v.app_payments
                    .iter()
                    .filter(|p| p.status == PaymentStatus::Paid && !p.booked)
                    .map(|p| payment_line(p.paid_on, p.amount_grosze, false, lang)),
            )
            .collect();
        payments.sort_by_key(|p| p.date);
        Ok(TaxLiabilityDetail {
            summary: summary(&v, &name, lang),
            decision: r.decision.clone(),
            account: r.account.clone(),
            account_text: account_text(&r.account),
            recipient_name: settings.recipient.name.clone(),
            transfer_title: transfer_title(r),
            payments,
            zbp_payload: v.zbp.payload.clone(),
            amount_in_code,
            amount_note,
            qr_size,
            qr_modules,
            can_pay: settings.payments_enabled && v.total_grosze > 0,
        })
    }

    /// The figures and the ZBP payload of one liability as of `today`, as
    /// the API states them (`mm taxes --json`).
    pub fn view(&self, id: &str, today: NaiveDate) -> Result<LiabilityView, CoreError> {
        Ok(self.one(id, today)?.0)
    }

    /// Every liability as of `today`, as the API states them.
    pub fn views(&self, today: NaiveDate) -> Result<Vec<LiabilityView>, CoreError> {
        Ok(self.core.store.read(|c| views(c, store::settings(c)?.as_ref(), today))?)
    }

    /// Pays a liability through the gmina's gateway: `amount` in grosze
    /// (1 gr up to the total as of today; `None`: the total). The payment
    /// is queued in the outbox with an idempotency key and sent now when
    /// online; the answer is the local payment's id, to follow with
    /// [`TaxesApi::payment`] (its `redirect_url` is where the payer
    /// finishes). A refusal comes back as the server's error
    /// (`payments_disabled`, `invalid_field`, `not_found`); a gateway that
    /// is down (`gateway_unavailable`) or no network leaves it queued.
    pub async fn pay(&self, liability: &str, amount: Option<i64>) -> Result<String, CoreError> {
        let today = display::local_day(Utc::now());
        let (v, settings, _) = self.one(liability, today)?;
        if !settings.payments_enabled {
            return Err(payments_disabled());
        }
        let amount = amount.unwrap_or(v.total_grosze);
        if v.total_grosze < 1 {
            return Err(CoreError::InvalidInput {
                field: "liability".into(),
                message: mm_protocol::error::Message::new("Nie ma nic do zapłaty.", "There is nothing to pay."),
            });
        }
        if !(1..=v.total_grosze).contains(&amount) {
            let total = display::money_text(v.total_grosze, Language::Polish);
            let total_en = display::money_text(v.total_grosze, Language::English);
            return Err(CoreError::InvalidInput {
                field: "amount_grosze".into(),
                message: mm_protocol::error::Message::new(
                    format!("Kwota musi wynosić od 0,01 zł do {total}."),
                    format!("The amount must be between PLN 0.01 and {total_en}."),
                ),
            });
        }
        let tenant = self.core.store.get()?;
        let id = uuid::Uuid::new_v4().to_string();
        tenant.store.write(|tx| {
            let now = Utc::now();
            let outbox_id = outbox::enqueue(tx, outbox::Kind::TaxPayment, &PayPayload { payment: id.clone() }, now)?;
            let idempotency_key: String =
                tx.query_row("SELECT idempotency_key FROM outbox WHERE id = ?1", [outbox_id], |r| r.get(0))?;
            store::insert_payment(
                tx,
                &LocalPayment {
                    id: id.clone(),
                    liability: v.record.id.clone(),
                    taxpayer: v.record.taxpayer.clone(),
                    amount_grosze: amount,
                    idempotency_key,
                    outbox_id: Some(outbox_id),
                    state: TaxPaymentStatus::Queued,
                    server_id: None,
                    redirect_url: None,
                    paid_at: None,
                    booked: false,
                    error: None,
                    created_at: now,
                },
            )
        })?;
        if let Err(e) = self.core.flush(&tenant, &self.core.server_url()).await {
            tracing::info!(code = CoreError::from(&e).code(), "taxes: the payment waits in the outbox");
        }
        let p = tenant.store.read(|c| store::payment(c, &id))?.ok_or_else(|| CoreError::not_found("payment"))?;
        if p.state == TaxPaymentStatus::Refused {
            return Err(stored_error(&p));
        }
        Ok(id)
    }

    /// Where a payment made here stands. A queued one is sent now; a
    /// pending one is asked of the server (`GET /taxes/payments/{id}`);
    /// offline, the last known state.
    pub async fn payment(&self, id: &str) -> Result<TaxPaymentState, CoreError> {
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        let p = local_payment(&tenant, id)?;
        if p.state == TaxPaymentStatus::Queued
            && let Some(item) = p.outbox_id
        {
            // The resident is waiting for this one: no backoff.
            tenant.store.write(|tx| {
                tx.execute(
                    "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1 AND state = 'pending'",
                    rusqlite::params![item, crate::store::ts(Utc::now())],
                )?;
                Ok(())
            })?;
            if let Err(e) = self.core.flush(&tenant, &base).await {
                tracing::info!(code = CoreError::from(&e).code(), "taxes: the payment still waits");
            }
        } else if p.state == TaxPaymentStatus::Pending
            && let Some(server_id) = &p.server_id
            && let Some(token) = tenant.store.read(devices::token)?
        {
            match fetch::payment(&tenant.http, &base, &token, server_id).await {
                Ok(answer) => tenant.store.write(|tx| store::update_from_server(tx, id, &answer, Utc::now()))?,
                Err(HttpError::Network(_)) => {}
                Err(e) => return Err(Error::from(e).into()),
            }
        }
        Ok(payment_state(local_payment(&tenant, id)?, self.core.language()))
    }

    /// Payments made on this device, oldest first.
    pub fn payments(&self) -> Result<Vec<TaxPaymentState>, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(store::payments)?.into_iter().map(|p| payment_state(p, lang)).collect())
    }

    /// The printable confirmation (HTML) of a paid payment.
    pub async fn receipt(&self, id: &str) -> Result<String, CoreError> {
        let tenant = self.core.store.get()?;
        let p = local_payment(&tenant, id)?;
        let (TaxPaymentStatus::Paid, Some(server_id)) = (p.state, &p.server_id) else {
            return Err(CoreError::InvalidInput {
                field: "payment".into(),
                message: mm_protocol::error::Message::new(
                    "Potwierdzenie jest dostępne po opłaceniu płatności.",
                    "The confirmation is available once the payment is paid.",
                ),
            });
        };
        let base = self.core.server_url();
        let token = self.token(&tenant, &base).await?;
        Ok(fetch::receipt(&tenant.http, &base, &token, server_id).await.map_err(Error::from)?)
    }

    /// Instalments with something to pay due today or within the
    /// resident's reminder days, soonest first.
    pub fn reminders(&self, today: NaiveDate) -> Result<Vec<TaxReminder>, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(|c| {
            let days = reminders::days(c)?;
            let views = views(c, store::settings(c)?.as_ref(), today)?;
            Ok(reminders::due(&views, today, days, lang))
        })?)
    }

    /// Days before the due date a reminder comes (1..=7, default 3).
    pub fn reminder_days(&self) -> Result<u32, CoreError> {
        Ok(self.core.store.read(reminders::days)?)
    }

    /// 0 or more than 7: `invalid_input` on `reminder_days`.
    pub fn set_reminder_days(&self, days: u32) -> Result<(), CoreError> {
        Ok(self.core.store.write(|tx| reminders::set_days(tx, days))?)
    }

    // ---- helpers ----

    fn one(&self, id: &str, today: NaiveDate) -> Result<(LiabilityView, Settings, String), CoreError> {
        self.core.store.read(|c| {
            let Some(settings) = store::settings(c)?.filter(|_| store::is_linked(c).unwrap_or(false)) else {
                return Ok(Err(CoreError::TaxesNotLinked));
            };
            let Some(l) = store::liability(c, id)? else {
                return Ok(Err(CoreError::not_found(format!("liability {id}"))));
            };
            let name = store::taxpayers(c)?.into_iter().find(|t| t.id == l.record.taxpayer).map(|t| t.name);
            let app = with_local_payments(l.app_payments, &l.record, &store::payments(c)?);
            Ok(Ok((view_of(l.record, app, today, &settings), settings, name.unwrap_or_default())))
        })?
    }

    /// The device token, registering the device first when it has none.
    async fn token(&self, tenant: &Arc<Tenant>, base: &str) -> Result<String, CoreError> {
        if let Some(t) = tenant.store.read(devices::token)? {
            return Ok(t);
        }
        self.core.flush(tenant, base).await?;
        tenant.store.read(devices::token)?.ok_or_else(|| CoreError::Network {
            detail: "the device is not registered yet".into(),
        })
    }
}

/// `GET /taxes/liabilities` into the store, after sending what the outbox
/// holds (the caller flushed) — shared by `refresh`, `link` and `sync`.
pub(crate) async fn refresh(tenant: &Tenant, base: &str, token: &str) -> Result<(), Error> {
    let today = display::local_day(Utc::now());
    let resp = fetch::liabilities(&tenant.http, base, token, today).await?;
    tenant.store.write(|tx| fetch::apply(tx, &resp, Utc::now()))
}

/// Called by `sync` when a taxpayer is linked: a failure is logged, never
/// fails the sync (the figures are recomputed offline meanwhile).
pub(crate) async fn refresh_if_linked(tenant: &Tenant, base: &str) {
    let Ok(true) = tenant.store.read(store::is_linked) else { return };
    let Ok(Some(token)) = tenant.store.read(devices::token) else { return };
    if let Err(e) = refresh(tenant, base, &token).await {
        tracing::warn!(code = CoreError::from(&e).code(), "taxes: refresh during sync failed");
    }
}

fn views(c: &Connection, settings: Option<&Settings>, today: NaiveDate) -> Result<Vec<LiabilityView>, Error> {
    let Some(settings) = settings else {
        return Ok(Vec::new());
    };
    let local = store::payments(c)?;
    let mut out: Vec<LiabilityView> = store::liabilities(c)?
        .into_iter()
        .map(|l| {
            let app = with_local_payments(l.app_payments, &l.record, &local);
            view_of(l.record, app, today, settings)
        })
        .collect();
    out.sort_by(|a, b| a.effective_due_date.cmp(&b.effective_due_date).then(a.record.id.cmp(&b.record.id)));
    Ok(out)
}

/// The server's summaries of app payments, plus the payments this device
/// saw paid that the server's last answer did not know of yet (paid after
/// the last refresh): the balance shows them at once, offline too.
fn with_local_payments(
    mut app: Vec<AppPaymentSummary>,
    record: &LiabilityRecord,
    local: &[LocalPayment],
) -> Vec<AppPaymentSummary> {
    for p in local.iter().filter(|p| p.liability == record.id && p.state == TaxPaymentStatus::Paid) {
        let id = p.server_id.clone().unwrap_or_else(|| p.id.clone());
        if app.iter().any(|a| a.id == id) {
            continue;
        }
        app.push(AppPaymentSummary {
            id,
            amount_grosze: p.amount_grosze,
            status: PaymentStatus::Paid,
            paid_on: Some(display::local_day(p.paid_at.unwrap_or(p.created_at))),
            booked: p.booked,
        });
    }
    app
}

/// The protocol's view; a liability whose account or the gmina's NIP does
/// not check keeps its figures, without a QR.
fn view_of(record: LiabilityRecord, app: Vec<AppPaymentSummary>, today: NaiveDate, s: &Settings) -> LiabilityView {
    match view(record.clone(), app.clone(), today, &s.rules, &s.recipient) {
        Ok(v) => v,
        Err(_) => {
            let st = statement(&record, &app, today, &s.rules);
            LiabilityView {
                record,
                app_payments: app,
                effective_due_date: st.effective_due_date,
                paid_grosze: st.paid_grosze,
                remaining_grosze: st.remaining_grosze,
                interest_grosze: st.interest_grosze,
                total_grosze: st.total_grosze,
                status: st.status,
                zbp: ZbpCode { payload: String::new(), amount_grosze: None },
            }
        }
    }
}

fn payment_line(date: Option<NaiveDate>, amount: i64, booked: bool, lang: Language) -> TaxPaymentLine {
    let money = display::money_text(amount, lang);
    TaxPaymentLine {
        date,
        amount_grosze: amount,
        text: match date {
            Some(d) => format!("{}: {money}", display::date_text(d, lang)),
            None => money,
        },
        booked,
    }
}

fn local_payment(tenant: &Tenant, id: &str) -> Result<LocalPayment, CoreError> {
    tenant.store.read(|c| store::payment(c, id))?.ok_or_else(|| CoreError::not_found(format!("payment {id}")))
}

fn payment_state(p: LocalPayment, lang: Language) -> TaxPaymentState {
    TaxPaymentState {
        amount_text: display::money_text(p.amount_grosze, lang),
        status_text: p.state.label(p.booked, lang).to_owned(),
        receipt_available: p.state == TaxPaymentStatus::Paid && p.server_id.is_some(),
        error_code: p.error.as_ref().map(|e| e.code.clone()),
        error_text: p.error.as_ref().map(|e| lang.pick(&e.message.pl, &e.message.en).to_owned()),
        id: p.id,
        liability: p.liability,
        amount_grosze: p.amount_grosze,
        status: p.state,
        redirect_url: p.redirect_url,
        server_id: p.server_id,
        created_at: p.created_at,
        paid_at: p.paid_at,
        booked: p.booked,
    }
}

/// The server's refusal kept on the payment, as the error `pay` returns.
fn stored_error(p: &LocalPayment) -> CoreError {
    match &p.error {
        Some(e) => CoreError::Server {
            code: serde_json::from_value(serde_json::Value::String(e.code.clone())).unwrap_or(ErrorCode::Unknown),
            message: e.message.clone(),
            field: None,
        },
        None => CoreError::Internal { detail: "a refused payment without its reason".into() },
    }
}

fn invalid_code() -> CoreError {
    CoreError::server(
        ErrorCode::InvalidActivationCode,
        "Nieprawidłowy kod aktywacyjny. Sprawdź kod z decyzji podatkowej.",
        "Invalid activation code. Check the code on the tax decision.",
    )
}

fn payments_disabled() -> CoreError {
    CoreError::server(
        ErrorCode::PaymentsDisabled,
        "Płatności w aplikacji są w tej gminie wyłączone: zapłać przelewem (kod QR).",
        "Payments in the app are off in this municipality: pay by transfer (the QR code).",
    )
}
