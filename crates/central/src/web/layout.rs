//! The pages' frame: head, navigation, the language switch, messages, and
//! the two static files (style and the live script). One stylesheet, one
//! type scale, one spacing step; state is told in words as well as colour.

use std::sync::Arc;

use maud::{DOCTYPE, Markup, html};

use super::auth::Viewer;
use motesskylt_core::model::time::Lang;

/// `sv` or `en` as the user chose, Swedish first.
pub fn tr(lang: Lang, sv: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Sv => sv,
        Lang::En => en,
    }
}

/// Which part of the navigation is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The meetings list and a meeting.
    Meetings,
    /// Importing a notice.
    Import,
    /// The card registry.
    Cards,
    /// Kiosks.
    Devices,
    /// Rooms.
    Rooms,
    /// The audit log.
    Audit,
    /// Signing in (no navigation).
    SignIn,
}

/// What every page of a request is framed with, known before its handler
/// runs (the error pages are made without the request).
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// The reader's language.
    pub lang: Lang,
    /// Where the region publishes its accessibility statement (lag
    /// 2018:1937 asks every service to link to it).
    pub statement: Option<Arc<str>>,
}

tokio::task_local! {
    /// The frame of the request being handled.
    pub static FRAME: Frame;
}

/// A whole page: `title`, the navigation for `viewer`, and `body`; the
/// footer links to the accessibility statement ([`FRAME`]).
pub fn page(
    lang: Lang,
    title: &str,
    viewer: Option<&Viewer>,
    section: Section,
    body: Markup,
) -> Markup {
    let item = |s: Section, href: &str, label: &str| {
        html! {
            a href=(href) aria-current=[(s == section).then_some("page")] { (label) }
        }
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – motesskylt" }
                link rel="stylesheet" href="/assets/style.css";
                script src="/assets/live.js" defer {}
            }
            body {
                a.skip href="#main" { (tr(lang, "Till innehållet", "Skip to content")) }
                header.top {
                    span.brand { "motesskylt" }
                    @if let Some(viewer) = viewer {
                        nav {
                            (item(Section::Meetings, "/meetings", tr(lang, "Möten", "Meetings")))
                            (item(Section::Import, "/import", tr(lang, "Importera kallelse", "Import notice")))
                            (item(Section::Cards, "/cards", tr(lang, "Kort", "Cards")))
                            @if viewer.is_admin() {
                                (item(Section::Devices, "/devices", tr(lang, "Kiosker", "Kiosks")))
                                (item(Section::Rooms, "/rooms", tr(lang, "Rum", "Rooms")))
                                (item(Section::Audit, "/audit", tr(lang, "Logg", "Audit log")))
                            }
                        }
                        form.signout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(viewer.csrf);
                            span.who { (viewer.user.name) }
                            button.link type="submit" { (tr(lang, "Logga ut", "Sign out")) }
                        }
                    }
                    a.lang href=(format!("/lang/{}", lang.toggled().code())) lang=(lang.toggled().code()) {
                        (tr(lang, "English", "Svenska"))
                    }
                }
                main #main tabindex="-1" { (body) }
                @if let Some(url) = FRAME.try_with(|f| f.statement.clone()).ok().flatten() {
                    footer.site { a href=(url) { (tr(lang, "Tillgänglighetsredogörelse", "Accessibility statement")) } }
                }
            }
        }
    }
}

/// A message box: `kind` is `ok` or `error`; the words say which.
pub fn notice(kind: &str, text: &str) -> Markup {
    html! { p class=(format!("notice {kind}")) role=(if kind == "error" { "alert" } else { "status" }) { (text) } }
}

/// What a refused form says is wrong (3.3.1, 3.3.3), each problem with
/// the `id`s of the fields it is about. [`Problems::summary`] goes above
/// the form (`#problem`): it takes the focus when the page loads and is
/// said at once, each line a link to its field; each field points back to
/// its lines with [`Problems::on`]. `said_in` is the language of the
/// texts (a server's message may be Swedish on an English page, 3.1.2).
#[derive(Debug, Clone, Default)]
pub struct Problems {
    said_in: Lang,
    /// Each problem: the fields it is about, its text and the text's
    /// language when not `said_in`.
    list: Vec<(Vec<String>, String, Option<Lang>)>,
}

