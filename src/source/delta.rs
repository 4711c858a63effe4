//! `diff` and `render` after an edit of a few rules files, from a model of the alerts
//! the edit can touch instead of the whole directory.
//!
//! A full run stores its *skeleton* beside its results: every source file's hash, each
//! alert's template, dependency key, output files and number of shown lints, each
//! output file's rule count, the alert of each rule of every rules file, and each
//! template's file. After an edit of a few rules files, the alerts with rules in them
//! (the *affected* alerts) are found there; a model of those alerts alone (their rules,
//! their templates, the whole inventory and `_lib`) is built and rendered, and the
//! output files where their rules changed are found by comparing their sections with
//! their stored summaries. When other alerts have rules in those files, a second model
//! holds them too. Only those files are built; every other file is the stored run's,
//! which the output directory must hold as built.
//!
//! Each step checks what it relies on and declines (`Err(why)`: the full load)
//! otherwise: the stored run reported nothing but its alerts' lints, and its load
//! nothing at all; no many-alert rules, rule groups, shards or file_sd; every file is
//! as the skeleton says but the edited rules files, which parse cleanly and name only
//! alerts they had rules of; the model reports nothing, and every alert it renders
//! that the edit does not affect comes out with exactly its stored sections and
//! lints (so the smaller model renders as the whole one did). The warnings shown are
//! the full run's: the stored run's, split by alert, with the re-rendered alerts'
//! lints in their place. Nothing is stored. `tests/delta.rs` and the incremental
//! property test compare this path with `--no-cache`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::Cache;
use crate::diag::stored::StoredDiag;
use crate::diag::{Diagnostics, SourceText};
use crate::model::resolve::Model;
use crate::model::FileModel;
use crate::render::memo;
use crate::source::parse::{self, FileKind};
use crate::source::project::{self, Project, Seen};
use crate::source::{load, settings};

/// At most this many edited files take the delta path: an edit, or a few, as a user
/// makes them between two `diff`s; more (a checkout, a rebase) take the full load.
const MAX_CHANGED: usize = 8;

/// A model of at most this many alerts, or a quarter of them if more: past that, a
/// model of some alerts saves little over the full load.
const MIN_MODEL_ALERTS: usize = 64;

/// At most this many files whose stat cannot vouch for them are read to find the
/// edited ones (as the fast path's content checks).
const MAX_UNSURE: usize = 64;

/// What a full run leaves for a later delta `diff` (see the module's doc).
#[derive(Serialize, Deserialize)]
struct Skeleton {
    /// Every source file and its content hash, in the fingerprint's order.
    files: Vec<(String, String)>,
    /// Every alert, in alert order.
    alerts: Vec<Outline>,
    /// The output files, by the indexes in [`Outline::outputs`], and how many rules
    /// each holds.
    outputs: Vec<(String, usize)>,
    /// Each rules file with rules, and the alert of each of its rules in file order
    /// (index in `alerts` + 1; 0 for a suspended rule).
    rules: Vec<(String, Vec<u32>)>,
    /// Template name -> its file.
    templates: Vec<(String, String)>,
}

/// One alert of a [`Skeleton`].
#[derive(Serialize, Deserialize)]
struct Outline {
    name: String,
    template: String,
    /// Its dependency key, which its stored render and summary are kept under.
    key: String,
    /// The output files its rules went to.
    outputs: Vec<u32>,
    /// How many of the run's shown warnings are its lints (the next after the
    /// previous alerts').
    lints: usize,
}

