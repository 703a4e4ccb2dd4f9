//! Vocabulary types: pure, parsed once at the edge, exhaustively tested.

pub mod clearable;
pub mod date;
pub mod money;
pub mod names;
pub mod period;
pub mod sha256;

pub use clearable::Clearable;
pub use date::Date;
pub use money::Pence;
pub use period::Period;
