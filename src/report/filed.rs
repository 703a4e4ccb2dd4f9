//! `report file` and `report filed`: the return as it was sent, kept in the
//! database byte for byte (its JSON exactly as `report return --format json`
//! writes it for the same options), with its sha256, when, the options it
//! was made with and its figures by name, so that `report diff` can say
//! later what changed since.

use super::returns::{self, FigureValue, Return, ReturnOptions};
use crate::db::{self, filed::Filed, Conn};
use anyhow::Result;

/// A value of a figure as text, the same in every place a figure is
/// compared: a count (or "<N", "[c]"), a number, money as 23966.00, or
/// "none" for a figure with nothing to compute it from.
pub fn value_text(v: &FigureValue) -> String {
    match v {
        FigureValue::Count(c) => c.text(),
        FigureValue::Number(n) => n.map_or("none".into(), |x| x.to_string()),
        FigureValue::Money(p) => p.to_string(),
        FigureValue::Int(i) => i.to_string(),
        FigureValue::Text(t) => t.clone().unwrap_or_default(),
    }
}

/// The named figures of a return, name → value text, in the return's order.
pub fn figure_map(r: &Return) -> serde_json::Map<String, serde_json::Value> {
    r.figures()
        .into_iter()
        .filter_map(|f| f.named.map(|n| (n.name, serde_json::Value::String(value_text(&f.value)))))
        .collect()
}

/// The bytes of a return's JSON, exactly as `report return --format json`
/// writes them.
pub fn json_bytes(r: &Return) -> Result<Vec<u8>> {
    crate::output::pretty_json(r)
}

/// A return just filed.
#[derive(Debug, Clone)]
pub struct FiledReturn {
    pub id: i64,
    pub sha256: String,
    pub body: Vec<u8>,
    /// Earlier filings for the same period and service (a resubmission when > 0).
    pub earlier: usize,
}

/// `report file`: compute the return and store it, in one write (so that
/// the audit mark it keeps is the state it was computed from).
pub fn file(conn: &mut Conn, opts: &ReturnOptions, command: &str) -> Result<FiledReturn> {
    db::tx::write(conn, |tx| {
        let r = returns::build(tx, opts)?;
        let body = json_bytes(&r)?;
        let sha256 = crate::value::sha256::hex(&body);
        let service = r.service.as_ref().map(|s| s.name.clone());
        let earlier = db::filed::count_for(tx, &r.period.from.iso(), &r.period.to.iso(), service.as_deref())?;
        let row = Filed {
            id: 0,
            filed_at: opts.generated_at.clone(),
            period: r.period.label.clone(),
            from_on: r.period.from.iso(),
            to_on: r.period.to.iso(),
            service,
            suppress: opts.suppression.threshold,
            round: opts.suppression.rounding,
            completion_pathways: opts.completion_pathways,
            sha256: sha256.clone(),
            audit_mark: db::filed::audit_mark(tx)?,
            figures: serde_json::Value::Object(figure_map(&r)).to_string(),
            bytes: body.len() as i64,
        };
        let id = db::filed::insert(tx, &row, &body)?;
        db::tx::audit(tx, command, "filed_return", Some(&format!("#{id}")), "file", Some(&format!("sha256 {sha256}")))?;
        Ok(FiledReturn { id, sha256, body, earlier })
    })
}

/// The filed returns, oldest first.
pub fn list(conn: &Conn) -> Result<Vec<Filed>> {
    db::filed::list(conn)
}

/// The exact bytes of filed return `id`.
pub fn show(conn: &Conn, id: i64) -> Result<Vec<u8>> {
    db::filed::body(conn, id)?.ok_or_else(|| {
        crate::error::not_found(format!("there is no filed return #{id}; `pathway report filed` lists them"))
    })
}

/// `report filed`: one row per filed return, in every format.
impl crate::output::Render for Vec<Filed> {
    fn rows(&self, out: &mut crate::output::Out) -> Result<()> {
        use crate::output::Cell;
        let filed = self;
        let mut rows =
            out.rows(&["id", "period", "from", "to", "service", "suppress", "round", "filed_at", "sha256", "bytes"])?;
        for f in filed {
            rows.push(vec![
                Cell::Int(f.id),
                Cell::text(f.period.clone()),
                Cell::text(f.from_on.clone()),
                Cell::text(f.to_on.clone()),
                Cell::opt_text(f.service.clone()),
                Cell::Int(i64::from(f.suppress)),
                Cell::opt_int(f.round.map(i64::from)),
                Cell::text(f.filed_at.clone()),
                Cell::text(f.sha256.clone()),
                Cell::Int(f.bytes),
            ])?;
        }
        rows.finish()?;
        Ok(())
    }
}
