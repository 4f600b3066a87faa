//! An edition's pools (issue 15 §7 item 2): the gmina-wide pool and area
//! pools (a locality or a group of localities, art. 5a ust. 6 u.s.g.),
//! each with its amount in whole złoty, its residents (for the signature
//! cap, art. 5a ust. 7 pkt 1) and its counting rule.
//!
//! - `GET /admin/budget/editions/{id}/pools/new`, `POST
//!   /admin/budget/editions/{id}/pools`: a new pool;
//! - `GET|POST /admin/budget/editions/{id}/pools/{pool}`: edit one.
//!
//! Checked by `validate_settings` over the edition's settings and all its
//! pools with this one (the same check the settings' form makes), and the
//! localities must be the gmina's; each problem by its field, nothing
//! saved on error. The store refuses once voting has started
//! (`Conflict::EditionLocked`) and audits each save (`budget.pool`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{Edition, Pool, PoolKind, validate_settings};

use super::{Errors, MAX_TEXT, edition_or_404, parse_zloty, permit, say, zloty_input};
use crate::admin::session::{Form, Staff};
use crate::admin::view::{AdminError, AdminResult, Lang, Page, PageCtx};
use crate::store::budget::edition_locked;
use crate::store::{Conflict, StoreError};
use crate::tenant::Tenant;

/// The pool as typed.
#[derive(Default)]
struct PoolForm {
    /// `gmina_wide` or `area`.
    kind: String,
    name: String,
    amount: String,
    localities: Vec<i64>,
    residents: String,
    signatures_required: String,
    /// `greedy`, `mes` or `mes_comparison`.
    counting: String,
    min_votes: String,
}

impl PoolForm {
    fn of(p: &Pool) -> PoolForm {
        let (counting, min_votes) = match p.counting {
            CountingRule::Greedy { min_votes } => ("greedy", min_votes),
            CountingRule::EqualSharesAdd1 { comparison: false } => ("mes", 0),
            CountingRule::EqualSharesAdd1 { comparison: true } => ("mes_comparison", 0),
        };
        PoolForm {
            kind: match p.kind {
                PoolKind::GminaWide => "gmina_wide",
                PoolKind::Area => "area",
            }
            .into(),
            name: p.name.clone(),
            amount: zloty_input(p.amount_grosze),
            localities: p.localities.clone(),
            residents: p.residents.to_string(),
            signatures_required: p.signatures_required.to_string(),
            counting: counting.into(),
            min_votes: min_votes.to_string(),
        }
    }

    fn parse(f: &Form) -> PoolForm {
        let get = |k: &str| f.get(k).unwrap_or_default().trim().to_owned();
        PoolForm {
            kind: get("kind"),
            name: f.get("name").unwrap_or_default().to_owned(),
            amount: get("amount"),
            // An id that does not parse is no locality of the gmina: `build` refuses it.
            localities: f.all("localities").iter().map(|l| l.trim().parse().unwrap_or(-1)).collect(),
            residents: get("residents"),
            signatures_required: get("signatures_required"),
            counting: get("counting"),
            min_votes: get("min_votes"),
        }
    }

