mod alertmanager;
mod apply;
mod check;
mod completions;
mod diff;
mod effective;
mod events;
mod impact;
mod import;
mod init;
mod list;
mod render;
mod rule;
mod serve;
mod test;
mod trace;
mod validate;
mod watch;

use std::collections::BTreeMap;
use std::path::PathBuf;

use alertctl::cache::Answers;
use alertctl::diag::Diagnostics;
use alertctl::render::output::Current;
use alertctl::render::Rendered;
use alertctl::source::project::{self, Project, Quick, Seen};

use crate::cli::{Cli, Command, Format, Global};
use crate::exit::Exit;
use crate::report;

pub fn run(cli: Cli) -> miette::Result<Exit> {
    let g = cli.global;
    match cli.command {
        Command::Init { path, force } => init::run(&path, force),
        Command::Validate {
            format,
            promtool,
            deny_warnings,
        } => validate::run(&g, format, promtool, deny_warnings),
        Command::Check {
            live,
            prometheus,
            format,
            promtool,
            deny_warnings,
        } => check::run(&g, live, &prometheus, format, promtool, deny_warnings),
        Command::Render {
            out,
            stdout,
            format,
            shard,
        } => render::run(&g, out, stdout, format, shard),
        Command::Diff {
            out,
            exit_code,
            stat,
            live,
            format,
            shard,
        } => diff::run(&g, out, exit_code, stat, live, format, shard),
        Command::Apply {
            dry_run,
            out,
            promtool,
            format,
            shard,
        } => apply::run(&g, dry_run, out, promtool, format, shard),
        Command::History {
            limit,
            format,
            shard,
        } => apply::history(&g, limit, format, shard),
        Command::Rollback {
            rev,
            dry_run,
            out,
            format,
            shard,
        } => apply::rollback(&g, rev, dry_run, out, format, shard),
        Command::Completions { shell } => completions::run(shell),
        Command::Import {
            paths,
            into,
            params,
            force,
            dry_run,
        } => import::run(&g, &paths, into, params, force, dry_run),
        Command::Watch(args) => watch::run(&g, args),
        Command::Alertmanager { action } => alertmanager::run(&g, action),
        Command::Effective {
            target,
            group,
            namespace,
            global,
            format,
        } => effective::run(&g, target, group, namespace, global, format),
        Command::Trace {
            target,
            alert,
            all,
            format,
        } => trace::run(&g, &target, alert.as_deref(), all, format),
        Command::List { what } => list::run(&g, what),
        Command::Rule { action } => rule::run(&g, action),
        Command::Serve {
            listen,
            read_only,
            allow_apply,
            token_file,
        } => serve::run(&g, listen, read_only, allow_apply, token_file),
        Command::Impact {
            since,
            step,
            prometheus,
            out,
            format,
            report,
        } => impact::run(&g, &since, &step, prometheus, out, format, report),
        Command::Test {
            filter,
            junit,
            format,
        } => test::run(&g, filter, junit, format),
    }
}

/// Loads the project without rendering every rule: for questions about a few targets,
/// which render only the cells they need.
pub fn load_only(g: &Global) -> miette::Result<(Kept, Diagnostics)> {
    load_with(g, project::load)
}

/// [`load_only`] for `validate`, which renders only the files an edit changed when it
/// can ([`alertctl::source::project::Project::render_known`]).
pub fn load_to_validate(g: &Global) -> miette::Result<(Kept, Diagnostics)> {
    load_with(g, project::load_to_build_some)
}

/// `ALERTCTL_STORE_ANSWERS=always`: every full run stores the answers of `effective`
/// and `trace` at once, as the first question would (for scripts that question a fresh
/// clone's cache right after its first render and want that answer warm too).
const STORE_ANSWERS_ENV: &str = "ALERTCTL_STORE_ANSWERS";

/// What a full run's store leaves for questions ([`STORE_ANSWERS_ENV`]).
fn answers_wanted() -> Answers {
    match std::env::var(STORE_ANSWERS_ENV) {
        Ok(v) if v == "always" => Answers::Stored,
        _ => Answers::Deferred,
    }
}

