//! The central store that every kiosk of a region reports to (issue #5):
//! so far its storage ([`db`]), on SQLite or PostgreSQL behind one trait,
//! and its view of device clocks ([`clock`]).

pub mod clock;
pub mod db;