    /// The pool (`id` 0 for a new one), or every field that does not parse.
    fn build(&self, lang: Lang, id: i64, gmina_localities: &[i64]) -> Result<Pool, Errors> {
        let mut errors = Errors::new();
        let mut bad = |field: &str, pl: &str, en: &str| {
            errors.entry(field.to_owned()).or_insert_with(|| lang.t(pl, en).to_owned());
        };
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            bad("name", "Podaj nazwę puli.", "Enter the pool's name.");
        } else if name.chars().count() > MAX_TEXT {
            bad("name", "Nazwa może mieć najwyżej 200 znaków.", "The name may have at most 200 characters.");
        }
        let kind = match self.kind.as_str() {
            "gmina_wide" => PoolKind::GminaWide,
            "area" => PoolKind::Area,
            _ => {
                bad("kind", "Wybierz rodzaj puli.", "Choose the pool's kind.");
                PoolKind::GminaWide
            }
        };
        let amount = parse_zloty(&self.amount).unwrap_or_else(|| {
            bad("amount", "Podaj kwotę w złotych (np. 150000).", "Enter the amount in złoty (e.g. 150000).");
            0
        });
        let residents = self.residents.parse::<u32>().unwrap_or_else(|_| {
            bad("residents", "Podaj liczbę mieszkańców (liczba całkowita).", "Enter the residents (a whole number).");
            0
        });
        let signatures_required = self.signatures_required.parse::<u32>().unwrap_or_else(|_| {
            bad("signatures_required", "Podaj liczbę podpisów (liczba całkowita).", "Enter the signatures (a whole number).");
            0
        });
        let counting = match self.counting.as_str() {
            "greedy" => CountingRule::Greedy {
                min_votes: if self.min_votes.is_empty() {
                    0
                } else {
                    self.min_votes.parse::<u32>().unwrap_or_else(|_| {
                        bad("min_votes", "Podaj próg głosów (liczba całkowita).", "Enter the vote threshold (a whole number).");
                        0
                    })
                },
            },
            "mes" => CountingRule::EqualSharesAdd1 { comparison: false },
            "mes_comparison" => CountingRule::EqualSharesAdd1 { comparison: true },
            _ => {
                bad("counting", "Wybierz metodę liczenia.", "Choose the counting rule.");
                CountingRule::Greedy { min_votes: 0 }
            }
        };
        if self.localities.iter().any(|l| !gmina_localities.contains(l)) {
            bad("localities", "Wybierz miejscowości tej gminy.", "Choose this gmina's localities.");
        }
        let mut localities = if kind == PoolKind::Area { self.localities.clone() } else { Vec::new() };
        localities.sort_unstable();
        localities.dedup();
        if errors.is_empty() {
            Ok(Pool { id, kind, name, amount_grosze: amount, localities, residents, signatures_required, counting })
        } else {
            Err(errors)
        }
    }
}

/// `validate_settings` over the edition's pools with `pool` in its place
/// (or added); the problem of this pool by its field, another pool's or
/// the settings' as the form's message.
fn check(lang: Lang, e: &Edition, pool: &Pool) -> Errors {
    let mut pools: Vec<Pool> = e.pools.iter().filter(|p| pool.id == 0 || p.id != pool.id).cloned().collect();
    let at = match e.pools.iter().position(|p| p.id == pool.id && pool.id != 0) {
        Some(i) => {
            pools.insert(i, pool.clone());
            i
        }
        None => {
            // A new pool's id is not known yet: one no stored pool has.
            let fresh = Pool { id: -1, ..pool.clone() };
            pools.push(fresh);
            pools.len() - 1
        }
    };
    let Err(err) = validate_settings(&e.settings, &pools) else {
        return Errors::new();
    };
    let prefix = format!("pools[{at}].");
    let field = match err.field.strip_prefix(&prefix) {
        Some("amount_grosze") => "amount".to_owned(),
        Some(f) => f.to_owned(),
        None => "form".to_owned(),
    };
    Errors::from([(field, say(lang, &err.message()))])
}

#[derive(Template)]
#[template(path = "admin/budget_pool_form.html")]
struct FormPage<'a> {
    ctx: PageCtx<'a>,
    edition: i64,
    edition_title: String,
    /// 0 for a new one.
    id: i64,
    form: PoolForm,
    errors: Errors,
    /// The gmina's localities: id, name, chosen.
    localities: Vec<(i64, String, bool)>,
    locked: bool,
}

impl FormPage<'_> {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

async fn gmina_localities(state: &crate::state::AppState) -> AdminResult<Vec<(i64, String)>> {
    let (_, localities) = state.store.gmina().await?;
    Ok(localities.into_iter().map(|l| (l.id, l.name)).collect())
}