/// After a question answered by a full load ([`load_only`]): when the last store left
/// the answers to the first question ([`Answers::Deferred`]), or the cache holds no
/// run of these sources (edited since the last full run, and shown by a delta `diff`,
/// which stores nothing; or never rendered), this one renders every alert and stores
/// the run, so that the next question is answered from the cache. Done after the
/// answer is printed, and only said with `-v`: the answer does not depend on it.
pub fn store_deferred_answers(g: &Global, project: &mut Project, diags: &Diagnostics) {
    if diags.has_errors() || !wants_answers(project) {
        return;
    }
    // The stored warnings are a render's, as `render` would show them.
    let mut all = diags.clone();
    let rendered = UntilExit::new(project.render_for_store(&mut all));
    all.accept(&project.model.settings.accepted());
    fill_answers(g, project, &rendered, &all);
}

/// Stores the answers a store left to the first question, from `rendered` (every
/// alert's render, with `diags` the load's and the render's): see
/// [`store_deferred_answers`].
pub fn fill_answers(g: &Global, project: &mut Project, rendered: &Rendered, diags: &Diagnostics) {
    // A run of other sources is replaced only by a render that keeps what a store
    // keeps (the alerts' renders, their outline): `list`'s does not.
    let stores = project.cache.answers_deferred() || !rendered.outline.is_empty();
    if diags.has_errors() || !wants_answers(project) || !stores {
        return;
    }
    match project::store_rendered(project, rendered, diags, Answers::Stored) {
        Err(e) if g.verbose => eprintln!("cache: answers not stored: {e}"),
        Ok(Some(r)) if g.verbose => eprintln!(
            "cache: answers of {} alerts stored for the next question",
            r.alerts
        ),
        _ => {}
    }
}

/// Whether the cache lacks the answers of `project`'s run: left to the first question,
/// or of another run (on disk, for the files on disk).
fn wants_answers(project: &Project) -> bool {
    project.cache.answers_deferred()
        || (project.cache.is_on_disk()
            && project.from_disk
            && !project.cache.has_rendered(&project.fingerprint))
}

/// One of the library's loads: `project::load` and its variants.
type Load = fn(&std::path::Path, bool) -> Result<(Project, Diagnostics), project::ProjectError>;

fn load_with(g: &Global, load: Load) -> miette::Result<(Kept, Diagnostics)> {
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = project::find_root(&start)?;
    let (project, mut diags) = load(&root, !g.no_cache)?;
    say_loaded(g, &project);
    diags.accept(&project.model.settings.accepted());
    Ok((Kept::new(project), diags))
}

/// With `--verbose`: what was loaded, and why the cache was not used, if it was not.
fn say_loaded(g: &Global, project: &Project) {
    if g.verbose {
        let s = project.stats;
        eprintln!(
            "loaded {} files from {}: {} parsed, {} reused from cache",
            s.files,
            project.root.display(),
            s.parsed,
            s.cached
        );
        if let Some(note) = &project.cache_note {
            eprintln!("{note}");
        }
    }
}

/// What the CLI's commands render with: the project and its render, kept until the
/// process exits ([`UntilExit`]).
type Loaded = (Kept, UntilExit<Rendered>, Diagnostics);

/// Loads and renders the project. Diagnostics are returned, not printed: each command
/// decides how to report them.
pub fn load_and_render(g: &Global) -> miette::Result<Loaded> {
    load_render(g, false, Store::No, None)
}

/// Like `load_and_render`, with the cache's query index brought up to the files: for
/// commands that read it (`list`) or store results keyed by it.
pub fn load_render_indexed(g: &Global) -> miette::Result<Loaded> {
    load_render(g, true, Store::No, None)
}

/// How the render is kept for the next run.
enum Store {
    /// Not at all: the caller stores nothing.
    No,
    /// The caller stores the results: each alert's render and each file's key are kept.
    Yes,
    /// As `Yes`, and the render is compared with an output directory (this one, or
    /// `output.dir`): the files it holds as the stored run built them are not built
    /// ([`Project::render_against`]).
    Against(Option<PathBuf>),
}

