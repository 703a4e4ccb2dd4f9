//! Reports: pure computations returning plain `Serialize` structs; the
//! rows come through `db::returns`.

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
