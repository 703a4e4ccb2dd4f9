//! How `pathway provider show` shows the provider.

use super::{Cell, Out, Render};
use crate::domain::provider::Provider;
use anyhow::Result;

/// The provider as a record: name and identifier.
pub struct ProviderShown<'a>(pub &'a Provider);

impl Render for ProviderShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let p = self.0;
        out.record(&["name", "identifier"], vec![Cell::text(p.name.clone()), Cell::opt_text(p.identifier.clone())])
    }
}