/// `seen`: what the fast path saw, when it declined just before ([`output_state`]).
fn load_render(
    g: &Global,
    index: bool,
    store: Store,
    seen: Option<Seen>,
) -> miette::Result<Loaded> {
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = project::find_root(&start)?;
    let use_cache = !g.no_cache;
    let (mut project, mut diags) = match store {
        Store::Against(ref out) => project::load_to_diff(&root, use_cache, out.as_deref(), seen)?,
        _ => project::load_to_render(&root, use_cache, seen)?,
    };
    // Before `say_loaded`: building the index may fall back to memory, which `-v` says.
    if index {
        project.ensure_index();
    }
    say_loaded(g, &project);
    let rendered = match store {
        Store::No => project.render(&mut diags),
        Store::Yes => project.render_for_store(&mut diags),
        Store::Against(out) => project.render_against(&mut diags, &out_dir(&project, out)),
    };
    let rendered = UntilExit::new(rendered);
    if g.verbose && project.cache.is_on_disk() {
        let summarized = match rendered.summarized {
            0 => String::new(),
            n => format!(", {n} of them by their summary alone"),
        };
        eprintln!(
            "render: {} of {} alerts read back from the last run{summarized}",
            rendered.reused,
            project.model.alerts.len()
        );
        if !rendered.kept.is_empty() {
            eprintln!(
                "output: {} of {} files not built: the output directory holds them as the last run built them",
                rendered.kept.len(),
                rendered.kept.len() + rendered.files.len(),
            );
        }
    }
    diags.accept(&project.model.settings.accepted());
    Ok((Kept::new(project), rendered, diags))
}

/// A value the process keeps until it exits. A large estate's render is millions of
/// small allocations: freeing them one by one, just before the OS takes the whole heap
/// back anyway, was 4-5 % of a one-file edit + `validate` on L.
pub struct UntilExit<T>(std::mem::ManuallyDrop<T>);

impl<T> UntilExit<T> {
    fn new(value: T) -> Self {
        UntilExit(std::mem::ManuallyDrop::new(value))
    }
}

impl<T> std::ops::Deref for UntilExit<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Like `load_and_render`, and a full run leaves its results for the fast path of the
/// next one (render, diff and apply; validate, which runs promtool anyway, does not).
pub fn load_render_store(g: &Global) -> miette::Result<Loaded> {
    store_loaded(g, load_render(g, false, Store::Yes, None)?)
}

fn store_loaded(g: &Global, loaded: Loaded) -> miette::Result<Loaded> {
    let (mut project, rendered, diags) = loaded;
    store(g, &mut project, &rendered, &diags);
    Ok((project, rendered, diags))
}

/// Keeps the run's results for the next one ([`project::store_rendered`]); `-v` says
/// how much of the index was recomputed.
pub fn store(g: &Global, project: &mut Project, rendered: &Rendered, diags: &Diagnostics) {
    let note = project.cache_note.clone();
    let stored = project::store_rendered(project, rendered, diags, answers_wanted());
    // The index is built by the store (when the answers are stored): what it says about
    // the cache comes now, not with the load.
    if g.verbose && project.cache_note != note {
        if let Some(note) = &project.cache_note {
            eprintln!("{note}");
        }
    }
    alertctl::timings::mark("store results");
    match stored {
        Err(e) if g.verbose => eprintln!("cache: results not stored: {e}"),
        Ok(Some(r)) if g.verbose && r.deferred => eprintln!(
            "cache: answers of effective and trace left to the first question ({} alerts)",
            r.alerts
        ),
        Ok(Some(r)) if g.verbose => eprintln!(
            "cache index: {} of {} alerts recomputed, {} reused from cache",
            r.recomputed,
            r.alerts,
            r.alerts - r.recomputed
        ),
        _ => {}
    }
}

/// A loaded project, kept until the process exits as the render is ([`UntilExit`]),
/// except its cache, which is closed as usual when this is dropped (which checkpoints
/// its WAL). Freeing the model an allocation at a time is serial work for nothing: about
/// 7 % of the CPU of a cold `validate` on the L estate, and 5 % of the wall time of a
/// one-file edit + `diff`.
pub struct Kept(Option<Project>);

impl Kept {
    fn new(project: Project) -> Self {
        Kept(Some(project))
    }
}

