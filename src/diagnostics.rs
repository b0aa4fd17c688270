//! The diagnostics bundle: one zip file an admin hands to support, with what explains a
//! problem and nothing secret or personal.
//!
//! Contents: the app version, the site's non-secret settings (which secrets are stored, never
//! their values), its sync state and backfills, the last ledger entries with their attempts,
//! recent log lines from the log folder, the connection check with the compatibility report
//! (run now; a failure is included as such), the forms summary, and the last 30 days' stats.
//!
//! **Redaction.** Every text goes through [`Redactor::redact`] on its way into the zip, whatever
//! file it is. It is a pure function of the text and of what the app knows ([`Known`]), tested
//! below. Rules, in order:
//! 1. every secret the app holds (read from the keychain for every site), exactly as stored and
//!    as JSON or Rust-debug escaping would write it → `[secret]`;
//! 2. `Bearer …` / `Basic …` credentials → `Bearer [redacted]`;
//! 3. values of secret-looking keys, in JSON, `key=value` and URL queries (`access_token`,
//!    `refresh_token`, `client_secret`, `api_key`, `api_token`, `password`, `secret`, `token`,
//!    `authorization`, `x-api-key`, `?key=`) → `[redacted]`;
//! 4. every e-mail address → `[email]` (also the known ones exactly, in case one escapes the
//!    pattern);
//! 5. every visitor name found in the ledger's stored conversations (first name, last name,
//!    full name), whole words, ignoring case → `[visitor]`;
//! 6. long opaque tokens (32 characters or more of letters, digits and `-_+.`, with both
//!    letters and digits, not a UUID) → `[token]`.

use crate::api::Api;
use crate::error::ApiError;
use crate::iadvize::Visitor;
use crate::site::SiteRef;
use crate::stats::StatsQuery;
use crate::store::ledger::{self as ledger_store, LogFilter};
use crate::sync::ConversationLog;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;
use ts_rs::TS;

/// What the app knows it must never let out.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub secrets: Vec<String>,
    pub emails: Vec<String>,
    pub names: Vec<String>,
}

/// The forms a text can take in a bundle: as is, JSON-escaped, Rust-debug-escaped.
fn variants(s: &str) -> Vec<String> {
    let mut out = vec![s.to_owned()];
    if let Ok(json) = serde_json::to_string(s) {
        out.push(json[1..json.len() - 1].to_owned());
    }
    let debug = format!("{s:?}");
    out.push(debug[1..debug.len() - 1].to_owned());
    out.sort();
    out.dedup();
    out
}

fn literal_alternation(needles: impl IntoIterator<Item = String>, words: bool) -> Option<Regex> {
    let mut needles: Vec<String> = needles.into_iter().flat_map(|n| variants(&n)).filter(|n| !n.trim().is_empty()).collect();
    needles.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
    needles.dedup();
    if needles.is_empty() {
        return None;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let pattern = needles
        .iter()
        .map(|n| {
            let escaped = regex::escape(n);
            if !words {
                return escaped;
            }
            let start = if word(n.chars().next()) { r"\b" } else { "" };
            let end = if word(n.chars().last()) { r"\b" } else { "" };
            format!("{start}{escaped}{end}")
        })
        .collect::<Vec<_>>()
        .join("|");
    RegexBuilder::new(&pattern)
        .case_insensitive(words)
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .map_err(|e| tracing::warn!(error = %e, "a redaction pattern could not be built"))
        .ok()
}

static BEARER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}").expect("valid"));
static SECRET_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(access_token|refresh_token|id_token|client_secret|api_key|apikey|api_token|password|passwd|secret|token|authorization|x-api-key)("?\s*[:=]\s*"?)([^\s"'&,;}\]\[][^\s"'&,;}\]]*)"#,
    )
    .expect("valid")
});
static QUERY_KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)([?&](?:key|api_key|token|access_token)=)[^&\s#]+").expect("valid"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}").expect("valid"));
static OPAQUE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9_\-+.]{32,}").expect("valid"));
static UUID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$").expect("valid"));

