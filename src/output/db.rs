//! How `pathway db` shows the database: where it is (`db path`) and the
//! problems `db check` found.

use super::{Cell, Out, Render};
use crate::db::check::Finding;
use anyhow::Result;
use std::path::Path;

/// `db path`: the file, why there, and whether it exists.
pub struct Location<'a> {
    pub path: &'a Path,
    pub reason: &'a str,
    pub exists: bool,
}

impl Render for Location<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        out.record(
            &["path", "reason", "exists"],
            vec![Cell::text(self.path.display().to_string()), Cell::text(self.reason), Cell::Bool(self.exists)],
        )
    }
}

/// `db check`: one row per problem.
pub struct Problems<'a>(pub &'a [Finding]);

impl Render for Problems<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let mut rows = out.rows(&["check", "problem"])?;
        for p in self.0 {
            rows.push(vec![Cell::text(p.check), Cell::text(&p.message)])?;
        }
        rows.finish()?;
        Ok(())
    }
}