impl std::ops::Deref for Kept {
    type Target = Project;
    fn deref(&self) -> &Project {
        self.0.as_ref().expect("kept until dropped")
    }
}

impl std::ops::DerefMut for Kept {
    fn deref_mut(&mut self) -> &mut Project {
        self.0.as_mut().expect("kept until dropped")
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        if let Some(project) = self.0.take() {
            let Project {
                cache,
                model,
                alertmanager,
                keys,
                ..
            } = project;
            drop(cache);
            std::mem::forget((model, alertmanager, keys));
        }
    }
}

/// Prints diagnostics for a command that can only go on without errors; `Some(exit)`
/// when it must stop.
pub fn stop_on_errors(g: &Global, diags: &Diagnostics) -> Option<Exit> {
    report::print(
        diags,
        Format::Human,
        report::stderr_color(g.color),
        std::path::Path::new("."),
    );
    stop_if_errors(diags)
}

/// What [`stop_on_errors`] says and returns once the diagnostics are shown.
fn stop_if_errors(diags: &Diagnostics) -> Option<Exit> {
    if diags.has_errors() {
        eprintln!(
            "error: {}; nothing written (run `alertctl validate` for the full report)",
            report::counts(diags)
        );
        return Some(Exit::Invalid);
    }
    None
}

/// Each shard's output directory and files.
pub type ShardOutputs = Vec<(String, PathBuf, BTreeMap<String, String>)>;

/// What `render` and `diff` work on.
pub type ForOutput = (Kept, UntilExit<Rendered>, Option<ShardOutputs>);

/// `render` and `diff --live`: the directory loaded, rendered (every file built) and
/// stored, stopped on errors, and with shards the outputs `--shard` selects.
pub fn load_for_output(
    g: &Global,
    only: Option<&str>,
    out: Option<&std::path::Path>,
    format: crate::cli::RenderFormat,
) -> miette::Result<Result<ForOutput, Exit>> {
    output_of(g, load_render_store(g)?, only, out, format)
}

/// `render`'s [`load_for_output`], which leaves the storing to the caller ([`store`],
/// with the diagnostics returned): it stores while the files are written. One after
/// the other, a cold render of L spent 1.2 s storing and then 0.7 s writing.
pub fn load_for_output_unstored(
    g: &Global,
    only: Option<&str>,
    out: Option<&std::path::Path>,
    format: crate::cli::RenderFormat,
    seen: Option<Seen>,
) -> miette::Result<Result<(ForOutput, Diagnostics), Exit>> {
    let (mut project, rendered, diags) = load_render(g, false, Store::Yes, seen)?;
    match selected(g, &project, &rendered, &diags, only, out, format) {
        Ok(s) => Ok(Ok(((project, rendered, s), diags))),
        // Stored as `load_for_output` stores: a shard `--shard` does not name is no
        // reason to render everything again next time.
        Err(exit) => {
            store(g, &mut project, &rendered, &diags);
            Ok(Err(exit))
        }
    }
}

/// `diff`'s [`load_for_output`]: the plain files that `out` (or `output.dir`) holds as
/// the stored run built them are not built again, only named in `Rendered::kept`.
pub fn load_for_diff(
    g: &Global,
    only: Option<&str>,
    out: Option<&std::path::Path>,
    format: crate::cli::RenderFormat,
    seen: Option<Seen>,
) -> miette::Result<Result<ForOutput, Exit>> {
    if format == crate::cli::RenderFormat::PrometheusRule {
        return load_for_output(g, only, out, format);
    }
    let against = Store::Against(out.map(std::path::Path::to_path_buf));
    let (mut project, rendered, diags) = load_render(g, false, against, seen)?;
    // The diagnostics are laid out while the results are stored, and shown after, as
    // `store_loaded` then `output_of` would (hundreds of warnings take ~11 ms on L).
    let color = report::stderr_color(g.color);
    let shown = std::thread::scope(|s| {
        let shown = s.spawn(|| report::human_all(&diags, color));
        store(g, &mut project, &rendered, &diags);
        shown.join()
    });
    let shown = shown.unwrap_or_else(|p| std::panic::resume_unwind(p));
    eprint!("{shown}");
    let stop = stop_if_errors(&diags);
    alertctl::timings::mark("show diagnostics");
    if let Some(exit) = stop {
        return Ok(Err(exit));
    }
    let outputs = shard_outputs(&project, &rendered, only, out, format);
    Ok(outputs.map(|s| (project, rendered, s)))
}