/// The redaction of every text of a bundle (see the module doc for its rules).
pub struct Redactor {
    secrets: Option<Regex>,
    emails: Option<Regex>,
    names: Option<Regex>,
}

impl Redactor {
    pub fn new(known: &Known) -> Redactor {
        Redactor {
            // Very short values would only blank out ordinary words.
            secrets: literal_alternation(known.secrets.iter().map(|s| s.trim().to_owned()).filter(|s| s.chars().count() >= 4), false),
            emails: literal_alternation(known.emails.iter().map(|s| s.trim().to_owned()), true),
            names: literal_alternation(
                known
                    .names
                    .iter()
                    .map(|s| s.trim().to_owned())
                    // A single ASCII letter would blank out too much; a single CJK character is a name.
                    .filter(|s| !(s.chars().count() < 2 && s.is_ascii())),
                true,
            ),
        }
    }

    /// The text with every secret, token, e-mail address and known visitor name replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut out = match &self.secrets {
            Some(re) => re.replace_all(text, "[secret]").into_owned(),
            None => text.to_owned(),
        };
        out = BEARER.replace_all(&out, "$1 [redacted]").into_owned();
        out = SECRET_VALUE.replace_all(&out, "${1}${2}[redacted]").into_owned();
        out = QUERY_KEY.replace_all(&out, "${1}[redacted]").into_owned();
        if let Some(re) = &self.emails {
            out = re.replace_all(&out, "[email]").into_owned();
        }
        out = EMAIL.replace_all(&out, "[email]").into_owned();
        if let Some(re) = &self.names {
            out = re.replace_all(&out, "[visitor]").into_owned();
        }
        OPAQUE
            .replace_all(&out, |c: &regex::Captures| {
                let s = &c[0];
                let opaque = s.chars().any(|c| c.is_ascii_digit()) && s.chars().any(|c| c.is_ascii_alphabetic()) && !UUID.is_match(s);
                if opaque { "[token]".to_owned() } else { s.to_owned() }
            })
            .into_owned()
    }
}

/// [`Redactor::redact`] in one call.
pub fn redact(text: &str, known: &Known) -> String {
    Redactor::new(known).redact(text)
}

/// How much goes in.
#[derive(Debug, Clone)]
pub struct DiagnosticsOptions {
    /// Ledger entries (newest first), each with its attempts.
    pub ledger_entries: usize,
    /// Log lines (the most recent, across the newest log files).
    pub log_lines: usize,
    /// For the connection check and the forms summary each.
    pub timeout: Duration,
}

impl Default for DiagnosticsOptions {
    fn default() -> Self {
        DiagnosticsOptions {
            ledger_entries: 100,
            log_lines: 2000,
            timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BundleFile {
    pub name: String,
    pub bytes: u64,
}

/// What was written, for the desktop to show ("saved to …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DiagnosticsSummary {
    pub path: String,
    pub bytes: u64,
    pub files: Vec<BundleFile>,
    /// Parts that could not be gathered (e.g. the connection check failed): in the bundle as
    /// such, and listed here.
    pub problems: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome<T> {
    Ok(T),
    Error(ApiError),
}

impl<T> From<Result<T, ApiError>> for Outcome<T> {
    fn from(r: Result<T, ApiError>) -> Self {
        match r {
            Ok(v) => Outcome::Ok(v),
            Err(e) => Outcome::Error(e),
        }
    }
}

async fn within<T>(timeout: Duration, what: &str, f: impl std::future::Future<Output = Result<T, ApiError>>) -> Result<T, ApiError> {
    match tokio::time::timeout(timeout, f).await {
        Ok(r) => r,
        Err(_) => Err(ApiError::new(
            "diagnostics.timeout",
            format!("The {what} did not finish within {} s.", timeout.as_secs()),
        )),
    }
}

/// The zip, every text redacted on the way in.
struct Bundle {
    zip: zip::ZipWriter<std::fs::File>,
    redactor: Redactor,
    files: Vec<BundleFile>,
}

impl Bundle {
    fn add(&mut self, name: &str, text: &str) -> Result<(), ApiError> {
        let clean = self.redactor.redact(text);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o644);
        self.zip.start_file(name, options).map_err(zip_error)?;
        self.zip.write_all(clean.as_bytes()).map_err(|e| zip_error(e.into()))?;
        self.files.push(BundleFile {
            name: name.to_owned(),
            bytes: clean.len() as u64,
        });
        Ok(())
    }

    fn add_json<T: Serialize>(&mut self, name: &str, value: &T) -> Result<(), ApiError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| ApiError::new("internal", format!("cannot write {name}: {e}")))?;
        self.add(name, &text)
    }
}

