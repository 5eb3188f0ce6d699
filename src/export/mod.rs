//! Exports of a meeting for the minutes, in the formats Swedish offices
//! use (issue #6):
//!
//! - [`attendance`]: who was there when, and for which items;
//! - [`agenda`]: the agenda with planned and actual times;
//! - [`table`]: both as tables of text, as the minutes write them;
//! - [`csv`]: the tables as CSV that opens right in Excel with Swedish
//!   settings; [`xlsx`]: as Excel workbooks;
//! - [`ics`]: the meeting as iCalendar for calendars.
//!
//! All pure: the meeting, its events and the time zone in, text out.

pub mod agenda;
pub mod attendance;
pub mod csv;
pub mod ics;
pub mod table;
pub mod xlsx;
