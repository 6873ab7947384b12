//! `denied-path`: paths matching a `deny` glob of the `[verify]` policy, in any layer. Checked
//! beside the other rules rather than in their chain: a project's own deny list adds to what
//! isogen reports, it does not replace it.
//!
//! Like every rule, it looks only at the [`super::Ctx`] (no I/O) and never writes a message
//! text of its own: its messages are constructors in [`crate::verify::diags`].

use super::{Ctx, Hit};
use crate::verify::diags::Diag;
use crate::verify::facts::Shipped;
use crate::verify::fs;

pub fn classify(ctx: &Ctx, s: Shipped) -> Option<Hit> {
    if ctx.policy.deny.iter().all(|g| g.is_empty()) {
        return None;
    }
    let path = s.entry.path;
    let mut chain: Vec<&str> = fs::self_and_ancestors(path).collect();
    chain.reverse();
    let (hit, glob) = chain
        .into_iter()
        .filter(|a| *a != "/")
        .find_map(|a| Some((a, ctx.policy.denied_by(a)?)))?;
    Some(Hit::new(Diag::denied_path(&glob), hit))
}