/// The skeleton of `project`'s run, which `rendered` rendered and whose warnings shown
/// were `shown` many, encoded; `None` when a delta `diff` could not use it (see the
/// module's doc).
pub fn skeleton(
    project: &Project,
    rendered: &crate::render::Rendered,
    shown: usize,
) -> Option<Vec<u8>> {
    let m = &project.model;
    let s = &m.settings;
    // The run reported nothing but its alerts' lints: each alert's are its part of
    // the warnings shown, in alert order.
    let lints: usize = rendered.outline.iter().map(|(_, _, n)| n).sum();
    if !project.load_clean
        || !project.from_disk
        || s.file_sd.is_some()
        || !s.shards.is_empty()
        || !m.rule_groups.is_empty()
        || m.rules.iter().any(|r| r.is_many())
        || rendered.outline.len() != m.alerts.len()
        || lints != shown
    {
        return None;
    }
    let mut alert_of = vec![0u32; m.rules.len()];
    for (i, a) in m.alerts.values().enumerate() {
        for &r in a.by_scope.values().flatten() {
            alert_of[r] = i as u32 + 1;
        }
    }
    let mut rules: Vec<(String, Vec<u32>)> = Vec::new();
    for (r, &id) in m.rules.iter().zip(&alert_of) {
        match rules.last_mut() {
            Some((file, ids)) if **file == *r.file => ids.push(id),
            _ => rules.push((r.file.to_string(), vec![id])),
        }
    }
    // Each file's rules are one run of the model's (`Model::build` gathers the files
    // in turn); checked all the same, as a file's rules are taken by position.
    if rules.iter().map(|(f, _)| f).collect::<HashSet<_>>().len() != rules.len() {
        return None;
    }
    let rules_in: HashMap<&str, usize> = rendered
        .file_keys
        .iter()
        .map(|(name, k)| (name.as_str(), k.rules))
        .collect();
    let mut outputs: Vec<(String, usize)> = Vec::new();
    let mut output_at: HashMap<&str, u32> = HashMap::new();
    let mut alerts = Vec::with_capacity(m.alerts.len());
    for (a, (name, files, lints)) in m.alerts.values().zip(&rendered.outline) {
        if a.name != *name {
            return None;
        }
        let mut of = Vec::with_capacity(files.len());
        for f in files {
            let at = match output_at.get(f.as_str()) {
                Some(&at) => at,
                None => {
                    outputs.push((f.clone(), *rules_in.get(f.as_str())?));
                    output_at.insert(f, outputs.len() as u32 - 1);
                    outputs.len() as u32 - 1
                }
            };
            of.push(at);
        }
        alerts.push(Outline {
            name: a.name.clone(),
            template: a.template.clone(),
            key: project.keys.alerts.get(&a.name)?.clone(),
            outputs: of,
            lints: *lints,
        });
    }
    let templates = m
        .templates
        .iter()
        .map(|(name, t)| (name.clone(), t.file.to_string()))
        .collect();
    postcard::to_stdvec(&Skeleton {
        files: project.source_hashes.clone(),
        alerts,
        outputs,
        rules,
        templates,
    })
    .ok()
}

/// What a delta `diff` shows and a delta `render` writes: as
/// [`crate::source::project::Pending`], with the warnings the full run would show.
pub struct Delta {
    /// The rules directory.
    pub root: PathBuf,
    /// The output directory compared with.
    pub dir: PathBuf,
    /// The files built now: name -> content.
    pub files: BTreeMap<String, String>,
    /// The stored run's other files: name -> content hash (the directory holds them as
    /// built).
    pub kept: BTreeMap<String, String>,
    pub warnings: Diagnostics,
    /// The edited files.
    pub changed: Vec<String>,
    /// How many alerts were rendered, of how many.
    pub rendered: (usize, usize),
    /// How many source files the model was built from.
    pub loaded: usize,
    /// How many rules the files hold, built and kept.
    pub rules: usize,
}

