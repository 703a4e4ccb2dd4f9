//! Vocabulary types: pure, parsed once at the edge, exhaustively tested.

pub mod date;
pub mod money;
pub mod names;
pub mod period;

pub use date::Date;
pub use money::Pence;
pub use period::Period;
