//! Reports: pure computations returning plain `Serialize` structs; the
//! rows come through `db::returns`. Each value's renderer (`output::Render`)
//! is beside it: `returns_render.rs`, `returns_xlsx.rs` and
//! `merge_render.rs` for the return and the merged return, the end of the
//! file for the smaller reports.

pub mod caseload;
pub mod diff;
pub mod due;
pub mod equality;
pub mod explain;
pub mod filed;
pub mod grants;
pub mod merge;
pub mod merge_render;
pub mod outcomes;
pub mod returns;
pub mod returns_render;
pub mod returns_xlsx;
pub mod suppress;