fn output_of(
    g: &Global,
    (project, rendered, diags): Loaded,
    only: Option<&str>,
    out: Option<&std::path::Path>,
    format: crate::cli::RenderFormat,
) -> miette::Result<Result<ForOutput, Exit>> {
    Ok(selected(g, &project, &rendered, &diags, only, out, format).map(|s| (project, rendered, s)))
}

/// The diagnostics shown; the outputs to make (`None` without shards), or why none.
fn selected(
    g: &Global,
    project: &Project,
    rendered: &Rendered,
    diags: &Diagnostics,
    only: Option<&str>,
    out: Option<&std::path::Path>,
    format: crate::cli::RenderFormat,
) -> Result<Option<ShardOutputs>, Exit> {
    let stop = stop_on_errors(g, diags);
    // Hundreds of warnings take a while to lay out (~13 ms for 253 on L).
    alertctl::timings::mark("show diagnostics");
    if let Some(exit) = stop {
        return Err(exit);
    }
    shard_outputs(project, rendered, only, out, format)
}

/// With `[[shard]]` tables: each shard (or the one `--shard` names) with its output
/// directory and rendered files. `None` without shards.
pub fn shard_outputs(
    project: &Project,
    rendered: &Rendered,
    only: Option<&str>,
    out: Option<&std::path::Path>,
    format: crate::cli::RenderFormat,
) -> Result<Option<ShardOutputs>, Exit> {
    let s = &project.model.settings;
    if !s.shards.is_empty() && format != crate::cli::RenderFormat::Plain {
        eprintln!("error: --format prometheusrule does not fit [[shard]] tables yet");
        return Err(Exit::Invalid);
    }
    match alertctl::model::shard::select(s, only, out.is_some()) {
        Err(msg) => {
            eprintln!("error: {msg}");
            Err(Exit::Invalid)
        }
        Ok(picked) => Ok(picked.map(|picked| {
            picked
                .into_iter()
                .map(|sh| {
                    (
                        sh.name.clone(),
                        project.root.join(sh.dir(s)),
                        alertctl::model::shard::files_of(&project.model, sh, &rendered.files),
                    )
                })
                .collect()
        })),
    }
}

/// Each `[[shard]]` of the rules directory at `root` with the history key of its
/// output directory (none when alertctl.toml has no shards or does not parse).
pub fn shard_dirs(root: &std::path::Path) -> Vec<(String, String)> {
    use alertctl::source::settings;
    let Ok(text) = alertctl::source::load::read_root_file(root, settings::FILE_NAME) else {
        return vec![];
    };
    let src = alertctl::diag::SourceText::new(settings::FILE_NAME, text);
    let Ok(s) = settings::parse(&src) else {
        return vec![];
    };
    s.shards
        .iter()
        .map(|sh| {
            let key = alertctl::ops::history_key(&root.join(sh.dir(&s)));
            (sh.name.clone(), key)
        })
        .collect()
}

pub fn out_dir(project: &Project, out: Option<PathBuf>) -> PathBuf {
    out.unwrap_or_else(|| project.output_dir())
}

/// The `--promtool`/`--amtool` flag as a policy.
pub fn policy(arg: crate::cli::PromtoolArg) -> alertctl::source::settings::PromtoolPolicy {
    use crate::cli::PromtoolArg;
    use alertctl::source::settings::PromtoolPolicy;
    match arg {
        PromtoolArg::Auto => PromtoolPolicy::Auto,
        PromtoolArg::Required => PromtoolPolicy::Required,
        PromtoolArg::Off => PromtoolPolicy::Off,
    }
}

