//! `gatepass run DIR|FILE`: send every request of a collection (or a folder of it, or one request
//! file) with every named profile, and say what passed. A table for a person, JSON for tools
//! (`findings` in the `explain` shape), `JUnit` XML for CI. Exit 0 when all passed, 1 when any did
//! not, 2 when the run could not start.

use crate::core::collection::run::plan;
use crate::core::collection::{Collection, RequestEntry, RequestPath};
use crate::core::profile::Profile;
use crate::workspace::{RunOptions, RunProgress, RunRecord, Workspace};
use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Json,
    Junit,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A collection folder, or one request file (`*.request.toml`).
    pub target: PathBuf,
    /// A profile to run with (repeatable). Without one, the active profile.
    #[arg(long = "profile")]
    pub profiles: Vec<String>,
    /// Run only this folder of the collection (and the folders inside it).
    #[arg(long)]
    pub folder: Option<String>,
    /// Also send requests that can change data with Production profiles.
    #[arg(long)]
    pub confirm_production: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Stop at the first request that does not pass.
    #[arg(long)]
    pub bail: bool,
    /// How many requests are in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

pub fn run(workspace: &Arc<Workspace>, args: &RunArgs, runtime: &tokio::runtime::Runtime) -> anyhow::Result<i32> {
    let (collection, only) = read_target(workspace, &args.target)?;
    for problem in &collection.problems {
        eprintln!("Warning: {problem}");
    }
    let profiles = chosen_profiles(workspace, &args.profiles)?;
    if let Some(folder) = &args.folder
        && !crate::core::collection::run::has_folder(&collection, folder)
    {
        let folders: Vec<String> = collection.folders().into_iter().filter(|f| !f.is_empty()).collect();
        bail!(
            "The collection has no folder \"{folder}\".{}",
            if folders.is_empty() {
                " It has no folders.".to_owned()
            } else {
                format!(" Its folders: {}.", folders.join(", "))
            }
        );
    }
    let mut planned = plan(&collection, args.folder.as_deref(), &profiles);
    if let Some(only) = &only {
        planned.retain(|p| &p.request == only);
    }
    if planned.is_empty()
        && only.is_none()
        && collection.problems.iter().any(|p| p.file.ends_with(crate::core::collection::REQUEST_SUFFIX))
    {
        bail!(
            "There is nothing to run: none of the collection's request files could be read (see the warnings above)."
        );
    }
    if planned.is_empty() {
        bail!(
            "There is nothing to run: the collection has no requests{}.",
            if args.folder.is_some() { " in that folder" } else { "" }
        );
    }
    if profiles.iter().any(|p| p.reads_keychain_when_sending(true)) {
        workspace
            .connect_keychain_lazily()
            .context("Gatepass keeps secrets only in the keychain, so it cannot go on")?;
    }
    let options = RunOptions {
        confirm_production: args.confirm_production,
        concurrency: usize::from(args.concurrency),
        bail: args.bail,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let show_progress = std::io::stderr().is_terminal() && args.format == Format::Text;
    let progress: Arc<dyn Fn(RunProgress) + Send + Sync> = Arc::new(move |p: RunProgress| {
        if show_progress {
            eprint!("\r{} of {} done", p.done, p.total);
            if p.done == p.total {
                eprint!("\r{}\r", " ".repeat(24));
            }
        }
    });
    let records = runtime.block_on(async {
        let ws = Arc::clone(workspace);
        let stopper = Arc::clone(&stop);
        let work = ws.run_collection(&collection, planned, options, progress, Arc::clone(&stop));
        tokio::pin!(work);
        tokio::select! {
            result = &mut work => result,
            _ = tokio::signal::ctrl_c() => {
                // Requests in flight finish; the rest are not started. What ran is printed.
                stopper.store(true, Ordering::SeqCst);
                eprintln!("\nStopping: requests already sent are finished, the rest are not started. Press Ctrl+C again to stop at once.");
                tokio::select! {
                    result = &mut work => result,
                    _ = tokio::signal::ctrl_c() => {
                        eprintln!("Stopped at once: requests in flight were dropped, and no report was printed.");
                        std::process::exit(130);
                    }
                }
            }
        }
    })?;
    let interrupted = stop.load(Ordering::SeqCst);
    // Request files that could not be read fail the run (they were warned about above).
    let mut records = records;
    if only.is_none() {
        records.extend(crate::workspace::unreadable_records(&collection, args.folder.as_deref(), &profiles));
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", json(&records))?,
        Format::Junit => write!(out, "{}", junit(&records))?,
        Format::Text => write!(out, "{}", table(&records))?,
    }
    // Stopped with Ctrl+C: the shell's "interrupted" (128 + SIGINT), after the report.
    if interrupted {
        return Ok(130);
    }
    Ok(i32::from(!records.iter().all(RunRecord::ok)))
}

/// A collection folder, or a request file with the collection around it (when there is one).
fn read_target(workspace: &Workspace, target: &Path) -> anyhow::Result<(Collection, Option<RequestPath>)> {
    if target.is_dir() {
        return Ok((workspace.load_collection(target)?, None));
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !target.exists() {
        bail!("{} is not there. Give a collection folder or a request file (*.request.toml).", target.display());
    }
    if !target.is_file() {
        // A device, a named pipe: said by the bounded reader, which never waits on one.
        crate::infra::read::open(target, "request file")?;
        bail!(
            "{} is not a regular file. Give a collection folder or a request file (*.request.toml).",
            target.display()
        );
    }
    if !name.ends_with(crate::core::collection::REQUEST_SUFFIX) {
        bail!("{} is not a request file (*.request.toml) or a collection folder.", target.display());
    }
    let absolute = std::path::absolute(target).unwrap_or_else(|_| target.to_path_buf());
    if let Some(root) = absolute.parent().and_then(crate::infra::collections::enclosing_collection) {
        let collection = workspace.load_collection(&root)?;
        let relative = absolute.strip_prefix(&root).unwrap_or(&absolute).to_string_lossy().replace('\\', "/");
        if let Some(path) = RequestPath::new(&relative)
            && collection.request(&path).is_some()
        {
            return Ok((collection, Some(path)));
        }
        if let Some(problem) = collection.problems.iter().find(|p| p.file == relative) {
            bail!("{} cannot be read: {problem}", target.display());
        }
    }
    // A request file on its own: run it without a collection's variables.
    let text = crate::infra::read::bounded_text(target, crate::infra::read::limit::REQUEST, "request file")?;
    let request = crate::core::collection::format::parse_request(&text)
        .map_err(|e| anyhow::anyhow!("{} cannot be read: {}{e}", target.display(), line_words(e.line())))?;
    let path = RequestPath::new(&name).context("That file name cannot be used for a request")?;
    let literal_secrets = crate::core::collection::literal_secrets(&request.draft);
    let collection = Collection {
        requests: vec![RequestEntry { path: path.clone(), request, literal_secrets }],
        ..Collection::default()
    };
    Ok((collection, Some(path)))
}

fn line_words(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

fn chosen_profiles(workspace: &Workspace, names: &[String]) -> anyhow::Result<Vec<Profile>> {
    if names.is_empty() {
        let loaded = workspace.load_profiles()?;
        let active = loaded.file.active_profile.as_ref().and_then(|id| loaded.file.profile(id)).cloned();
        return match active {
            Some(profile) => Ok(vec![profile]),
            None => bail!("No profile is active. Name one with --profile NAME (see `gatepass profile list`)."),
        };
    }
    names.iter().map(|name| Ok(workspace.profile_named(name)?)).collect()
}

fn findings_of(record: &RunRecord) -> serde_json::Value {
    record
        .explained()
        .and_then(|e| serde_json::to_value(&e.diagnosis.findings).ok())
        .unwrap_or_else(|| serde_json::json!([]))
}

/// `{"runs":[{"request":…,"folder":…,"method":"GET","url":…,"profile":…,"environment":"Sandbox (test)","status":200,"ok":true,"ms":3,"skipped":null,"findings":[]}]}`
pub fn json(records: &[RunRecord]) -> serde_json::Value {
    let runs: Vec<_> = records
        .iter()
        .map(|r| {
            serde_json::json!({
                "request": r.name,
                "folder": r.folder,
                "method": r.method,
                "url": r.url,
                "profile": r.profile_name,
                "environment": r.environment,
                "status": r.status(),
                "ok": r.ok(),
                "ms": r.ms(),
                "skipped": r.skipped(),
                "findings": findings_of(r),
            })
        })
        .collect();
    serde_json::json!({ "runs": runs })
}

/// The table a person reads in a terminal.
pub fn table(records: &[RunRecord]) -> String {
    let rows: Vec<[String; 5]> = records
        .iter()
        .map(|r| {
            let request = if r.folder.is_empty() { r.name.clone() } else { format!("{}/{}", r.folder, r.name) };
            let status = match (r.status(), r.ok(), r.skipped()) {
                (_, _, Some(_)) => "skipped".to_owned(),
                (Some(s), true, _) => format!("{s} ok"),
                (Some(s), false, _) => format!("{s} FAIL"),
                (None, _, _) => "FAIL".to_owned(),
            };
            let ms = r.ms().map(|ms| format!("{ms} ms")).unwrap_or_default();
            [format!("{} {request}", r.method), r.profile_name.clone(), status, ms, r.note()]
        })
        .collect();
    let headers = ["Request", "Profile", "Result", "Time", ""];
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([headers[i].len()]).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = String::new();
    let line = |cells: [&str; 5]| {
        format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {}\n",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
    };
    out.push_str(line(headers).trim_end());
    out.push('\n');
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    let passed = records.iter().filter(|r| r.ok()).count();
    let skipped = records.iter().filter(|r| r.skipped().is_some()).count();
    let failed = records.len() - passed - skipped;
    out.push_str(&format!("\n{passed} passed, {failed} failed, {skipped} not sent, of {}.\n", records.len()));
    out
}

fn secs(ms: u64) -> f64 {
    std::time::Duration::from_millis(ms).as_secs_f64()
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// `JUnit` XML: a suite per profile, a test case per request; a failure carries the explanation's
/// headline and its steps.
pub fn junit(records: &[RunRecord]) -> String {
    let mut profiles: Vec<&str> = Vec::new();
    for r in records {
        if !profiles.contains(&r.profile_name.as_str()) {
            profiles.push(&r.profile_name);
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gatepass run\">\n");
    for profile in profiles {
        let cases: Vec<&RunRecord> = records.iter().filter(|r| r.profile_name == profile).collect();
        let skipped = cases.iter().filter(|r| r.skipped().is_some()).count();
        let failures = cases.iter().filter(|r| !r.ok() && r.skipped().is_none()).count();
        let seconds: f64 = cases.iter().filter_map(|r| r.ms()).map(secs).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{seconds:.3}\">\n",
            xml(profile),
            cases.len()
        ));
        for r in cases {
            let class = if r.folder.is_empty() { "collection".to_owned() } else { r.folder.clone() };
            let time = r.ms().map_or(0.0, secs);
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{time:.3}\"",
                xml(&class),
                xml(&format!("{} {}", r.method, r.name))
            ));
            if let Some(why) = r.skipped() {
                out.push_str(&format!(">\n      <skipped message=\"{}\"/>\n    </testcase>\n", xml(&why)));
            } else if r.ok() {
                out.push_str("/>\n");
            } else {
                let mut body = String::new();
                if let Some(f) = r.explained().and_then(|e| e.diagnosis.top()) {
                    body.push_str(&f.explanation);
                    for step in &f.next_steps {
                        body.push_str(&format!("\nTo do: {step}"));
                    }
                }
                out.push_str(&format!(
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                    xml(&r.note()),
                    xml(&body)
                ));
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
