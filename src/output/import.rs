//! How an import reports what it did: its counts as a record (for
//! scripts), or with `--dry-run` the changes it would make.

use super::{Cell, Out, Render};
use crate::import::Summary;
use anyhow::Result;

/// `--dry-run`: one row per change (line, record, key, action, column,
/// old, new).
pub struct DryRun<'a>(pub &'a Summary);

impl Render for DryRun<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let mut rows = out.rows(&["line", "record", "key", "action", "column", "old", "new"])?;
        for c in &self.0.changes {
            rows.push(vec![
                Cell::Int(c.line as i64),
                Cell::text(c.record),
                Cell::text(&c.key),
                Cell::text(c.action),
                Cell::text(&c.column),
                Cell::text(&c.old),
                Cell::text(&c.new),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }
}

/// The import's counts as one record.
pub struct Counts<'a>(pub &'a Summary);

impl Render for Counts<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let s = self.0;
        out.record(
            &["file", "rows", "new", "updated", "unchanged", "rejected", "repeated"],
            vec![
                Cell::text(&s.file),
                Cell::Int(s.rows as i64),
                Cell::Int(s.new as i64),
                Cell::Int(s.updated as i64),
                Cell::Int(s.unchanged as i64),
                Cell::Int(s.rejected as i64),
                Cell::Int(s.repeated as i64),
            ],
        )
    }
}
