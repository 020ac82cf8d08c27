//! The pure core of meizhen: rules that do not touch a database, a network or a clock.
//!
//! Everything here is plain data and functions so that it can be unit-tested
//! exhaustively and reused by storage, services, documents and the web layer alike.

pub mod audit;
pub mod error;
pub mod inspection;
pub mod ledger;
pub mod money;
pub mod page;
pub mod password;
pub mod project;
pub mod ranking;
pub mod rates;
pub mod region;
pub mod role;
pub mod scope;
pub mod summary;
pub mod text;
pub mod throttle;
pub mod time;
pub mod town;

pub use error::ValidationError;
pub use money::{Fen, MoneyUnit};
pub use region::{Level, RegionCode};
pub use role::Role;
pub use scope::RegionScope;
