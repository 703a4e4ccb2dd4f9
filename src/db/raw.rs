//! An INSERT prepared once for a whole import and bound without copying.
//!
//! rusqlite binds every text as `SQLITE_TRANSIENT`: SQLite allocates and
//! copies it before the statement runs, eleven values a referral, a
//! million times a file. Here a text is bound as `SQLITE_STATIC`, which
//! SQLite reads in place, and that is sound because `Insert::run` binds,
//! steps, resets and clears the bindings within one call, while the text
//! it was given is still borrowed: no pointer to it outlives the call.
//! This is the one module of pathway with `unsafe` code, and every
//! `unsafe` block here is a call into SQLite's C interface on the
//! statement this type owns.
#![allow(unsafe_code)]

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{ffi, Connection};
use std::marker::PhantomData;
use std::os::raw::c_int;

/// A value to bind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

/// For rusqlite's statements, which bind the same values by copying.
impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Int(v) => ValueRef::Integer(v),
            Param::Text(t) => ValueRef::Text(t.as_bytes()),
            Param::Null => ValueRef::Null,
        }))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Param<'a> {
        v.map_or(Param::Null, Param::Text)
    }
}

/// A statement that changes rows (an INSERT) and returns none, prepared
/// on `conn` for as long as it is borrowed.
pub struct Insert<'c> {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    params: usize,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> Insert<'c> {
    pub fn prepare(conn: &'c Connection, sql: &str) -> rusqlite::Result<Insert<'c>> {
        let len = c_int::try_from(sql.len()).map_err(|_| rusqlite::Error::InvalidQuery)?;
        // SAFETY: the handle is the open connection `conn`, borrowed for
        // the statement's life; SQLite reads `len` bytes of `sql`.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        if stmt.is_null() {
            return Err(rusqlite::Error::InvalidQuery);
        }
        let params = unsafe { ffi::sqlite3_bind_parameter_count(stmt) } as usize;
        Ok(Insert { db, stmt, params, _conn: PhantomData })
    }

    /// Run the statement once with `params` as ?1, ?2, …: every parameter
    /// is given. Returns the number of rows it changed.
    pub fn run(&mut self, params: &[Param<'_>]) -> rusqlite::Result<u64> {
        if params.len() != self.params {
            return Err(rusqlite::Error::InvalidParameterCount(params.len(), self.params));
        }
        let mut rc = ffi::SQLITE_OK;
        for (i, p) in params.iter().enumerate() {
            let at = i as c_int + 1;
            // SAFETY: `at` is within the statement's parameters; a text is
            // read in place until the bindings are cleared below, before
            // this call returns and while `params` is still borrowed.
            rc = unsafe {
                match *p {
                    Param::Int(v) => ffi::sqlite3_bind_int64(self.stmt, at, v),
                    Param::Text(t) => match c_int::try_from(t.len()) {
                        Ok(len) => {
                            // An empty string's pointer may dangle: give SQLite a real one.
                            let text = if t.is_empty() { c"".as_ptr() } else { t.as_ptr().cast() };
                            ffi::sqlite3_bind_text(self.stmt, at, text, len, ffi::SQLITE_STATIC())
                        }
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                    Param::Null => ffi::sqlite3_bind_null(self.stmt, at),
                }
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
        }
        let outcome = if rc == ffi::SQLITE_OK {
            // SAFETY: the statement is prepared and every parameter bound.
            match unsafe { ffi::sqlite3_step(self.stmt) } {
                ffi::SQLITE_DONE => Ok(unsafe { ffi::sqlite3_changes64(self.db) } as u64),
                ffi::SQLITE_ROW => Err(rusqlite::Error::ExecuteReturnedResults),
                code => Err(error(self.db, code)),
            }
        } else {
            Err(error(self.db, rc))
        };
        // SAFETY: the statement is ours; after this no binding points at
        // `params`. A failed step's error is taken above, before the reset.
        unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
        }
        outcome
    }
}

impl Drop for Insert<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is ours and finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

/// SQLite's error `code` on `db`, as rusqlite gives it (so that a busy,
/// full or damaged file is told apart the same way as everywhere else).
fn error(db: *mut ffi::sqlite3, code: c_int) -> rusqlite::Error {
    // SAFETY: `db` is an open connection; SQLite's message is copied out.
    let message = unsafe {
        let text = if ffi::sqlite3_errcode(db) == code { ffi::sqlite3_errmsg(db) } else { ffi::sqlite3_errstr(code) };
        (!text.is_null()).then(|| std::ffi::CStr::from_ptr(text).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (a INTEGER, b TEXT UNIQUE, c TEXT CHECK (c IS NULL OR length(c) < 4))")
            .unwrap();
        c
    }

    #[test]
    fn a_row_is_written_with_its_text_and_the_text_can_go_at_once() {
        let c = conn();
        let mut ins = Insert::prepare(&c, "INSERT INTO t VALUES (?1, ?2, ?3) ON CONFLICT (b) DO NOTHING").unwrap();
        for i in 0..3 {
            let b = format!("row {i}");
            assert_eq!(ins.run(&[Param::Int(i), Param::Text(&b), Param::from(None)]).unwrap(), 1);
            drop(b);
        }
        assert_eq!(ins.run(&[Param::Int(9), Param::Text("row 1"), Param::Text("x")]).unwrap(), 0, "taken: nothing");
        // An empty String's pointer is dangling, not null.
        let empty = String::new();
        assert_eq!(ins.run(&[Param::Int(3), Param::Text(empty.as_str()), Param::Text("")]).unwrap(), 1);
        drop(ins);
        let rows: Vec<(i64, String, Option<String>)> = c
            .prepare("SELECT a, b, c FROM t ORDER BY a")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (0, "row 0".into(), None),
                (1, "row 1".into(), None),
                (2, "row 2".into(), None),
                (3, String::new(), Some(String::new()))
            ]
        );
    }

    #[test]
    fn a_refused_row_is_sqlites_error_and_the_statement_runs_on() {
        let c = conn();
        let mut ins = Insert::prepare(&c, "INSERT INTO t VALUES (?1, ?2, ?3)").unwrap();
        let err = ins.run(&[Param::Int(1), Param::Text("b"), Param::Text("long")]).unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation));
        assert_eq!(err.to_string(), "CHECK constraint failed: c IS NULL OR length(c) < 4");
        assert!(matches!(ins.run(&[Param::Int(1)]), Err(rusqlite::Error::InvalidParameterCount(1, 3))));
        assert_eq!(ins.run(&[Param::Int(1), Param::Text("b"), Param::Text("ok")]).unwrap(), 1);
        assert!(Insert::prepare(&c, "INSERT INTO nowhere VALUES (1)").is_err());
    }
}
