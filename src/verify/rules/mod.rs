//! The checks. Config rules (user, entrypoint, service presence) look at the image config;
//! path rules look at every entry the image ships, visible or hidden by a later layer.
//!
//! Path rules form one chain, most specific first: each shipped entry is reported by the first
//! rule that claims it (a secret, another service, a dev dependency, workspace tooling, a
//! toolchain, sources, then the app-root layout), so one cause gives one finding rather than
//! the same files under four rule ids. A rule turned off in the policy still claims its paths;
//! its findings are dropped at the end. A claim names a "report path" (the package folder, the
//! `.git` directory, ...) so a folder of 3000 files is one path in the report.
//!
//! Rules never do I/O and never write message texts: they judge the [`Ctx`] and hand a
//! [`Diag`] (a rule id and its message, from the registry) to the [`Collector`].

mod compared;
mod duplicates;
mod entrypoint;
mod integrity;
mod layout;
mod locked;
mod modules;
mod policy;
mod secrets;
mod services;
mod sources;
mod tooling;
mod user;

pub use compared::{compared, Compared};

use std::collections::{BTreeMap, BTreeSet};

use super::cfg::Policy;
use super::diags::{Diag, RuleId};
use super::facts::{Facts, Shipped};
use super::launch::Launch;
use super::subject::{OwnerCache, Role, Subject};
use super::{Finding, HiddenBy, LayerRef};
use crate::image::{Hidden, Image};

/// Everything a rule may look at.
pub struct Ctx<'a, 'f> {
    pub facts: &'a Facts<'f>,
    pub subject: &'a Subject,
    pub launch: &'a Launch,
    pub policy: &'a Policy,
    /// This thread's memory of [`Ctx::owner`]'s last answer.
    pub owners: OwnerCache<'a>,
}

impl<'a, 'f> Ctx<'a, 'f> {
    /// The nearest package folder at or above `path`, with its role ([`Subject::owner`]).
    pub fn owner(&self, path: &str) -> Option<(&'a str, &'a Role)> {
        self.subject.owner_cached(path, &self.owners)
    }

    /// The same context with a memory of its own, for another thread.
    fn fork(&self) -> Ctx<'a, 'f> {
        Ctx {
            facts: self.facts,
            subject: self.subject,
            launch: self.launch,
            policy: self.policy,
            owners: OwnerCache::default(),
        }
    }
}

/// A path rule's claim on one shipped entry.
pub struct Hit {
    pub rule: RuleId,
    /// The finding's message: paths with the same rule, message and layer form one finding.
    pub message: String,
    /// The path to report (the entry itself, or the folder it belongs to).
    pub report: String,
}

impl Hit {
    pub fn new(diag: Diag, report: impl Into<String>) -> Hit {
        Hit {
            rule: diag.rule,
            message: diag.message,
            report: report.into(),
        }
    }
}

/// Groups hits into findings.
pub struct Collector<'i> {
    image: &'i Image,
    groups: BTreeMap<(usize, RuleId, String, Option<usize>, bool), Group>,
    config: Vec<Finding>,
    /// The `package.json` files a path rule claimed (another service's, a foreign package's):
    /// their contents are that finding's business, not a finding of their own.
    claimed_manifests: BTreeSet<String>,
}

struct Group {
    paths: Vec<String>,
    hidden: Option<Hidden>,
    layer: Option<usize>,
    /// Every layer that shipped a path of the group (several only for one-cause rules).
    layers: BTreeSet<usize>,
}

/// Rules whose hits are one cause however many layers they span: another service copied in by
/// three steps is one finding naming the three layers, not three findings.
const ONE_CAUSE: &[RuleId] = &[RuleId::OtherService];

impl<'i> Collector<'i> {
    pub fn new(image: &'i Image) -> Self {
        Collector {
            image,
            groups: BTreeMap::new(),
            config: Vec::new(),
            claimed_manifests: BTreeSet::new(),
        }
    }