fn zip_error(e: zip::result::ZipError) -> ApiError {
    ApiError::new("diagnostics.write_failed", format!("Cannot write the diagnostics bundle: {e}"))
}

fn io_error(path: &Path, e: std::io::Error) -> ApiError {
    ApiError::new(
        "diagnostics.write_failed",
        format!("Cannot write the diagnostics bundle to {}: {e}. Choose a folder you can write to.", path.display()),
    )
}

/// Visitor names and e-mails from every conversation the ledger still keeps.
fn visitors_in_ledger(api: &Api) -> Result<(Vec<String>, Vec<String>), ApiError> {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        visitor: Visitor,
    }
    let conn = api.store().conn();
    let mut stmt = conn.prepare("SELECT payload FROM ledger WHERE payload IS NOT NULL")?;
    let mut rows = stmt.query([])?;
    let (mut names, mut emails) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next()? {
        let text: String = row.get(0)?;
        let Ok(p) = serde_json::from_str::<Payload>(&text) else { continue };
        let v = p.visitor;
        names.extend([v.first_name.clone(), v.last_name.clone(), v.full_name()].into_iter().flatten());
        emails.extend(v.email);
    }
    names.sort();
    names.dedup();
    emails.sort();
    emails.dedup();
    Ok((names, emails))
}