/// What a `diff` against `out` (the settings' `output.dir` if `None`) shows, and a
/// `render` there writes, from what the fast path saw of a directory whose sources
/// changed ([`Seen`]); `Err(why not)`: take the full load.
pub fn diff(seen: &Seen, out: Option<&Path>) -> Result<Delta, &'static str> {
    // Elsewhere a stat is a size and an mtime alone: not enough to take a file as the
    // stored run read it.
    if !cfg!(unix) {
        return Err("a stat cannot vouch for a file here");
    }
    if !seen.walk.problems.is_empty() {
        return Err("the directory has unreadable paths");
    }
    let root = seen.root.as_path();
    let text = load::read_root_file(root, settings::FILE_NAME)
        .ok()
        .ok_or("the settings are unreadable")?;
    let settings_src = SourceText::new(settings::FILE_NAME, text.as_str());
    let settings = settings::parse(&settings_src)
        .ok()
        .ok_or("the settings do not parse")?;
    if !settings.shards.is_empty() || settings.file_sd.is_some() {
        return Err("shards or file_sd are set");
    }
    let real_root = load::canonical_root(root)
        .ok()
        .ok_or("the rules directory is unreadable")?;
    let resolve = |p: &str| load::resolve(root, Path::new(p));
    if !settings::check_paths(&settings, &settings_src, &real_root, &resolve).is_empty() {
        return Err("a path of the settings is wrong");
    }
    let dir = out.map_or_else(|| root.join(&settings.output.dir), Path::to_path_buf);

    let cache = Cache::open_existing(root).ok_or("no cache")?;
    let (fingerprint, bytes) = cache.skeleton().ok_or("the stored run left no skeleton")?;
    let sk: Skeleton = postcard::from_bytes(&bytes)
        .ok()
        .ok_or("the stored run's skeleton does not decode")?;
    // Ids index `alerts`, found by name: in order, each once.
    let in_order = sk.alerts.windows(2).all(|w| w[0].name < w[1].name);
    let known = |id: &u32| (*id as usize) <= sk.alerts.len();
    let known_outputs = |a: &Outline| a.outputs.iter().all(|&o| (o as usize) < sk.outputs.len());
    if !in_order
        || !sk.rules.iter().all(|(_, ids)| ids.iter().all(known))
        || !sk.alerts.iter().all(known_outputs)
    {
        return Err("the stored run's skeleton is not well formed");
    }
    crate::timings::mark("delta: skeleton");
    let files = sk.files.iter().map(|(p, h)| (p.as_str(), h.as_str()));
    if project::fingerprint(&text, files) != fingerprint {
        return Err("the settings changed");
    }
    let recorded: HashMap<&str, &str> = sk
        .files
        .iter()
        .map(|(p, h)| (p.as_str(), h.as_str()))
        .collect();
    let entries = &seen.walk.entries;
    let order: HashMap<&str, usize> = sk
        .files
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), i))
        .collect();
    if entries.len() != recorded.len() {
        return Err("files were added or removed");
    }
    // The files the skeleton's run read as they are now: by their stat, or read again.
    let mut unsure = Vec::new();
    for e in entries {
        let was = *recorded
            .get(e.rel_path.as_str())
            .ok_or("a file was added")?;
        if project::recorded_hash(&seen.stats, e) != Some(was) {
            unsure.push((e, was));
        }
    }
    if unsure.len() > MAX_UNSURE {
        return Err("too many files touched");
    }
    let read = unsure
        .par_iter()
        .map(|(e, was)| {
            let sf = load::read(e).ok()?;
            Some((sf.hash != *was).then_some(sf))
        })
        .collect::<Option<Vec<_>>>()
        .ok_or("a file is unreadable")?;
    let changed: Vec<load::SourceFile> = read.into_iter().flatten().collect();
    if changed.is_empty() {
        return Err("no source file changed");
    }
    if changed.len() > MAX_CHANGED {
        return Err("too many files changed");
    }
    if changed.iter().any(|c| c.kind != FileKind::Rules) {
        return Err("a file other than a rules file changed");
    }
    let changed_paths: HashSet<&str> = changed.iter().map(|c| c.rel_path.as_str()).collect();
    // The output directory's hashes, read while the stored run is: started only now, so
    // that a decline before does not leave it reading beside the full load.
    let reading = dir.clone();
    let current = std::thread::spawn(move || crate::render::output::read_hashes(&reading));
    crate::timings::mark("delta: changed files");

    // The stored run: its files, its warnings.
    let stored = cache.rendered_hashes(&fingerprint).ok_or("no stored run")?;
    let (stored, _) = crate::render::file_sd::split(&stored);
    let warnings = cache
        .warnings(&fingerprint)
        .ok_or("the stored run's warnings are missing")?;
    if warnings.load != crate::diag::stored::encode(std::iter::empty()) {
        return Err("the stored run's load reported something");
    }
    let accepted = settings.accepted();

    // The affected alerts, their files, and every alert with rules in those files.
    let by_file: HashMap<&str, &[u32]> = sk
        .rules
        .iter()
        .map(|(f, ids)| (f.as_str(), ids.as_slice()))
        .collect();
    let name = |id: u32| sk.alerts[id as usize - 1].name.as_str();
    let affected_ids: HashSet<u32> = changed_paths
        .iter()
        .flat_map(|p| by_file.get(p).copied().unwrap_or_default())
        .copied()
        .filter(|&id| id > 0)
        .collect();
    let affected: BTreeSet<&str> = affected_ids.iter().map(|&id| name(id)).collect();
    // The output directory, checked before any model is built: every stored file
    // holds what the stored run built, but those the affected alerts' rules went to.
    let current = current
        .join()
        .ok()
        .and_then(Result::ok)
        .ok_or("the output directory is unreadable")?;
    if dir.join(crate::deploy::txn::JOURNAL).exists() {
        return Err("an unfinished commit in the output directory");
    }
    let may_change: HashSet<&str> = affected_ids
        .iter()
        .flat_map(|&id| &sk.alerts[id as usize - 1].outputs)
        .map(|&o| sk.outputs[o as usize].0.as_str())
        .collect();
    let held = |(n, h): (&String, &String)| {
        may_change.contains(n.as_str()) || current.generated.get(n) == Some(h)
    };
    if !stored.iter().all(held) {
        return Err("the output directory does not hold the stored run's files");
    }
    let id_of = |alert: &str| {
        let at = sk.alerts.binary_search_by(|a| a.name.as_str().cmp(alert));
        at.ok().map(|i| i as u32 + 1)
    };

    // What a model of some alerts is built from: the edited files, and of the others
    // the rules files with their rules, their templates, the inventory and `_lib`.
    let template_file: HashMap<&str, &str> = sk
        .templates
        .iter()
        .map(|(t, f)| (t.as_str(), f.as_str()))
        .collect();
    let mut edited: Vec<(SourceText, FileModel)> = Vec::new();
    let mut their_templates: BTreeSet<&str> = BTreeSet::new();
    for c in &changed {
        let mut d = Diagnostics::default();
        let m = parse::file(c.kind, &c.source, &mut d);
        if !d.is_empty() || m.broken {
            return Err("an edited file does not parse cleanly");
        }
        if !m.rule_groups.is_empty() {
            return Err("an edited file sets rule groups");
        }
        for r in &m.rules {
            let file = template_file.get(r.template.value.as_str()).copied();
            their_templates
                .insert(file.ok_or("an edited rule names a template the stored run did not have")?);
        }
        edited.push((c.source.clone(), m));
    }
    // An edited rule's own cell goes to the file of its scope, which then changes:
    // when that file holds more alerts than a model should, the full load follows
    // anyway (a global rule's edit: every alert with a global rule), so decline now.
    let bound = MIN_MODEL_ALERTS.max(sk.alerts.len() / 4);
    let scoped: BTreeSet<String> = edited
        .iter()
        .flat_map(|(_, m)| &m.rules)
        .filter(|r| !matches!(r.scope.value, crate::model::Scope::Target(_)))
        .map(|r| crate::render::file_name(&r.scope.value))
        .collect();
    let in_scoped = |a: &Outline| {
        let output = |&o: &u32| {
            sk.outputs
                .get(o as usize)
                .is_some_and(|(f, _)| scoped.contains(f))
        };
        a.outputs.iter().any(output)
    };
    if sk.alerts.iter().filter(|a| in_scoped(a)).count() > bound {
        return Err("the edited rules' output files hold too many alerts");
    }
    let build = |wanted: &HashSet<u32>| -> Result<(Model, usize), &'static str> {
        let mut to_load = their_templates.clone();
        for (f, ids) in &sk.rules {
            if !changed_paths.contains(f.as_str()) && ids.iter().any(|id| wanted.contains(id)) {
                to_load.insert(f);
            }
        }
        for &id in wanted {
            let template = sk.alerts[id as usize - 1].template.as_str();
            to_load.insert(
                template_file
                    .get(template)
                    .copied()
                    .ok_or("an alert's template is unknown")?,
            );
        }
        for e in entries {
            if matches!(e.kind, FileKind::Inventory | FileKind::Lib) {
                to_load.insert(&e.rel_path);
            }
        }
        let loading: Vec<(&load::Entry, &str)> = entries
            .iter()
            .filter(|e| {
                to_load.contains(e.rel_path.as_str())
                    && !changed_paths.contains(e.rel_path.as_str())
            })
            .map(|e| (e, recorded[e.rel_path.as_str()]))
            .collect();
        // Past a quarter of the directory, a model of a few alerts saves little over
        // the full load, which follows when the delta path declines later.
        if loading.len() > entries.len() / 4 + 64 {
            return Err("the alerts touched have rules in too many files");
        }
        let sources = loading
            .par_iter()
            .map(|(e, was)| {
                let known = project::recorded_hash(&seen.stats, e).filter(|h| h == was);
                let sf = load::read_known(e, known).ok()?;
                (sf.hash == *was).then_some(sf)
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("a file changed while read")?;
        let keyed: Vec<(&str, &str)> = sources
            .iter()
            .map(|s| (s.rel_path.as_str(), s.hash.as_str()))
            .collect();
        let models = cache.models_of(&keyed);
        crate::timings::mark("delta: read, stored models");
        let mut files: Vec<(SourceText, FileModel)> = Vec::with_capacity(sources.len() + 1);
        for (sf, m) in sources.iter().zip(models) {
            let mut m = match m {
                Some(mut m) => {
                    m.share_path(&sf.source.path);
                    m
                }
                None => {
                    let mut d = Diagnostics::default();
                    let m = parse::file(sf.kind, &sf.source, &mut d);
                    if !d.is_empty() {
                        return Err("a file does not parse cleanly");
                    }
                    m
                }
            };
            if sf.kind == FileKind::Rules {
                // Only the rules of the alerts wanted, as the skeleton's run knew them.
                let ids = by_file
                    .get(sf.rel_path.as_str())
                    .ok_or("a rules file the stored run did not know")?;
                if ids.len() != m.rules.len() {
                    return Err("a rules file's rules are not the stored run's");
                }
                let mut id = ids.iter();
                m.rules
                    .retain(|_| id.next().is_some_and(|id| wanted.contains(id)));
            }
            files.push((sf.source.clone(), m));
        }
        files.extend(edited.iter().cloned());
        // In the load's order: a namespace written in several inventory files lists its
        // groups (and a scope matched by the inventory, its targets) in that order.
        files.sort_by_key(|(src, _)| order.get(&*src.path).copied());
        let loaded = files.len();
        let mut diags = Diagnostics::default();
        let mut model = Model::build(settings.clone(), files, &mut diags);
        if !diags.is_empty()
            || !model.rule_groups.is_empty()
            || model.rules.iter().any(|r| r.is_many())
        {
            return Err("the model reports something, or has many-alert rules or rule groups");
        }
        model
            .sources
            .insert(settings::FILE_NAME.to_string(), settings_src.clone());
        // Its alerts are those wanted; an edited rule in an alert the edit did not
        // affect would change that alert's render too.
        for alert in model.alerts.values() {
            let id = id_of(&alert.name);
            if !id.is_some_and(|id| wanted.contains(&id)) {
                return Err("an edited rule names an alert the stored run did not have, or one not in the model");
            }
            let edited_rule = alert
                .by_scope
                .values()
                .flatten()
                .any(|&i| changed_paths.contains(&*model.rules[i].file));
            if edited_rule && !affected.contains(alert.name.as_str()) {
                return Err("an edited rule is in an alert the file had no rule of");
            }
        }
        crate::timings::mark("delta: model build");
        Ok((model, loaded))
    };

    // The run's warnings: each alert's lints in turn.
    let shown: Vec<StoredDiag> = postcard::from_bytes(&warnings.shown)
        .ok()
        .ok_or("the stored run's warnings do not decode")?;
    let mut runs = Vec::with_capacity(sk.alerts.len());
    let mut at: usize = 0;
    for a in &sk.alerts {
        let end = at
            .checked_add(a.lints)
            .filter(|&end| end <= shown.len())
            .ok_or("the stored run reported more than its alerts' lints")?;
        runs.push(at..end);
        at = end;
    }
    if at != shown.len() {
        return Err("the stored run reported more than its alerts' lints");
    }
    let run_of = |id: u32| postcard::to_allocvec(&shown[runs[id as usize - 1].clone()]).ok();
    // The stored sections of the alerts in a model, from their summaries, whose lints
    // must be their part of the run's warnings.
    let fetch = |ids: &HashSet<u32>,
                 stored: &mut HashMap<u32, Vec<memo::Section>>|
     -> Result<(), &'static str> {
        let missing: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|id| !stored.contains_key(id))
            .collect();
        let keys: Vec<(&str, &str)> = missing
            .iter()
            .map(|&id| {
                let a = &sk.alerts[id as usize - 1];
                (a.name.as_str(), a.key.as_str())
            })
            .collect();
        for (&id, bytes) in missing.iter().zip(cache.summaries_of(&keys)) {
            let bytes = bytes.ok_or("a stored summary is missing")?;
            let (sections, lints) =
                memo::summary_as_stored(&bytes).ok_or("a stored summary does not decode")?;
            let lints: Vec<&StoredDiag> = lints.iter().filter(|d| !d.accepted(&accepted)).collect();
            if postcard::to_allocvec(&lints).ok() != run_of(id) {
                return Err("a stored summary's lints are not the run's");
            }
            stored.insert(id, sections);
        }
        Ok(())
    };
    let mut stored_sections: HashMap<u32, Vec<memo::Section>> = HashMap::new();

    // The files to build: those where an affected alert's rules changed. Every alert
    // with rules there must be in the model: the affected ones first, then, if others
    // have rules there, a model of those too (once).
    let mut wanted = affected_ids.clone();
    let mut outputs: BTreeSet<String> = BTreeSet::new();
    let mut second = false;
    let (model, loaded, mut rendered) = loop {
        if wanted.len() > bound {
            return Err("too many alerts touched");
        }
        fetch(&wanted, &mut stored_sections)?;
        let (model, loaded) = build(&wanted)?;
        let mut more: HashSet<u32> = HashSet::new();
        let rendered = crate::render::render_some(&model, &mut |alerts| {
            outputs.clear();
            for &id in &affected_ids {
                let was: BTreeSet<&memo::Section> = stored_sections[&id].iter().collect();
                let now: BTreeSet<&memo::Section> = alerts
                    .get(name(id))
                    .map(|(s, _)| s.iter().collect())
                    .unwrap_or_default();
                outputs.extend(was.symmetric_difference(&now).map(|(f, _)| f.clone()));
            }
            for (id, a) in (1..).zip(&sk.alerts) {
                let output = |&o: &u32| {
                    sk.outputs
                        .get(o as usize)
                        .is_some_and(|(f, _)| outputs.contains(f))
                };
                if !wanted.contains(&id) && a.outputs.iter().any(output) {
                    more.insert(id);
                }
            }
            more.is_empty().then(|| outputs.clone())
        });
        match rendered {
            Some(r) => break (model, loaded, r),
            None if more.is_empty() => return Err("the render reports more than lints"),
            None if second => {
                return Err("the edit changes files that hold other alerts' rules again")
            }
            None => {
                wanted.extend(more);
                second = true;
            }
        }
    };
    crate::timings::mark("delta: render");
    // Every alert wanted is in the model, but an affected one whose rules are all gone.
    let absent = |id: &u32| !affected_ids.contains(id) && !model.alerts.contains_key(name(*id));
    if wanted.iter().any(absent) {
        return Err("an alert not edited is missing from the model");
    }
    // Every alert rendered that the edit did not affect renders as the stored run did:
    // the model of a few alerts renders them as the whole one.
    for (alert, (sections, lints)) in &rendered.alerts {
        let id = id_of(alert).ok_or("an alert not wanted")?;
        if affected_ids.contains(&id) {
            continue;
        }
        let lints = crate::diag::stored::encode(lints.shown(&accepted));
        if *sections != stored_sections[&id] || Some(lints) != run_of(id) {
            return Err("an alert the edit did not affect renders otherwise");
        }
    }

    let kept: BTreeMap<String, String> = stored
        .into_iter()
        .filter(|(n, _)| !outputs.contains(n))
        .collect();
    if kept
        .iter()
        .any(|(n, h)| current.generated.get(n) != Some(h))
    {
        return Err("the output directory does not hold the stored run's files");
    }
    let rules_of: HashMap<&str, usize> = sk.outputs.iter().map(|(f, n)| (f.as_str(), *n)).collect();
    let kept_rules = kept
        .keys()
        .map(|f| rules_of.get(f.as_str()).copied())
        .sum::<Option<usize>>()
        .ok_or("a stored file the skeleton does not count")?;
    crate::timings::mark("delta: output directory");

    // The full run's warnings: every alert's lints in alert order, the stored ones
    // against the files as they are (each unchanged, checked by its hash).
    let mut texts: HashMap<String, SourceText> = HashMap::new();
    let mut source = |path: &str| -> Option<SourceText> {
        // A stored lint names the file as the stored run read it: an edited one's new
        // text would misplace it.
        if changed_paths.contains(path) {
            return None;
        }
        if let Some(t) = model.sources.get(path).or_else(|| texts.get(path)) {
            return Some(t.clone());
        }
        let was = recorded.get(path)?;
        let text = load::read_text(&root.join(path), path).ok()?;
        (load::content_hash(&text) == *was).then_some(())?;
        let t = SourceText::new(path, text);
        texts.insert(path.to_string(), t.clone());
        Some(t)
    };
    let mut warned = Diagnostics::default();
    let mut stored_lints = shown.into_iter();
    for a in &sk.alerts {
        let run = stored_lints.by_ref().take(a.lints);
        if let Some((_, lints)) = rendered.alerts.remove(&a.name) {
            run.for_each(drop);
            for d in lints.shown(&accepted) {
                warned.push(d.clone());
            }
            continue;
        }
        if affected.contains(a.name.as_str()) {
            run.for_each(drop);
            continue;
        }
        for d in run {
            warned.push(
                d.back(&mut source)
                    .ok_or("a stored lint does not come back")?,
            );
        }
    }
    Ok(Delta {
        root: root.to_path_buf(),
        dir,
        files: rendered.files,
        kept,
        warnings: warned,
        changed: changed.iter().map(|c| c.rel_path.clone()).collect(),
        rendered: (model.alerts.len(), sk.alerts.len()),
        loaded,
        rules: kept_rules + rendered.rules,
    })
}