    fn layer_ref(&self, index: usize) -> Option<LayerRef> {
        self.image.layers.get(index).map(|l| LayerRef {
            index,
            digest: l.digest.clone(),
            created_by: l.created_by.clone(),
        })
    }

    /// A finding about the image config (no path, no layer).
    pub fn config(&mut self, diag: Diag, values: Vec<String>) {
        self.config_with_paths(diag, values, Vec::new(), None);
    }

    pub fn config_with_paths(
        &mut self,
        diag: Diag,
        values: Vec<String>,
        paths: Vec<String>,
        layer: Option<usize>,
    ) {
        let layer = layer.and_then(|l| self.layer_ref(l));
        self.config.push(Finding::new(
            diag.rule,
            diag.message,
            paths,
            values,
            layer,
            None,
        ));
    }

    /// Whether a path rule claimed this `package.json`.
    pub fn claimed_manifest(&self, path: &str) -> bool {
        self.claimed_manifests.contains(path)
    }

    /// A path rule's hit on a shipped entry.
    pub fn hit(&mut self, hit: Hit, shipped: Shipped) {
        if shipped.hidden.is_none() && shipped.entry.path.ends_with("/package.json") {
            self.claimed_manifests
                .insert(shipped.entry.path.to_string());
        }
        let layer = shipped.entry.layer;
        let by = shipped.hidden.map(|h| match h {
            Hidden::Deleted { by_layer } | Hidden::Overwritten { by_layer } => by_layer,
        });
        let overwritten = matches!(shipped.hidden, Some(Hidden::Overwritten { .. }));
        let one_cause = ONE_CAUSE.contains(&hit.rule);
        let key = if one_cause {
            (usize::MAX, hit.rule, hit.message, None, false)
        } else {
            (layer, hit.rule, hit.message, by, overwritten)
        };
        let group = self.groups.entry(key).or_insert_with(|| Group {
            paths: Vec::new(),
            hidden: shipped.hidden,
            layer: Some(layer),
            layers: BTreeSet::new(),
        });
        // Visible anywhere is worse than hidden everywhere.
        if shipped.hidden.is_none() {
            group.hidden = None;
        }
        group.layers.insert(layer);
        if group.paths.last() != Some(&hit.report) {
            group.paths.push(hit.report);
        }
    }

    /// Adds the hits `later` collected (over entries after this one's) as if this collector
    /// had seen them itself.
    fn absorb(&mut self, later: Collector) {
        self.claimed_manifests.extend(later.claimed_manifests);
        for (key, group) in later.groups {
            match self.groups.entry(key) {
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(group);
                }
                std::collections::btree_map::Entry::Occupied(mut slot) => {
                    let mine = slot.get_mut();
                    // Visible anywhere is worse than hidden everywhere.
                    if group.hidden.is_none() {
                        mine.hidden = None;
                    }
                    mine.layers.extend(group.layers);
                    mine.paths.extend(group.paths);
                }
            }
        }
    }

    pub fn finish(mut self) -> Vec<Finding> {
        let mut out = std::mem::take(&mut self.config);
        for ((_, rule, message, _, _), g) in &self.groups {
            let mut paths = g.paths.clone();
            paths.sort();
            paths.dedup();
            let layer = g
                .layers
                .first()
                .copied()
                .or(g.layer)
                .and_then(|l| self.layer_ref(l));
            let values = if g.layers.len() > 1 {
                let list: Vec<String> = g.layers.iter().map(ToString::to_string).collect();
                vec![format!("layers: {}", list.join(", "))]
            } else {
                Vec::new()
            };
            let hidden = g.hidden.map(|h| {
                let (how, by) = match h {
                    Hidden::Deleted { by_layer } => ("deleted", by_layer),
                    Hidden::Overwritten { by_layer } => ("overwritten", by_layer),
                };
                HiddenBy {
                    how,
                    layer: self.layer_ref(by).unwrap_or(LayerRef {
                        index: by,
                        digest: String::new(),
                        created_by: None,
                    }),
                }
            });
            out.push(Finding::new(
                *rule,
                message.clone(),
                paths,
                values,
                layer,
                hidden,
            ));
        }
        out
    }
}