/// Runs promtool on the rendered files as the policy says (the flag overrides
/// `validate.promtool`); findings become diagnostics.
pub fn promtool_check(
    project: &Project,
    rendered: &Rendered,
    arg: Option<crate::cli::PromtoolArg>,
    diags: &mut Diagnostics,
) -> alertctl::render::promtool::Verdict {
    alertctl::render::promtool::check_with_policy(
        project,
        rendered,
        promtool_policy(project, arg),
        diags,
    )
}

/// The promtool policy of a check: the flag's, else `validate.promtool`'s.
pub fn promtool_policy(
    project: &Project,
    arg: Option<crate::cli::PromtoolArg>,
) -> alertctl::source::settings::PromtoolPolicy {
    arg.map_or(project.model.settings.validate.promtool, policy)
}

/// The warm fast path's view of the directory, unless `--no-cache` or anything changed.
pub fn quick(g: &Global) -> Option<Quick> {
    look(g).ok()
}

/// [`quick`], or what it saw of sources that changed ([`project::look`]).
fn look(g: &Global) -> Result<Quick, Option<Seen>> {
    if g.no_cache {
        return Err(None);
    }
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    project::look(&project::find_root(&start).map_err(|_| None)?)
}

/// The cache, when it can answer a question by itself: nothing changed since a full run,
/// which left its index, cells and traces. Otherwise `None`, said with `-v`: the question
/// takes the full path.
pub fn quick_answers(g: &Global) -> Option<alertctl::source::project::Quick> {
    let q = quick(g).filter(|q| q.cache.answers(&q.fingerprint));
    if q.is_none() && g.verbose {
        eprintln!("cache index missing or stale (sources changed, or no full run such as `render` since, or --no-cache): answering from a full load");
    }
    q
}

/// What the fast path found for `render` and `diff` ([`output_state`]).
pub enum OutputState {
    /// Nothing changed since a full run, and the output directory `.0` holds exactly
    /// its `.1` files: there is nothing to render, write or show but the run's
    /// warnings, printed already.
    Unchanged(PathBuf, usize, Quick),
    /// The sources are as the stored run read them, but the cache cannot answer alone:
    /// mostly because the output directory is not as it left it (then the directory
    /// and its files' hashes come along), else shards, file_sd or its warnings.
    Differs(Quick, Option<(PathBuf, Current)>),
    /// The sources changed: what the fast path saw of them, for the load that follows.
    Changed(Option<Seen>),
}

/// What changed since the last full run, in the sources and the output directory
/// `out` (the settings' `output.dir` if `None`).
pub fn output_state(g: &Global, out: Option<&std::path::Path>) -> OutputState {
    let q = look(g);
    alertctl::timings::mark("fast path: stats and cache");
    match q {
        Err(seen) => OutputState::Changed(seen),
        Ok(q) => match unchanged_output_of(g, out, &q) {
            Ok((dir, files)) => OutputState::Unchanged(dir, files, q),
            Err(read) => OutputState::Differs(q, read),
        },
    }
}

/// [`output_state`] once the sources are known unchanged: the output directory
/// and how many files it holds, when it holds exactly the last run's. Otherwise the
/// directory and what was read of it, if it was.
fn unchanged_output_of(
    g: &Global,
    out: Option<&std::path::Path>,
    q: &Quick,
) -> Result<(PathBuf, usize), Option<(PathBuf, Current)>> {
    // Shards have output directories of their own.
    if !q.settings.shards.is_empty() {
        return Err(None);
    }
    let stored = q.cache.rendered_hashes(&q.fingerprint).ok_or(None)?;
    let (hashes, file_sd) = alertctl::render::file_sd::split(&stored);
    let dir = out.map_or_else(
        || q.root.join(&q.settings.output.dir),
        std::path::Path::to_path_buf,
    );
    let same = |cur: &Current, hashes: &BTreeMap<String, String>| {
        cur.generated == *hashes && !cur.foreign.iter().any(|f| hashes.contains_key(f))
    };
    let cur = alertctl::render::output::read_hashes(&dir).map_err(|_| None)?;
    alertctl::timings::mark("fast path: output hashes");
    if !same(&cur, &hashes) || dir.join(alertctl::deploy::txn::JOURNAL).exists() {
        return Err(Some((dir, cur)));
    }
    if let Some(fs) = &q.settings.file_sd {
        let cur =
            alertctl::render::file_sd::read_hashes(&q.root.join(&fs.dir)).map_err(|_| None)?;
        if !same(&cur, &file_sd) {
            return Err(None);
        }
    }
    let warnings = q.warnings().ok_or(None)?;
    if g.verbose {
        eprintln!("loaded {n} files from {}: 0 parsed, {n} reused from cache (nothing changed since the last full run)", q.root.display(), n = q.cache.stats().len());
    }
    show_warnings(g, &warnings);
    Ok((dir, hashes.len()))
}

