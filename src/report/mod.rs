//! Reports: pure computations returning plain `Serialize` structs; the
//! rows come through `db::returns`.