/// The last `n` lines of the log folder's newest files, oldest first.
fn recent_log_lines(dir: &Path, n: usize) -> std::io::Result<Vec<String>> {
    const MAX_BYTES_PER_FILE: u64 = 8 << 20;
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    let mut lines: Vec<String> = Vec::new();
    for (_, path) in files {
        if lines.len() >= n {
            break;
        }
        let mut file = std::fs::File::open(&path)?;
        let len = file.metadata()?.len();
        if len > MAX_BYTES_PER_FILE {
            file.seek(SeekFrom::Start(len - MAX_BYTES_PER_FILE))?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        let name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let mut these: Vec<String> = text.lines().map(|l| format!("[{name}] {l}")).collect();
        if len > MAX_BYTES_PER_FILE && !these.is_empty() {
            these.remove(0); // cut in the middle of a line
        }
        let take = (n - lines.len()).min(these.len());
        let mut newest: Vec<String> = these.split_off(these.len() - take);
        newest.append(&mut lines);
        lines = newest;
    }
    Ok(lines)
}

const README: &str = "iAdvize → Zendesk diagnostics bundle

app.json                 app version, platform, database schema version, when this was made
site.json                the site's settings (which secrets are stored, never their values)
sync.json                the sync cursor, the ledger's counts per state, the site's backfills
ledger.json              the most recent ledger entries, each with its attempts
connection_check.json    the connection check, run when the bundle was made (or its failure)
compatibility.json       iAdvize's live schema against what the app relies on (or why not run)
forms.json               the Zendesk forms summary (or its failure)
stats.json               the last 30 days' statistics
logs/recent.log          the most recent lines of the app's log files

Every file was redacted: secrets and tokens, e-mail addresses and visitor names are replaced
by [secret], [redacted], [token], [email] and [visitor]. Conversation transcripts are not
included.
";

impl Api {
    /// Writes the diagnostics bundle of a site to `out` (a zip file; replaced if it exists).
    pub async fn diagnostics(&self, site: &SiteRef, out: &Path) -> Result<DiagnosticsSummary, ApiError> {
        self.diagnostics_with(site, out, &DiagnosticsOptions::default()).await
    }

    pub async fn diagnostics_with(&self, site: &SiteRef, out: &Path, options: &DiagnosticsOptions) -> Result<DiagnosticsSummary, ApiError> {
        let site = self.site(site)?;
        let site_ref = SiteRef::Id(site.id);
        let now = self.clock().now();
        let mut problems = Vec::new();

        // What must not get out: every secret of every site (logs are shared), every visitor
        // the ledger knows, every e-mail the settings hold.
        let mut known = Known::default();
        for s in self.list_sites()? {
            known.emails.push(s.settings.zendesk_email.clone());
            for stored in &s.secrets {
                match self.secret(s.id, stored.kind) {
                    Ok(secret) => known.secrets.push(secret.expose().to_owned()),
                    Err(e) => {
                        if !problems.iter().any(|p: &String| p.starts_with("keychain")) {
                            problems.push(format!(
                                "keychain: {} (secrets were still redacted by their shape)",
                                e.message
                            ));
                        }
                    }
                }
            }
        }
        if let Some(id) = &site.settings.zendesk_oauth_client_id {
            // Not a secret, but no use to support either.
            known.secrets.push(id.clone());
        }
        let (names, emails) = visitors_in_ledger(self)?;
        known.names = names;
        known.emails.extend(emails);

        // Gathered before the file is opened: the checks may take a while.
        let check = within(options.timeout, "connection check", self.check_connection(&site_ref)).await;
        let forms = within(options.timeout, "forms summary", self.forms_overview(&site_ref)).await;
        let compatibility: Outcome<crate::iadvize::CompatibilityReport> = match &check {
            Ok(report) => match &report.compatibility {
                Some(c) => Outcome::Ok(c.clone()),
                None => Outcome::Error(ApiError::new(
                    "diagnostics.not_run",
                    format!(
                        "Not run: {}",
                        report
                            .check(crate::check::CheckId::IadvizeCompatibility)
                            .map(|c| c.message.clone())
                            .unwrap_or_else(|| "an earlier iAdvize check failed".into())
                    ),
                )),
            },
            Err(e) => Outcome::Error(e.clone()),
        };
        if let Err(e) = &check {
            problems.push(format!("connection check: {}", e.message));
        } else if let Ok(r) = &check
            && !r.ok
        {
            problems.push("connection check: some checks failed (see connection_check.json)".into());
        }
        if let Err(e) = &forms {
            problems.push(format!("forms summary: {}", e.message));
        }

        let (ledger, sync) = {
            let conn = self.store().conn();
            let rows = ledger_store::log(&conn, site.id, &LogFilter { limit: options.ledger_entries, ..LogFilter::default() })?;
            let mut entries = Vec::with_capacity(rows.len());
            for row in rows {
                let attempts = ledger_store::attempts(&conn, site.id, &row.conversation_id)?;
                entries.push(ConversationLog { row, attempts });
            }
            let sync = serde_json::json!({
                "cursor": ledger_store::cursor(&conn, site.id)?,
                "counts": ledger_store::counts(&conn, site.id)?,
                "schema_version": crate::store::migrations::current_version(&conn)?,
            });
            (entries, sync)
        };
        let backfills: Outcome<_> = self.backfills(&site_ref).into();
        let stats: Outcome<_> = self.stats(Some(&site_ref), &StatsQuery::last_days(30, now.date_naive())).into();
        let logs = match recent_log_lines(&crate::paths::log_dir(self.data_dir()), options.log_lines) {
            Ok(lines) => lines,
            Err(e) => {
                problems.push(format!("logs: {e}"));
                vec![format!("(the log folder could not be read: {e})")]
            }
        };

        let partial = out.with_file_name(format!(
            ".{}.partial",
            out.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "diagnostics.zip".into())
        ));
        let file = std::fs::File::create(&partial).map_err(|e| io_error(out, e))?;
        let mut bundle = Bundle {
            zip: zip::ZipWriter::new(file),
            redactor: Redactor::new(&known),
            files: Vec::new(),
        };
        let written = (|| -> Result<(), ApiError> {
            bundle.add("README.txt", README)?;
            bundle.add_json(
                "app.json",
                &serde_json::json!({
                    "app": "iadvize-zendesk",
                    "version": env!("CARGO_PKG_VERSION"),
                    "os": std::env::consts::OS,
                    "arch": std::env::consts::ARCH,
                    "generated_at": now,
                    "site_id": site.id,
                    "problems": problems,
                }),
            )?;
            bundle.add_json("site.json", &site)?;
            bundle.add_json(
                "sync.json",
                &serde_json::json!({ "sync": sync, "backfills": backfills }),
            )?;
            bundle.add_json("ledger.json", &ledger)?;
            bundle.add_json("connection_check.json", &Outcome::from(check))?;
            bundle.add_json("compatibility.json", &compatibility)?;
            bundle.add_json("forms.json", &Outcome::from(forms))?;
            bundle.add_json("stats.json", &stats)?;
            let mut log_text = logs.join("\n");
            log_text.push('\n');
            bundle.add("logs/recent.log", &log_text)?;
            Ok(())
        })();
        let finished = written.and_then(|()| bundle.zip.finish().map_err(zip_error));
        match finished {
            Ok(file) => {
                file.sync_all().map_err(|e| io_error(out, e))?;
                std::fs::rename(&partial, out).map_err(|e| io_error(out, e))?;
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        }
        let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
        tracing::info!(site = site.id, path = %out.display(), bytes, "diagnostics bundle written");
        Ok(DiagnosticsSummary {
            path: out.display().to_string(),
            bytes,
            files: bundle.files,
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            secrets: vec!["zd-token-S3cr3t".into(), "gql\"quoted\\token".into(), "abc".into()],
            emails: vec!["odd.address@intranet".into()],
            names: vec!["Camille".into(), "Martin".into(), "Camille Martin".into(), "李".into(), "O'Brien".into(), "X".into()],
        }
    }

    #[test]
    fn known_secrets_go_in_every_form() {
        let r = Redactor::new(&known());
        assert_eq!(r.redact("token zd-token-S3cr3t used"), "token [secret] used");
        // JSON and debug escaping of a secret with a quote and a backslash.
        let json = serde_json::to_string(&serde_json::json!({ "v": "gql\"quoted\\token" })).unwrap();
        assert!(!r.redact(&json).contains("quoted"), "{}", r.redact(&json));
        let debug = format!("{:?}", "gql\"quoted\\token");
        assert!(!r.redact(&debug).contains("quoted"));
        // Too short to be told from words: left alone.
        assert_eq!(r.redact("abc"), "abc");
    }

    #[test]
    fn credentials_by_their_shape() {
        let r = Redactor::new(&Known::default());
        assert_eq!(r.redact("Authorization: Bearer eyJhbGciOi.abc-def_12"), "Authorization: [redacted] [redacted]");
        assert_eq!(r.redact("auth Basic YWRtaW46cGFzcw=="), "auth Basic [redacted]");
        assert_eq!(r.redact(r#"{"access_token":"tok123","token_type":"bearer"}"#), r#"{"access_token":"[redacted]","token_type":"bearer"}"#);
        assert_eq!(r.redact(r#""client_secret": "s3"  "#), r#""client_secret": "[redacted]"  "#);
        assert_eq!(r.redact("password=hunter2&user=x"), "password=[redacted]&user=x");
        assert_eq!(r.redact("GET /api/2/website/1?key=abcd&limit=1"), "GET /api/2/website/1?key=[redacted]&limit=1");
        assert_eq!(r.redact("X-API-Key: k-1"), "X-API-Key: [redacted]");
        // Words that only look alike stay.
        let kept = r#"{"kind": "zendesk_api_token", "setting": "secrets.iadvize_graphql_token", "idempotency_key": "iadvize:ha:1:c"}"#;
        assert_eq!(r.redact(kept), kept);
        assert_eq!(r.redact("the token expired: paste a new one"), "the token expired: paste a new one");
    }

    #[test]
    fn every_email_address() {
        let r = Redactor::new(&known());
        assert_eq!(
            r.redact("from admin@sandbox.example, visitor001.ha@customer.example and Zoë.Müller@exämple.de"),
            "from [email], [email] and [email]"
        );
        assert_eq!(r.redact("mail odd.address@intranet"), "mail [email]");
    }

    #[test]
    fn visitor_names_as_whole_words_ignoring_case() {
        let r = Redactor::new(&known());
        assert_eq!(r.redact("Chat with Camille Martin – 26 Nov"), "Chat with [visitor] – 26 Nov");
        assert_eq!(r.redact("camille wrote; MARTIN answered"), "[visitor] wrote; [visitor] answered");
        // Inside another word: kept. A one-letter ASCII name: ignored; a CJK one: redacted.
        assert_eq!(r.redact("Martinez and Xavier"), "Martinez and Xavier");
        assert_eq!(r.redact("李 asked"), "[visitor] asked");
        assert_eq!(r.redact("Mr O'Brien"), "Mr [visitor]");
        let json = serde_json::to_string(&"Camille \"Cam\" Martin").unwrap();
        assert!(!r.redact(&json).to_lowercase().contains("camille"));
    }

    #[test]
    fn opaque_tokens_but_not_ids() {
        let r = Redactor::new(&Known::default());
        assert_eq!(r.redact("t=sandbox-ia-token-000001-0000002a end"), "t=[token] end");
        assert_eq!(r.redact("sk_live_51Habcdefghijklmnopqrstuvwxyz0123"), "[token]");
        let uuid = "9d3f0e4a-1b2c-4d5e-8f90-123456789abc";
        assert_eq!(r.redact(uuid), uuid);
        let words = "create_many_users_existing_email_switch";
        assert_eq!(r.redact(words), words);
        let path = "/api/v2/imports/tickets/create_many/job_statuses/12345";
        assert_eq!(r.redact(path), path);
    }

    #[test]
    fn redacted_json_stays_json() {
        let r = Redactor::new(&known());
        let value = serde_json::json!({
            "email": "camille@customer.example",
            "name": "Camille Martin",
            "token": "zd-token-S3cr3t",
            "note": "Bearer abcdefghijkl",
            "nested": [{"password": "p@ss word"}]
        });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let clean = r.redact(&text);
        let back: serde_json::Value = serde_json::from_str(&clean).unwrap();
        assert_eq!(back["email"], "[email]");
        assert_eq!(back["name"], "[visitor]");
        assert_eq!(back["token"], "[secret]");
        assert!(!clean.contains("S3cr3t") && !clean.contains("abcdefghijkl") && !clean.contains("p@ss"));
    }

    #[test]
    fn the_newest_log_lines_come_last() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("iadvize-zendesk.2026-11-01.log");
        let new = dir.path().join("iadvize-zendesk.2026-11-02.log");
        std::fs::write(&old, "a1\na2\na3\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&new, "b1\nb2\n").unwrap();
        let lines = recent_log_lines(dir.path(), 3).unwrap();
        assert_eq!(
            lines,
            vec![
                "[iadvize-zendesk.2026-11-01.log] a3",
                "[iadvize-zendesk.2026-11-02.log] b1",
                "[iadvize-zendesk.2026-11-02.log] b2"
            ]
        );
        assert!(recent_log_lines(&dir.path().join("none"), 3).unwrap().is_empty());
    }
}
