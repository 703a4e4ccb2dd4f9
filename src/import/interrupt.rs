//! Ctrl-C (SIGINT) and SIGTERM during an import.
//!
//! A watcher thread hears the signal at once, wherever the import is, even
//! while it waits inside `read()` on standard input or a FIFO:
//!
//! - before the commit (reading, validating, waiting for the write lock),
//!   the process exits 130 or 143 at once saying that nothing was written:
//!   leaving without committing is a rollback, as SQLite discards a
//!   transaction that was never committed;
//! - during the commit, the signal is held until the commit has finished,
//!   and then the import exits 130 or 143 saying that it *was* written;
//! - after the commit, the same.

use crate::error::Error;
use anyhow::Result;
use std::io::Write;
use std::sync::{Mutex, Once};

/// Where an import stands, as far as a signal is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading and writing inside the transaction: nothing is committed.
    Reading,
    /// `COMMIT` is running: it must be allowed to finish.
    Committing,
    /// The import is committed.
    Done,
}

/// The two signals an import answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    Int,
    Term,
}

impl Sig {
    /// The exit code: 128 + the signal's number.
    pub fn code(self) -> i32 {
        match self {
            Sig::Int => 130,
            Sig::Term => 143,
        }
    }

    pub fn error(self, written: bool) -> Error {
        match self {
            Sig::Int => Error::Interrupted { signal: "Ctrl-C (SIGINT)", code: self.code(), written },
            Sig::Term => Error::Interrupted { signal: "SIGTERM", code: self.code(), written },
        }
    }
}

/// What to do with a signal that has just arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Exit now, saying whether the import was written.
    Exit { written: bool },
    /// Hold it: the commit is running and says so when it ends.
    Hold,
}

/// The state shared by the import and the watcher thread.
#[derive(Debug)]
pub struct State {
    phase: Phase,
    held: Option<Sig>,
}

impl State {
    pub const fn new() -> State {
        State { phase: Phase::Reading, held: None }
    }

    /// A new import starts reading.
    pub fn begin(&mut self) {
        self.phase = Phase::Reading;
        self.held = None;
    }

    pub fn on_signal(&mut self, sig: Sig) -> Action {
        match self.phase {
            Phase::Reading => Action::Exit { written: false },
            Phase::Committing => {
                self.held.get_or_insert(sig);
                Action::Hold
            }
            Phase::Done => Action::Exit { written: true },
        }
    }

    pub fn committing(&mut self) {
        if self.phase == Phase::Reading {
            self.phase = Phase::Committing;
        }
    }

    /// The commit ended (`ok`: it succeeded). The signal held during it,
    /// if any, is the error to leave with.
    pub fn committed(&mut self, ok: bool) -> Option<Error> {
        if self.phase != Phase::Committing {
            return None;
        }
        self.phase = if ok { Phase::Done } else { Phase::Reading };
        self.held.take().map(|sig| sig.error(ok))
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

static STATE: Mutex<State> = Mutex::new(State::new());
static WATCHER: Once = Once::new();

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// An import begins: from here on SIGINT and SIGTERM are answered as the
/// module comment says.
pub fn begin() {
    state().begin();
    WATCHER.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else { return };
        let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
            for raw in signals.forever() {
                let sig = if raw == SIGINT { Sig::Int } else { Sig::Term };
                // The lock is held to the exit, so the import cannot start
                // its commit in between.
                let mut st = state();
                if let Action::Exit { written } = st.on_signal(sig) {
                    let err = sig.error(written);
                    let code = sig.code();
                    let mut e = std::io::stderr().lock();
                    let _ = writeln!(e, "pathway: {err}");
                    let _ = e.flush();
                    std::process::exit(code);
                }
            }
        });
    });
}

/// Tells the shared state about the commit (see `db::tx::write_watched`).
pub struct Watch;

impl crate::db::tx::CommitWatch for Watch {
    fn committing(&self) {
        state().committing();
    }

    fn committed(&self, ok: bool) -> Result<()> {
        match state().committed(ok) {
            Some(err) => Err(err.into()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_the_commit_a_signal_exits_at_once_with_nothing_written() {
        let mut s = State::new();
        s.begin();
        assert_eq!(s.on_signal(Sig::Term), Action::Exit { written: false });
        assert_eq!(s.on_signal(Sig::Int), Action::Exit { written: false });
    }

    #[test]
    fn during_the_commit_a_signal_is_held_and_reported_as_written() {
        let mut s = State::new();
        s.begin();
        s.committing();
        assert_eq!(s.phase(), Phase::Committing);
        assert_eq!(s.on_signal(Sig::Term), Action::Hold);
        assert_eq!(s.on_signal(Sig::Int), Action::Hold);
        let err = s.committed(true).expect("the held signal");
        assert_eq!(err.to_string(), "interrupted by SIGTERM during the commit; pathway waited for the commit to finish, so the import was written");
        assert_eq!(crate::error::exit_code(&err.into()), 143);
        assert_eq!(s.phase(), Phase::Done);
        // After the commit, a signal exits at once, saying it was written.
        assert_eq!(s.on_signal(Sig::Int), Action::Exit { written: true });
        assert_eq!(
            Sig::Int.error(true).to_string(),
            "interrupted by Ctrl-C (SIGINT) during the commit; pathway waited for the commit to finish, so the import was written"
        );
    }

    #[test]
    fn a_commit_that_fails_with_a_signal_held_wrote_nothing() {
        let mut s = State::new();
        s.begin();
        s.committing();
        assert_eq!(s.on_signal(Sig::Int), Action::Hold);
        let err = s.committed(false).expect("the held signal");
        assert_eq!(err.to_string(), "interrupted by Ctrl-C (SIGINT); nothing was written");
        assert_eq!(crate::error::exit_code(&err.into()), 130);
    }

    #[test]
    fn a_commit_without_a_signal_is_quiet() {
        let mut s = State::new();
        s.begin();
        s.committing();
        assert!(s.committed(true).is_none());
        // A write outside an import (no `committing` seen) is left alone.
        let mut t = State::new();
        t.begin();
        assert!(t.committed(true).is_none());
        assert_eq!(t.phase(), Phase::Reading);
    }
}
