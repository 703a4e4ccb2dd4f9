//! The provider a database reports as: recorded once, carried in every
//! return (PRODUCT.md 6.3).

use crate::db::{self, Conn};
use crate::domain::threesixty;
use crate::error::{invalid, usage};
use anyhow::Result;

/// Who the returns are from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub name: String,
    pub identifier: Option<String>,
}

/// What `set` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    pub provider: Provider,
    /// The organisation was not recorded before.
    pub new_organisation: bool,
}

/// `provider set`: record the provider (an organisation, as grants and
/// services name them) and, when given, its 360Giving org-id, in one
/// audited write. The org-id is checked by the same rule as every
/// organisation's identifier.
pub fn set(conn: &mut Conn, name: &str, identifier: Option<&str>, command: &str) -> Result<Set> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("the provider's name is empty"));
    }
    let identifier = identifier.map(|x| threesixty::check_org_id(x).map_err(usage)).transpose()?;
    db::tx::write(conn, |tx| {
        let (org, added) = db::filed::set_provider(tx, name)?;
        if let Some(x) = &identifier {
            threesixty::give_identifier(tx, org, x)?;
        }
        let (name, identifier) = db::filed::provider(tx)?.expect("just recorded");
        db::tx::audit(tx, command, "provider", Some(&name), "set", identifier.as_deref())?;
        Ok(Set { provider: Provider { name, identifier }, new_organisation: added })
    })
}

/// The provider recorded, if any.
pub fn show(conn: &Conn) -> Result<Option<Provider>> {
    Ok(db::filed::provider(conn)?.map(|(name, identifier)| Provider { name, identifier }))
}
