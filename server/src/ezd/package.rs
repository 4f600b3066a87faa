//! Package export, for EZD systems without an API: each registration (and
//! each case opened on acceptance) is a folder `DATA_DIR/ezd/<name>/` with
//! `metadata.xml` (valid against `server/ezd/schema/paczka.xsd`) and the
//! attachments. The metadata elements follow the MSWiA regulation of
//! 30 October 2006 on the metadata of electronic documents: identifier,
//! creator, title, date, format, access, type, and where known recipient,
//! grouping, qualification, language, description.
//!
//! Atomicity: the folder is written under a hidden temporary name, every
//! file and the folder are fsynced, then it is renamed into place and the
//! parent fsynced. A crash leaves at most a hidden `.tmp-*` folder, removed
//! at the next start; a visible package is always complete.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::SecondsFormat;
use sha2::{Digest, Sha256};

use super::model::{Attachment, CaseRequest, CaseState, Ezd, EzdError, OpenedCase, Registered, Registration};

/// The schema every `metadata.xml` validates against, shipped with the server.
pub const XSD: &str = include_str!("../../ezd/schema/paczka.xsd");
pub const NAMESPACE: &str = "urn:mmieszkaniec:ezd:paczka:1";

pub struct PackageEzd {
    dir: PathBuf,
    /// Test hook: fail after writing, before the rename (as a crash would).
    pub fail_before_rename: Arc<AtomicBool>,
}