#[allow(clippy::too_many_arguments, reason = "a page's parts; a struct for them would be the page itself")]
fn form_page(
    staff: &Staff,
    status: StatusCode,
    e: &Edition,
    id: i64,
    form: PoolForm,
    errors: Errors,
    all: Vec<(i64, String)>,
    locked: bool,
) -> Response {
    let t = |pl, en| staff.lang.t(pl, en);
    let localities = all.into_iter().map(|(lid, name)| (lid, name, form.localities.contains(&lid))).collect();
    let (path, title) = if id > 0 {
        (format!("/admin/budget/editions/{}/pools/{id}", e.id), t("Pula", "Pool"))
    } else {
        (format!("/admin/budget/editions/{}/pools/new", e.id), t("Nowa pula", "New pool"))
    };
    let ctx = PageCtx::new(staff, path, title);
    let page = FormPage { ctx, edition: e.id, edition_title: e.title.clone(), id, form, errors, localities, locked };
    Page::with_status(status, page).into_response()
}

fn pool_or_404(e: &Edition, pool: i64) -> AdminResult<&Pool> {
    e.pools.iter().find(|p| p.id == pool).ok_or_else(|| AdminError::not_found("Nie ma takiej puli.", "No such pool."))
}

/// `GET /admin/budget/editions/{id}/pools/new`.
pub async fn new(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let e = edition_or_404(&state, id, now).await?;
    let kind = if e.pools.iter().any(|p| p.kind == PoolKind::GminaWide) { "area" } else { "gmina_wide" };
    let form = PoolForm {
        kind: kind.into(),
        counting: "greedy".into(),
        min_votes: "0".into(),
        signatures_required: "0".into(),
        ..Default::default()
    };
    let all = gmina_localities(&state).await?;
    Ok(form_page(&staff, StatusCode::OK, &e, 0, form, Errors::new(), all, edition_locked(&e.dates, now)))
}

/// `GET /admin/budget/editions/{id}/pools/{pool}`.
pub async fn edit(Tenant(state): Tenant, staff: Staff, Path((id, pool)): Path<(i64, i64)>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let e = edition_or_404(&state, id, now).await?;
    let form = PoolForm::of(pool_or_404(&e, pool)?);
    let all = gmina_localities(&state).await?;
    Ok(form_page(&staff, StatusCode::OK, &e, pool, form, Errors::new(), all, edition_locked(&e.dates, now)))
}

/// `POST /admin/budget/editions/{id}/pools`.
pub async fn create(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    save(state, staff, id, 0, body).await
}

/// `POST /admin/budget/editions/{id}/pools/{pool}`.
pub async fn update(Tenant(state): Tenant, staff: Staff, Path((id, pool)): Path<(i64, i64)>, body: Bytes) -> AdminResult<Response> {
    save(state, staff, id, pool, body).await
}

async fn save(state: crate::state::AppState, staff: Staff, id: i64, pool: i64, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let e = edition_or_404(&state, id, now).await?;
    if pool != 0 {
        pool_or_404(&e, pool)?;
    }
    let lang = staff.lang;
    let form = PoolForm::parse(&f);
    let all = gmina_localities(&state).await?;
    let ids: Vec<i64> = all.iter().map(|(i, _)| *i).collect();
    let locked = edition_locked(&e.dates, now);
    let built = form.build(lang, pool, &ids).and_then(|p| {
        let errors = check(lang, &e, &p);
        if errors.is_empty() { Ok(p) } else { Err(errors) }
    });
    let p = match built {
        Ok(p) => p,
        Err(errors) => return Ok(form_page(&staff, StatusCode::BAD_REQUEST, &e, pool, form, errors, all, locked)),
    };
    match state.store.upsert_pool(staff.actor(), id, p, now).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/budget/editions/{id}")).into_response()),
        Err(StoreError::Conflict(Conflict::EditionLocked)) => {
            let text = lang.t(
                "Głosowanie już się rozpoczęło: pul tej edycji nie można zmienić.",
                "Voting has started: this edition's pools cannot change.",
            );
            let errors = Errors::from([("form".to_owned(), text.to_owned())]);
            Ok(form_page(&staff, StatusCode::CONFLICT, &e, pool, form, errors, all, true))
        }
        Err(e) => Err(e.into()),
    }
}
