//! How `pathway retention` shows its policy and its plan.

use super::{Cell, Out, Render};
use crate::domain::retention::{Plan, Policy};
use anyhow::Result;

/// `retention show`: the policy as a record.
pub struct PolicyShown<'a>(pub &'a Policy);

impl Render for PolicyShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        let p = self.0;
        out.record(&["years", "action"], vec![Cell::Int(i64::from(p.years)), Cell::text(p.action.as_str())])
    }
}

/// `retention plan`: what would go, as counts, or (`--list-refs`) one row
/// per woman.
pub struct PlanShown<'a> {
    pub plan: &'a Plan,
    pub list_refs: bool,
}

impl Render for PlanShown<'_> {
    fn rows(&self, out: &mut Out) -> Result<()> {
        if self.list_refs {
            let mut rows =
                out.rows(&["client_ref", "last_record", "referrals", "cases", "assessments", "referral_refs"])?;
            for w in &self.plan.women {
                rows.push(vec![
                    Cell::text(&w.client_ref),
                    Cell::text(&w.last_on),
                    Cell::Int(w.referrals),
                    Cell::Int(w.cases),
                    Cell::Int(w.assessments),
                    Cell::List(w.referral_refs.clone()),
                ])?;
            }
            rows.finish()?;
        } else {
            let c = self.plan.counts();
            out.record(
                &["as_of", "cutoff", "years", "action", "women", "referrals", "cases", "assessments"],
                vec![
                    Cell::Date(self.plan.as_of),
                    Cell::Date(self.plan.cutoff),
                    Cell::Int(i64::from(self.plan.policy.years)),
                    Cell::text(self.plan.policy.action.as_str()),
                    Cell::Int(c.women),
                    Cell::Int(c.referrals),
                    Cell::Int(c.cases),
                    Cell::Int(c.assessments),
                ],
            )?;
        }
        Ok(())
    }
}
