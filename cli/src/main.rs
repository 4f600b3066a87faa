//! `mm`: a terminal shell on the mMieszkaniec core, for demos, scripting
//! and end-to-end tests. Everything but `sync` reads the local store, so it
//! works offline after one sync.
//!
//! Output is Polish for people, or JSON with the core's own shapes under
//! `--json`. Errors print the Polish message, the English one and the
//! code, and exit 1 (2 for usage errors).

mod args;
mod format;
mod output;

mod budget;
mod consultations;
mod events;
mod gminas;
mod news;
mod notifications;
mod places;
mod reports;
mod search;
mod sync;
mod taxes;
mod waste;

use std::process::ExitCode;

use clap::Parser;
use mm_core::{Core, CoreConfig, CoreError, Platform};

use args::{Args, Command};
use output::Output;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let out = Output { json: args.json };
    match run(args, &out).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            if e == CoreError::GminaNotChosen {
                gminas::hint();
            }
            ExitCode::from(1)
        }
    }
}

async fn run(args: Args, out: &Output) -> Result<(), CoreError> {
    let core = open(&args)?;
    // Every other command is about one gmina: the one given, the one
    // chosen last, or the server's only one.
    if !matches!(args.command, Command::Gminas { .. } | Command::Status) {
        gminas::ensure_chosen(&core).await?;
    }
    match args.command {
        Command::Gminas { query, at } => gminas::list(&core, out, &query.join(" "), at).await,
        Command::Sync { page_size } => sync::sync(&core, out, page_size).await,
        Command::Status => sync::status(&core, out),
        Command::News => news::list(&core, out),
        Command::Events { from, to, category } => {
            events::list(&core, out, from, to, category.as_deref())
        }
        Command::Event { id } => events::detail(&core, out, id),
        Command::Calendar { month } => events::calendar(&core, out, month),
        Command::Ics { id } => events::ics(&core, out, id),
        Command::Search { text } => search::search(&core, out, &text.join(" ")),
        Command::Notifications { action } => notifications::notifications(&core, out, action).await,
        Command::Push { action } => notifications::push(&core, out, action).await,
        Command::Report { action, id, local } => reports::report(&core, out, action, id, local).await,
        Command::Reports { action } => reports::reports(&core, out, action),
        Command::ReportCategories => reports::categories(&core, out),
        Command::Places { action, query } => places::places(&core, out, action, query),
        Command::Place { id } => places::place(&core, out, id),
        Command::BikePaths { bbox } => places::bike_paths(&core, out, bbox),
        Command::Taxes { action, as_of } => taxes::taxes(&core, out, action, as_of).await,
        Command::Waste { action, limit } => waste::waste(&core, out, action, limit).await,
        Command::Budget { action } => budget::budget(&core, out, action).await,
        Command::Consultations { action } => consultations::consultations(&core, out, action).await,
        Command::Survey { id, single, multiple, ranking, matrix, text, answers, identity, sms_request, sms_code } => {
            let flags = consultations::SurveyFlags {
                single,
                multiple,
                ranking,
                matrix,
                text,
                answers,
                identity: identity.given(),
                sms: sms_request.zip(sms_code),
            };
            consultations::survey(&core, out, id, flags).await
        }
    }
}

/// The CLI's server is always the one it was given (flag, env or default).
fn open(args: &Args) -> Result<Core, CoreError> {
    let core = Core::open(CoreConfig {
        data_dir: args.data_dir(),
        gmina: args.gmina.clone(),
        server_url: Some(args.server.clone()),
        platform: Platform::Cli,
        app_version: env!("CARGO_PKG_VERSION").into(),
        locale: Some("pl-PL".into()),
    })?;
    core.set_server_url(&args.server)?;
    Ok(core)
}
