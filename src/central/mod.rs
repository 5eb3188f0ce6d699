//! The central store that every kiosk of a region reports to (issue #5):
//! so far its storage ([`db`]), on SQLite or PostgreSQL behind one trait.

pub mod db;