/// The chain of path rules, most specific first.
fn classify(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    secrets::classify(ctx, s)
        .or_else(|| services::classify(ctx, s))
        .or_else(|| tooling::classify_dev(ctx, s))
        .or_else(|| tooling::classify(ctx, s))
        .or_else(|| tooling::classify_toolchain(ctx, s))
        .or_else(|| sources::classify(ctx, s))
        .or_else(|| layout::classify(ctx, s))
}

/// Entries per path-rule thread (below twice this the rules stay on one thread). A thread
/// costs tens of microseconds to start; 2,000 entries take ~1.5 ms of rules. At 20,000 the
/// `service` shape (17k entries, one big raw layer) ran its rules alone after the read: ~80%
/// of the main thread's ~25 ms tail (perf), the time between it and the floor.
const ENTRIES_PER_THREAD: usize = 2_000;

/// The path rules over every shipped entry, on `threads` threads (None: up to
/// [`crate::par::cores`], one per [`ENTRIES_PER_THREAD`] entries), each over
/// a run of consecutive entries, its hits grouped apart and then added in the runs' order:
/// the findings are those of one pass in order.
fn path_rules(ctx: &Ctx, threads: Option<usize>, out: &mut Collector) {
    let tree = &ctx.facts.image.tree;
    let total = tree.entries.len() + tree.hidden.len();
    let parts = threads
        .unwrap_or_else(|| crate::par::cores().min(8).min(total / ENTRIES_PER_THREAD))
        .max(1);
    let run = |k: usize| (total * k / parts)..(total * (k + 1) / parts);
    let image = ctx.facts.image;
    let others: Vec<Collector> = std::thread::scope(|scope| {
        let threads: Vec<_> = (1..parts)
            .map(|k| {
                let ctx = ctx.fork();
                let range = run(k);
                scope.spawn(move || {
                    let mut found = Collector::new(image);
                    path_rules_over(&ctx, range, &mut found);
                    found
                })
            })
            .collect();
        path_rules_over(ctx, run(0), out);
        threads
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    for found in others {
        out.absorb(found);
    }
}

/// The path rules over the shipped entries in `range` (visible ones first, then hidden).
fn path_rules_over(ctx: &Ctx, range: std::ops::Range<usize>, out: &mut Collector) {
    for s in ctx.facts.shipped().skip(range.start).take(range.len()) {
        if ctx.policy.allowed(s.entry.path) {
            continue;
        }
        if let Some(hit) = policy::classify(ctx, s) {
            out.hit(hit, s);
        }
        if let Some(hit) = classify(ctx, s) {
            out.hit(hit, s);
        }
    }
}

/// Runs every rule over one image; returns the findings at their policy severity (rules turned
/// off dropped, allowed paths skipped). `threads`: for the path rules (None: as many as the
/// image is worth; the findings are the same whatever the number).
pub fn run(ctx: &Ctx, threads: Option<usize>) -> Vec<Finding> {
    let mut out = Collector::new(ctx.facts.image);
    user::check(ctx, &mut out);
    services::check_presence(ctx, &mut out);
    entrypoint::check(ctx, &mut out);
    let graph = modules::check(ctx, &mut out);
    locked::check(ctx, graph.as_ref(), &mut out);
    integrity::check(ctx, &mut out);
    duplicates::check(ctx, &mut out);
    path_rules(ctx, threads, &mut out);
    // After the path rules: a manifest they claimed is reported with what it belongs to.
    tooling::check_manifests(ctx, &mut out);
    let mut findings: Vec<Finding> = out
        .finish()
        .into_iter()
        .filter_map(|mut f| {
            f.severity = ctx.policy.severity(f.rule.rule())?;
            Some(f)
        })
        .collect();
    // Worst first, then in rule order; visible before hidden.
    findings.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            a.rule,
            a.hidden.is_some(),
            &a.paths,
            &a.message,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                b.rule,
                b.hidden.is_some(),
                &b.paths,
                &b.message,
            ))
    });
    findings
}