/// `off` turns the delta path off: `diff` and `render` after an edit load the whole
/// directory (and store the run).
const DELTA_ENV: &str = "ALERTCTL_DELTA";

/// The delta path ([`alertctl::source::delta`]) of a `diff` or `render` (`what`) whose
/// sources changed since the stored run, from what the fast path `seen`; `None` (said
/// with `-v`, with why) when it declines: take the full path.
pub fn delta(
    g: &Global,
    seen: Option<&alertctl::source::project::Seen>,
    out: Option<&std::path::Path>,
    what: &str,
) -> Option<alertctl::source::delta::Delta> {
    if std::env::var_os(DELTA_ENV).is_some_and(|v| v == "off") {
        if g.verbose {
            eprintln!("{what}: a full load: {DELTA_ENV}=off");
        }
        return None;
    }
    let d = alertctl::source::delta::diff(seen?, out);
    alertctl::timings::mark("delta");
    match d {
        Ok(d) => {
            if g.verbose {
                eprintln!(
                    "{what}: {} changed since the last full run: {} of {} alerts rendered, from {} files",
                    d.changed.join(", "),
                    d.rendered.0,
                    d.rendered.1,
                    d.loaded
                );
            }
            Some(d)
        }
        Err(why) => {
            if g.verbose {
                eprintln!("{what}: a full load: {why}");
            }
            None
        }
    }
}

/// Stored warnings, shown as a full run shows them ([`stop_on_errors`]).
pub fn show_warnings(g: &Global, warnings: &Diagnostics) {
    report::print(
        warnings,
        Format::Human,
        report::stderr_color(g.color),
        std::path::Path::new("."),
    );
}

/// The file_sd directory and how it would change, when `[file_sd]` is set; `Err(exit)`
/// when a file to write is taken by a file alertctl did not generate.
pub fn file_sd_plan(
    project: &Project,
    rendered: &Rendered,
) -> miette::Result<Result<Option<(PathBuf, alertctl::render::diff::Plan)>, Exit>> {
    use miette::IntoDiagnostic;
    let Some(fs) = &project.model.settings.file_sd else {
        return Ok(Ok(None));
    };
    let dir = project.root.join(&fs.dir);
    let current = alertctl::render::file_sd::read(&dir).into_diagnostic()?;
    let clash: Vec<&String> = current
        .foreign
        .iter()
        .filter(|f| rendered.file_sd.contains_key(*f))
        .collect();
    if !clash.is_empty() {
        for f in clash {
            eprintln!(
                "error: {}",
                current.refusal_in(f, &dir.display().to_string())
            );
        }
        eprintln!(
            "hint: move the hand-written file, or point file_sd.dir at a directory of its own"
        );
        return Ok(Err(Exit::Invalid));
    }
    let plan = alertctl::render::diff::plan_files(&rendered.file_sd, &current.generated);
    Ok(Ok(Some((dir, plan))))
}

/// A file_sd change as `diff` shows it: its path starts with `file_sd/`.
pub fn print_file_sd_diff(plan: &alertctl::render::diff::Plan, color: bool) {
    for c in &plan.changes {
        let mut c = c.clone();
        c.file = format!("{}{}", alertctl::render::file_sd::KEY_PREFIX, c.file);
        print!("{}", alertctl::render::diff::unified(&c, color));
    }
}

/// Prints an operation's error; the exit code says whether the request was wrong (2)
/// or the operation failed (4).
pub fn op_error(e: &dyn std::fmt::Display, invalid: bool) -> Exit {
    eprintln!("error: {e}");
    if invalid {
        Exit::Invalid
    } else {
        Exit::Failure
    }
}