impl PackageEzd {
    /// Creates `dir` and removes what a crash left half-written.
    pub fn new(dir: &Path) -> std::io::Result<PackageEzd> {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(".tmp-") {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        Ok(PackageEzd { dir: dir.to_owned(), fail_before_rename: Arc::new(AtomicBool::new(false)) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the package `name` atomically; an existing one is kept (the
    /// registration was delivered before a crash or a lost acknowledgement).
    fn write_package(&self, name: &str, metadata: &str, files: &[Attachment]) -> std::io::Result<PathBuf> {
        let target = self.dir.join(name);
        if target.exists() {
            return Ok(target);
        }
        let tmp = self.dir.join(format!(".tmp-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&tmp)?;
        let write = |file: &str, bytes: &[u8]| -> std::io::Result<()> {
            let mut f = std::fs::File::create(tmp.join(file))?;
            f.write_all(bytes)?;
            f.sync_all()
        };
        write("metadata.xml", metadata.as_bytes())?;
        for a in files {
            write(&a.name, &a.bytes)?;
        }
        std::fs::File::open(&tmp)?.sync_all()?;
        if self.fail_before_rename.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("test hook: failing before the rename"));
        }
        match std::fs::rename(&tmp, &target) {
            Ok(()) => {}
            // Another attempt got there first: it is complete, ours goes.
            Err(_) if target.exists() => {
                let _ = std::fs::remove_dir_all(&tmp);
            }
            Err(e) => return Err(e),
        }
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(target)
    }
}

/// Safe as a folder name: the references are ASCII already; anything else
/// becomes `_`.
fn folder(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Outside XML 1.0's `Char` (C0 controls, U+FFFE, U+FFFF) a
            // character cannot be written even as a reference; a space
            // keeps the words it separated apart.
            c if !mm_protocol::validation::is_xml_char(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn attachments_xml(files: &[Attachment]) -> String {
    let mut x = String::from("  <zalaczniki>\n");
    for a in files {
        x.push_str(&format!(
            "    <zalacznik nazwa=\"{}\" format=\"{}\" rozmiar=\"{}\" sha256=\"{}\"/>\n",
            xml_escape(&a.name),
            xml_escape(&a.content_type),
            a.bytes.len(),
            hex(&Sha256::digest(&a.bytes)),
        ));
    }
    x.push_str("  </zalaczniki>\n");
    x
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `metadata.xml` of a registration in the register of incoming mail.
pub fn registration_xml(reg: &Registration) -> String {
    let r = &reg.report;
    let title = format!("Zgłoszenie nr {}: {}", r.id, reg.category_name);
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<paczka xmlns=\"{NAMESPACE}\" wersja=\"1\" rodzaj=\"rejestracja\">\n  <dokument>\n"
    );
    x.push_str(&format!("    <identyfikator typ=\"mMieszkaniec\">{}</identyfikator>\n", xml_escape(&reg.reference)));
    x.push_str("    <tworca funkcja=\"nadawca\">Mieszkaniec (aplikacja mMieszkaniec)</tworca>\n");
    x.push_str(&format!("    <tytul>{}</tytul>\n", xml_escape(&title)));
    x.push_str(&format!(
        "    <data typ=\"otrzymany\">{}</data>\n",
        reg.received_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    ));
    x.push_str("    <format>text/html</format>\n");
    x.push_str("    <dostep dostepnosc=\"niepubliczny\"/>\n");
    x.push_str("    <typ klasa=\"tekst\">zgłoszenie</typ>\n");
    x.push_str("    <odbiorca>Urząd Gminy</odbiorca>\n");
    x.push_str(&format!("    <grupowanie typ=\"kategoria\">{}</grupowanie>\n", xml_escape(&r.category)));
    x.push_str("    <jezyk kod=\"pol\"/>\n");
    x.push_str(&format!("    <opis>{}</opis>\n", xml_escape(&r.description)));
    x.push_str("    <kanal>aplikacja mobilna</kanal>\n");
    x.push_str(&format!("    <lokalizacja szerokosc=\"{}\" dlugosc=\"{}\"/>\n", r.point.lat, r.point.lon));
    x.push_str("  </dokument>\n");
    x.push_str(&attachments_xml(&reg.attachments));
    x.push_str("</paczka>\n");
    x
}

/// `metadata.xml` of the case opened on acceptance: the registration's
/// document grouped under the category's JRWA class.
pub fn case_xml(c: &CaseRequest) -> String {
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<paczka xmlns=\"{NAMESPACE}\" wersja=\"1\" rodzaj=\"sprawa\">\n  <dokument>\n"
    );
    x.push_str(&format!("    <identyfikator typ=\"mMieszkaniec\">{}</identyfikator>\n", xml_escape(&c.reference)));
    x.push_str("    <tworca funkcja=\"nadawca\">Mieszkaniec (aplikacja mMieszkaniec)</tworca>\n");
    x.push_str(&format!("    <tytul>{}</tytul>\n", xml_escape(&c.title)));
    x.push_str(&format!("    <data typ=\"utworzony\">{}-01-01</data>\n", c.year));
    x.push_str("    <format>text/html</format>\n");
    x.push_str("    <dostep dostepnosc=\"niepubliczny\"/>\n");
    x.push_str("    <typ klasa=\"tekst\">sprawa</typ>\n");
    x.push_str(&format!("    <grupowanie typ=\"jrwa\">{}</grupowanie>\n", xml_escape(&c.jrwa)));
    x.push_str(&format!("    <grupowanie typ=\"rpw\">{}</grupowanie>\n", xml_escape(&c.registration.rpw_number)));
    x.push_str(&format!("    <kwalifikacja>{}</kwalifikacja>\n", xml_escape(&c.archival_category)));
    x.push_str("    <jezyk kod=\"pol\"/>\n");
    x.push_str("  </dokument>\n");
    x.push_str(&attachments_xml(std::slice::from_ref(&c.document)));
    x.push_str("</paczka>\n");
    x
}

#[async_trait]
impl Ezd for PackageEzd {
    async fn register(&self, reg: &Registration) -> Result<Registered, EzdError> {
        let name = folder(&reg.reference);
        let xml = registration_xml(reg);
        let files = reg.attachments.clone();
        let this = PackageEzd { dir: self.dir.clone(), fail_before_rename: self.fail_before_rename.clone() };
        tokio::task::spawn_blocking(move || this.write_package(&name, &xml, &files).map(|_| name))
            .await
            .map_err(|e| EzdError::Temporary(e.to_string()))?
            .map(|name| Registered { rpw_number: format!("package:{name}"), document_id: None })
            .map_err(|e| EzdError::Temporary(format!("cannot write the package: {e}")))
    }

    async fn open_case(&self, c: &CaseRequest) -> Result<OpenedCase, EzdError> {
        let name = format!("{}-sprawa", folder(&c.reference));
        let xml = case_xml(c);
        let files = vec![c.document.clone()];
        let this = PackageEzd { dir: self.dir.clone(), fail_before_rename: self.fail_before_rename.clone() };
        tokio::task::spawn_blocking(move || this.write_package(&name, &xml, &files).map(|_| name))
            .await
            .map_err(|e| EzdError::Temporary(e.to_string()))?
            // The case reference is given by the EZD that imports the
            // package; nothing comes back through a folder.
            .map(|name| OpenedCase { case_id: format!("package:{name}"), case_reference: None })
            .map_err(|e| EzdError::Temporary(format!("cannot write the package: {e}")))
    }

    async fn case_state(&self, _case_id: &str) -> Result<Option<CaseState>, EzdError> {
        Ok(None)
    }

    fn polls(&self) -> bool {
        false
    }
}