impl Problems {
    /// No problems yet, to be said in `said_in`.
    pub fn new(said_in: Lang) -> Self {
        Problems {
            said_in,
            list: Vec::new(),
        }
    }

    /// One problem, about `fields`.
    pub fn one(said_in: Lang, fields: &[&str], text: impl Into<String>) -> Self {
        let mut problems = Problems::new(said_in);
        problems.add(fields, text);
        problems
    }

    /// Adds a problem about `fields` (none: about the whole form).
    pub fn add(&mut self, fields: &[&str], text: impl Into<String>) {
        self.add_said_in(self.said_in, fields, text);
    }

    /// Adds a problem said in `lang` (the importer's and other Swedish-only
    /// messages on an English page).
    pub fn add_said_in(&mut self, lang: Lang, fields: &[&str], text: impl Into<String>) {
        let fields = fields.iter().map(|f| f.to_string()).collect();
        let other = (lang != self.said_in).then_some(lang);
        self.list.push((fields, text.into(), other));
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The status of a page with this form: 422 when it was refused.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// The summary above the form: `heading` first when given, then each
    /// problem (a link to its first field), then `after`. Nothing when
    /// nothing is wrong.
    pub fn summary(&self, heading: Option<&str>, after: Option<&str>) -> Markup {
        let line = |i: usize, (fields, text, lang): &(Vec<String>, String, Option<Lang>)| {
            let lang = lang.map(Lang::code);
            html! {
                @match fields.first() {
                    Some(field) => a href=(format!("#{field}")) id=(line_id(i)) lang=[lang] { (text) },
                    None => span id=(line_id(i)) lang=[lang] { (text) },
                }
            }
        };
        html! {
            @if !self.list.is_empty() {
                div.notice.error #problem role="alert" tabindex="-1" autofocus lang=(self.said_in.code()) {
                    @if let Some(heading) = heading { p { b { (heading) } } }
                    @if let ([only], None) = (self.list.as_slice(), heading) {
                        p { (line(0, only)) }
                    } @else {
                        ul.problems {
                            @for (i, problem) in self.list.iter().enumerate() {
                                li { (line(i, problem)) }
                            }
                        }
                    }
                    @if let Some(after) = after { p { (after) } }
                }
            }
        }
    }

    /// `aria-invalid` and `aria-describedby` of the field `id`: its
    /// problems' lines in the summary (both absent when it has none).
    pub fn on(&self, id: &str) -> (Option<&'static str>, Option<String>) {
        let lines: Vec<String> = self
            .list
            .iter()
            .enumerate()
            .filter(|(_, (fields, ..))| fields.iter().any(|f| f == id))
            .map(|(i, _)| line_id(i))
            .collect();
        if lines.is_empty() {
            (None, None)
        } else {
            (Some("true"), Some(lines.join(" ")))
        }
    }
}

/// The id of a problem's line in the summary.
fn line_id(i: usize) -> String {
    format!("problem-{}", i + 1)
}

/// A wide table in a region of its own that scrolls sideways on a
/// narrow screen while the page does not (1.4.10), named `label`. It is a
/// tab stop, so a keyboard can scroll it (2.1.1); live.js takes the stop
/// away where nothing overflows.
pub fn scroll(label: &str, table: Markup) -> Markup {
    html! { div.scroll role="region" tabindex="0" aria-label=(label) { (table) } }
}

/// What was just saved, said where the focus lands after the page loads
/// (a keyboard or screen reader user is not left at the top, 2.4.3).
pub fn saved(text: &str) -> Markup {
    html! { p.notice.ok role="status" tabindex="-1" autofocus { (text) } }
}

/// The stylesheet.
pub const STYLE: &str = r#"
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dde5; --bg:#f6f7f9; --card:#fff;
  --accent:#1f5fa8; --ok:#1e7a46; --warn:#9a5b00; --bad:#b3261e; --space:16px;
  /* A field's border: 4:1 against white (1.4.11 asks 3:1). */
  --field:#767f8f;
  font-family: "Noto Sans", "Segoe UI", system-ui, sans-serif; color: var(--ink); }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); font-size:16px; line-height:1.5; }
header.top { display:flex; gap:calc(var(--space)*1.5); align-items:center; padding:12px 24px;
  background:var(--ink); color:#fff; flex-wrap:wrap; }
header.top a, header.top button.link { color:#fff; }
.brand { font-weight:700; letter-spacing:.02em; }
nav { display:flex; gap:var(--space); flex:1; }
nav a { text-decoration:none; padding:4px 0; border-bottom:2px solid transparent; }
nav a[aria-current=page] { border-bottom-color:#fff; font-weight:600; }
form.signout { display:flex; gap:8px; align-items:center; margin:0; }
.who { opacity:.8; }
main { max-width:1100px; margin:0 auto; padding:24px; }
footer.site { max-width:1100px; margin:0 auto; padding:8px 24px 32px; border-top:1px solid var(--line); }
h1 { font-size:28px; margin:0 0 4px; } h2 { font-size:20px; margin:32px 0 8px; }
.sub { color:var(--muted); margin:0 0 var(--space); }
section.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:var(--space) 20px; margin:var(--space) 0; }
table { width:100%; border-collapse:collapse; background:var(--card); }
th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); font-weight:600; }
td.num { font-variant-numeric:tabular-nums; white-space:nowrap; }
label { display:block; font-weight:600; margin:12px 0 4px; }
input[type=text], input[type=password], input[type=time], input[type=date], select, textarea {
  font:inherit; padding:8px 10px; border:1px solid var(--field); border-radius:6px; width:100%; max-width:420px; background:#fff; }
input.wide { max-width:none; }
table input[type=text], table input[type=time] { max-width:none; }
button, .button { font:inherit; padding:8px 16px; border-radius:6px; border:1px solid var(--accent);
  background:var(--accent); color:#fff; cursor:pointer; text-decoration:none; display:inline-block; }
button.secondary, .button.secondary { background:#fff; color:var(--accent); }
button.danger { background:var(--bad); border-color:var(--bad); }
button.link { background:none; border:none; padding:0; text-decoration:underline; }
.notice { padding:10px 14px; border-radius:6px; border-left:4px solid; background:#fff; }
.notice.ok { border-color:var(--ok); } .notice.error { border-color:var(--bad); }
.notice.warn { border-color:var(--warn); }
.quorum { padding:8px 14px; border-radius:6px; border-left:6px solid var(--ok); background:#fff; font-size:18px; }
.quorum.unmet { border-color:var(--bad); background:#fdecea; color:var(--bad); }
label.check { font-weight:400; display:flex; gap:8px; align-items:center; }
.state { font-weight:600; white-space:nowrap; }
.state.in { color:var(--ok); } .state.left { color:var(--warn); } .state.absent { color:var(--muted); }
.state.done { color:var(--muted); } .state.now { color:var(--accent); }
.grid { display:grid; grid-template-columns:repeat(auto-fit,minmax(200px,1fr)); gap:var(--space); }
.counts { display:flex; gap:24px; font-size:18px; margin:8px 0 0; }
.counts b { font-size:28px; display:block; }
ul.exports { list-style:none; padding:0; display:flex; flex-wrap:wrap; gap:8px; }
.inline { display:flex; gap:12px; align-items:end; flex-wrap:wrap; }
.inline label { margin-top:0; }
.problems li { margin:4px 0; }
.code { font-family:ui-monospace,monospace; font-size:32px; letter-spacing:.1em; }
/* A token's link and the curl line wrap rather than widen the page (1.4.10). */
code.wide, pre { overflow-wrap:anywhere; white-space:pre-wrap; }
.muted { color:var(--muted); }
.grow { flex:1; }
.nowrap { white-space:nowrap; }
section.narrow { max-width:440px; margin:48px auto; }
section.card > h2:first-child, section.card > h1:first-child { margin-top:0; }
main a:not(.button) { color:var(--accent); }
.state .muted { font-weight:400; }
.badge { display:inline-block; font-size:13px; font-weight:600; padding:0 6px; border-radius:4px;
  border:1px solid var(--warn); color:var(--warn); }
table.edit td { vertical-align:middle; }
table.edit td.title { width:45%; }
select, input[type=time] { height:40px; }
.lang { font-size:14px; }
.buttons { display:grid; grid-template-columns:repeat(auto-fill, minmax(140px, 1fr)); gap:10px; margin:12px 0; align-items:end; }
.buttons .inline { grid-column:1 / -1; }
form.control { margin:0; }
form.control > button.big { width:100%; }
button.big { min-height:56px; min-width:120px; font-size:18px; font-weight:600; padding:10px 12px; }
.message .grow { min-width:220px; }
input.minutes { width:90px; height:56px; font-size:18px; }
.panel { border-left:6px solid var(--accent); padding:4px 0 4px 16px; }
.panel.break { border-color:var(--warn); } .panel.after, .panel.before { border-color:var(--muted); }
.panel .phase { text-transform:uppercase; letter-spacing:.06em; font-weight:700; color:var(--muted); margin:0; }
.panel .current { font-size:24px; font-weight:700; margin:4px 0; }
.panel .time { margin:8px 0; }
.panel .digits { font-size:64px; font-weight:700; font-variant-numeric:tabular-nums; line-height:1; }
.panel .timelabel { font-size:22px; font-weight:700; }
.panel .time.soon { color:var(--warn); } .panel .time.over { color:var(--bad); }
.panel .behind { color:var(--bad); font-weight:600; }
.panel .next, .panel .plan { margin:4px 0; font-size:18px; }
.roommessage { display:flex; gap:12px; align-items:center; justify-content:space-between; flex-wrap:wrap;
  background:#fff; border:1px solid var(--line); border-left:6px solid var(--accent); border-radius:6px; padding:8px 12px; margin:8px 0; }
.controlpage { max-width:560px; margin:0 auto; }
[hidden] { display:none !important; }
.sr-only { position:absolute; width:1px; height:1px; margin:-1px; padding:0; border:0; overflow:hidden;
  clip:rect(0 0 0 0); white-space:nowrap; }
button[aria-pressed=true] { background:var(--accent); color:#fff; }
.liveline { display:flex; justify-content:flex-end; margin:8px 0; }
/* A wide table scrolls inside its own box, never the page (1.4.10). */
.scroll { overflow-x:auto; max-width:100%; padding:3px; }
:focus-visible { outline:3px solid var(--accent); outline-offset:2px; }
header.top :focus-visible { outline-color:#fff; }
a.skip { position:absolute; left:-10000px; top:8px; }
a.skip:focus { left:8px; z-index:10; background:#fff; color:var(--ink); padding:8px 12px; border-radius:6px; }
main:focus { outline:none; }
@media (max-width: 600px) {
  header.top { padding:8px 12px; gap:8px 16px; }
  nav { flex-wrap:wrap; flex-basis:100%; gap:4px 16px; order:1; }
  main { padding:16px 12px; }
  .counts { flex-wrap:wrap; }
  input.minutes { width:72px; }
}
@media print {
  header.top, a.skip, footer.site, form, button, a.button, ul.exports, .roommessage, .liveline, #correct, #control { display:none !important; }
  body { background:#fff; font-size:11pt; }
  main { max-width:none; padding:0; }
  section.card { border:none; padding:0; }
  a { color:inherit; text-decoration:none; }
  .scroll { overflow:visible; }
  tr { break-inside:avoid; }
}
"#;

/// The live script: a part marked `data-live` is fetched again whenever
/// its `data-events` stream says something changed (and every 30 s, for
/// the clock). Pages work without it.
pub const LIVE: &str = r#"
// The board's rows carry data-announce: each that changed is said once,
// politely, in the page's [data-announcer]; a part is replaced only when
// it changed, keeping the focus and the tables' sideways scroll; the
// [data-pause] button (aria-pressed) stops and starts the updates (WCAG
// 4.1.3, 2.2.2, 2.4.3). A table's scrolling region is a tab stop only
// where it overflows: elsewhere the stop would lead nowhere.
(function () {
  var paused = false;
  var parts = document.querySelectorAll('[data-live]');
  var announcer = document.querySelector('[data-announcer]');
  var focusable = 'a, button, input, select, textarea, [tabindex]';
  var stops = function () {
    document.querySelectorAll('.scroll[role=region]').forEach(function (s) {
      if (s.scrollWidth > s.clientWidth + 1) { s.setAttribute('tabindex', '0'); }
      else if (s !== document.activeElement) { s.removeAttribute('tabindex'); }
    });
  };
  var said = function (root) {
    var lines = {};
    root.querySelectorAll('[data-announce]').forEach(function (row) {
      lines[row.dataset.key || row.dataset.person || row.dataset.announce] = row.dataset.announce;
    });
    return lines;
  };
  var replace = function (part, next) {
    var all = part.querySelectorAll(focusable);
    var focused = Array.prototype.indexOf.call(all, document.activeElement);
    var scrolled = Array.prototype.map.call(part.querySelectorAll('.scroll'), function (s) { return s.scrollLeft; });
    part.innerHTML = next.innerHTML;
    part.querySelectorAll('.scroll').forEach(function (s, i) { if (scrolled[i]) { s.scrollLeft = scrolled[i]; } });
    // The tab stops as they were, so the focus finds its element again.
    stops();
    var again = focused >= 0 ? part.querySelectorAll(focusable)[focused] : null;
    if (again) { again.focus({preventScroll: true}); }
  };
  // What each part was last given, as sent (stops() changes the page's).
  var given = new Map();
  parts.forEach(function (part) { given.set(part, part.innerHTML); });
  stops();
  window.addEventListener('resize', stops);
  parts.forEach(function (part) {
    // One fetch at a time, so an older answer never overwrites a newer one;
    // news during a fetch fetches again once it is done.
    var busy = false, again = false;
    var refresh = function () {
      if (paused) { return; }
      if (busy) { again = true; return; }
      busy = true;
      fetch(part.dataset.live, {credentials: 'same-origin'}).then(function (r) {
        if (r.ok && !r.redirected) { return r.text(); }
        throw new Error(r.status);
      }).then(function (html) {
        var next = document.createElement('div');
        next.innerHTML = html;
        if (paused || next.innerHTML === given.get(part)) { return; }
        var before = said(part), after = said(next);
        var news = Object.keys(after).filter(function (k) { return before[k] !== undefined && before[k] !== after[k]; })
          .map(function (k) { return after[k]; });
        given.set(part, next.innerHTML);
        replace(part, next);
        part.dataset.updated = Date.now();
        if (announcer && news.length) { announcer.textContent = news.join('. '); }
      })
        .catch(function () {})
        .finally(function () { busy = false; if (again) { again = false; refresh(); } });
    };
    part.addEventListener('refresh', refresh);
    if (window.EventSource && part.dataset.events) {
      var stream = new EventSource(part.dataset.events);
      stream.addEventListener('changed', refresh);
    }
    setInterval(refresh, Number(part.dataset.every) || 30000);
  });
  document.querySelectorAll('[data-pause]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      paused = !paused;
      document.querySelectorAll('[data-pause]').forEach(function (b) { b.setAttribute('aria-pressed', String(paused)); });
      if (!paused) { parts.forEach(function (part) { part.dispatchEvent(new Event('refresh')); }); }
    });
  });
})();
"#;
