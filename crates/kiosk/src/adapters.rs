//! The only code that touches the types generated from `ui/*.slint`: it
//! copies a [`View`] into the screen's `…Adapter` globals.

use slint::ComponentHandle;

use super::desk::{Control, Input};
use super::ui;
use super::view::{self, RoomState, View};
use motesskylt_core::attendance::formal::Request;

fn tone(tone: view::Tone) -> ui::Tone {
    match tone {
        view::Tone::Neutral => ui::Tone::Neutral,
        view::Tone::Calm => ui::Tone::Calm,
        view::Tone::WrapUp => ui::Tone::Wrapup,
        view::Tone::Overtime => ui::Tone::Overtime,
    }
}

fn screen(kind: view::ScreenKind) -> ui::ScreenKind {
    match kind {
        view::ScreenKind::Before => ui::ScreenKind::Before,
        view::ScreenKind::Item => ui::ScreenKind::Item,
        view::ScreenKind::Break => ui::ScreenKind::Pause,
        view::ScreenKind::After => ui::ScreenKind::After,
        view::ScreenKind::NoMeeting => ui::ScreenKind::None,
    }
}

fn door(kind: view::DoorKind) -> ui::DoorKind {
    match kind {
        view::DoorKind::Hidden => ui::DoorKind::Hidden,
        view::DoorKind::Welcome => ui::DoorKind::Welcome,
        view::DoorKind::CheckedOut => ui::DoorKind::CheckedOut,
        view::DoorKind::AlreadyIn => ui::DoorKind::AlreadyIn,
        view::DoorKind::AlreadyOut => ui::DoorKind::AlreadyOut,
        view::DoorKind::UnknownCard => ui::DoorKind::UnknownCard,
        view::DoorKind::TooEarly => ui::DoorKind::TooEarly,
        view::DoorKind::Closed => ui::DoorKind::Closed,
        view::DoorKind::Cancelled => ui::DoorKind::Cancelled,
        view::DoorKind::NoMeeting => ui::DoorKind::NoMeeting,
        view::DoorKind::Enrolled => ui::DoorKind::Enrolled,
        view::DoorKind::WrongPin => ui::DoorKind::WrongPin,
        view::DoorKind::PinLocked => ui::DoorKind::PinLocked,
        view::DoorKind::NotSaved => ui::DoorKind::NotSaved,
        view::DoorKind::NoPin => ui::DoorKind::NoPin,
        view::DoorKind::AdminCard => ui::DoorKind::AdminCard,
        view::DoorKind::NotInvited => ui::DoorKind::NotInvited,
        view::DoorKind::FormalDone => ui::DoorKind::FormalDone,
        view::DoorKind::FormalRefused => ui::DoorKind::FormalRefused,
    }
}

fn prompt(kind: view::PromptKind) -> ui::PromptKind {
    match kind {
        view::PromptKind::None => ui::PromptKind::None,
        view::PromptKind::Pick => ui::PromptKind::Pick,
        view::PromptKind::Pin => ui::PromptKind::Pin,
        view::PromptKind::Items => ui::PromptKind::Items,
    }
}

fn purpose(purpose: view::PinPurpose) -> ui::PinPurpose {
    match purpose {
        view::PinPurpose::Enrol => ui::PinPurpose::Enrol,
        view::PinPurpose::Control(Control::Next) => ui::PinPurpose::Next,
        view::PinPurpose::Control(Control::Previous) => ui::PinPurpose::Previous,
        view::PinPurpose::Control(Control::Break) => ui::PinPurpose::Pause,
        view::PinPurpose::Control(Control::End) => ui::PinPurpose::End,
        view::PinPurpose::Formal => ui::PinPurpose::Formal,
    }
}

/// Opens or closes the touch menu.
pub fn show_menu(kiosk: &ui::Kiosk, open: bool) {
    kiosk.global::<ui::PromptAdapter>().set_menu_open(open);
}

/// Opens or closes the menu's "Tjänstgöring och jäv".
pub fn show_formal(kiosk: &ui::Kiosk, open: bool) {
    kiosk.global::<ui::PromptAdapter>().set_formal_open(open);
}

/// Calls `send` with the desk's input for every touch on the menu, the
/// name list and the PIN pad.
pub fn on_touch(kiosk: &ui::Kiosk, send: impl Fn(Input) + Clone + 'static) {
    let adapter = kiosk.global::<ui::PromptAdapter>();
    adapter.on_open_picker({
        let send = send.clone();
        move || send(Input::OpenPicker)
    });
    adapter.on_pick({
        let send = send.clone();
        move |index| {
            if let Ok(index) = usize::try_from(index) {
                send(Input::Pick(index));
            }
        }
    });
    adapter.on_pin({
        let send = send.clone();
        move |pin| send(Input::Pin(pin.to_string()))
    });
    adapter.on_cancel({
        let send = send.clone();
        move || send(Input::Cancel)
    });
    adapter.on_open_recusal({
        let send = send.clone();
        move || send(Input::OpenRecusal)
    });
    adapter.on_pick_item({
        let send = send.clone();
        move |number| send(Input::PickItem(number.to_string()))
    });
    adapter.on_propose({
        let send = send.clone();
        move |choice| {
            let (person, other) = (choice.person.to_string(), choice.other.to_string());
            send(Input::Formal(match choice.kind {
                ui::RequestKind::Serve => Request::Serve {
                    deputy: person,
                    member: other,
                },
                ui::RequestKind::HandBack => Request::HandBack { deputy: person },
            }))
        }
    });
    adapter.on_control(move |control| {
        send(Input::Touch(match control {
            ui::TouchControl::Next => Control::Next,
            ui::TouchControl::Previous => Control::Previous,
            ui::TouchControl::Pause => Control::Break,
            ui::TouchControl::End => Control::End,
        }))
    });
}

/// Shows `view`. Properties that keep their value do not cause a redraw.
pub fn show(kiosk: &ui::Kiosk, view: &View) {
    let f = &view.frame;
    let frame = kiosk.global::<ui::KioskAdapter>();
    frame.set_screen(screen(f.screen));
    frame.set_body(f.body.as_str().into());
    frame.set_room(f.room.as_str().into());
    frame.set_date(f.date.as_str().into());
    frame.set_clock(f.clock.as_str().into());
    frame.set_present(f.present);
    frame.set_expected(f.expected);
    frame.set_offset_minutes(f.offset_minutes);
    frame.set_projected_end(f.projected_end.as_str().into());
    frame.set_next_label(f.next_label.as_str().into());
    frame.set_next_label_cut(f.next_label_cut.as_str().into());
    frame.set_next_number(f.next_number.as_str().into());
    frame.set_next_is_break(f.next_is_break);
    frame.set_next_at(f.next_at.as_str().into());

    let before = kiosk.global::<ui::BeforeAdapter>();
    before.set_starts_at(view.before.starts_at.as_str().into());
    before.set_countdown(view.before.countdown.as_str().into());
    before.set_delayed(view.before.delayed);

    let i = &view.item;
    let item = kiosk.global::<ui::ItemAdapter>();
    item.set_number(i.number.as_str().into());
    item.set_title(i.title.as_str().into());
    item.set_presenters(i.presenters.as_str().into());
    item.set_information(i.information);
    item.set_dialog(i.dialog);
    item.set_decision(i.decision);
    item.set_planned_minutes(i.planned_minutes);
    item.set_timer(i.timer.timer.as_str().into());
    item.set_tone(tone(i.timer.tone));
    item.set_progress(i.timer.progress);

    let pause = kiosk.global::<ui::BreakAdapter>();
    pause.set_back_at(view.pause.back_at.as_str().into());
    pause.set_timer(view.pause.timer.timer.as_str().into());
    pause.set_tone(tone(view.pause.timer.tone));
    pause.set_progress(view.pause.timer.progress);

    kiosk
        .global::<ui::AfterAdapter>()
        .set_ended_at(view.ended_at.as_str().into());
    let free = kiosk.global::<ui::NoMeetingAdapter>();
    free.set_next_meeting(view.next_meeting.as_str().into());
    free.set_state(match view.room_state {
        RoomState::NoneToday => ui::RoomState::NoneToday,
        RoomState::Free => ui::RoomState::Free,
        RoomState::Cancelled => ui::RoomState::Cancelled,
    });

    let answer = kiosk.global::<ui::DoorAdapter>();
    answer.set_kind(door(view.door.kind));
    answer.set_name(view.door.name.as_str().into());
    answer.set_time(view.door.time.as_str().into());
    answer.set_detail(view.door.detail.as_str().into());

    frame.set_reader_problem(view.reader_problem);
    frame.set_sync_shown(view.sync.is_some());
    if let Some(sync) = &view.sync {
        frame.set_sync_online(sync.online);
        frame.set_sync_since(sync.since.as_str().into());
        frame.set_sync_unsent(i32::try_from(sync.unsent).unwrap_or(i32::MAX));
    }
    let message = view.message.as_ref();
    frame.set_message_text(message.map(|m| m.text.as_str()).unwrap_or_default().into());
    frame.set_message_until(message.map(|m| m.until.as_str()).unwrap_or_default().into());
    frame.set_quorum_text(
        view.quorum
            .as_ref()
            .map(|q| q.text.as_str())
            .unwrap_or_default()
            .into(),
    );
    frame.set_quorum_met(view.quorum.as_ref().is_none_or(|q| q.met));
    let ask = kiosk.global::<ui::PromptAdapter>();
    ask.set_kind(prompt(view.prompt.kind));
    ask.set_for_card(view.prompt.for_card);
    ask.set_person(view.prompt.person.as_str().into());
    ask.set_purpose(purpose(view.prompt.purpose));
    ask.set_for_recusal(view.prompt.for_recusal);
    ask.set_search(view.prompt.search.as_str().into());
    let names = view
        .prompt
        .names
        .iter()
        .map(|(index, name, detail)| ui::PickName {
            index: i32::try_from(*index).unwrap_or(i32::MAX),
            name: name.as_str().into(),
            detail: detail.as_str().into(),
        })
        .collect();
    if let Some(names) = changed(ask.get_names(), names) {
        ask.set_names(names);
    }
    let items = view
        .prompt
        .items
        .iter()
        .map(|(number, label)| ui::ItemChoice {
            number: number.as_str().into(),
            label: label.as_str().into(),
        })
        .collect();
    if let Some(items) = changed(ask.get_items(), items) {
        ask.set_items(items);
    }
    ask.set_formal(view.formal.is_some());
    let proposals = view
        .formal
        .iter()
        .flat_map(|f| &f.proposals)
        // The rules propose changes of who serves only.
        .filter_map(|(request, text)| {
            let (kind, person, other) = match request {
                Request::Serve { deputy, member } => {
                    (ui::RequestKind::Serve, deputy, member.as_str())
                }
                Request::HandBack { deputy } => (ui::RequestKind::HandBack, deputy, ""),
                Request::Recuse { .. } => return None,
            };
            Some(ui::RequestChoice {
                text: text.as_str().into(),
                kind,
                person: person.as_str().into(),
                other: other.into(),
            })
        })
        .collect();
    if let Some(proposals) = changed(ask.get_proposals(), proposals) {
        ask.set_proposals(proposals);
    }
    if view.prompt.kind != view::PromptKind::None {
        ask.set_menu_open(false);
        ask.set_formal_open(false);
    }
}

/// `rows` as a model when they differ from the list `shown` (a new model
/// redraws, and the screen is refreshed every second).
fn changed<T: Clone + PartialEq + 'static>(
    shown: slint::ModelRc<T>,
    rows: Vec<T>,
) -> Option<slint::ModelRc<T>> {
    use slint::Model;
    if shown.iter().eq(rows.iter().cloned()) {
        return None;
    }
    Some(std::rc::Rc::new(slint::VecModel::from(rows)).into())
}

/// Draws the next frame as soon as the event loop turns. Slint's window
/// backend on X11 draws a change only after one refresh interval of the
/// monitor (16.7 ms at 60 Hz), most of the time between a tap and its
/// answer on screen; the door's answer must not wait for it. A no-op where
/// the window is not winit's (the Pi's linuxkms, the headless renderer).
pub fn draw_now(kiosk: &ui::Kiosk) {
    #[cfg(feature = "winit")]
    {
        use slint::winit_030::WinitWindowAccessor;
        kiosk
            .window()
            .with_winit_window(|window| window.request_redraw());
    }
    #[cfg(not(feature = "winit"))]
    let _ = kiosk;
}

/// Shows or hides the help overlay.
pub fn show_help(kiosk: &ui::Kiosk, visible: bool) {
    kiosk.global::<ui::KioskAdapter>().set_show_help(visible);
}

/// Whether the help overlay is up.
pub fn help_shown(kiosk: &ui::Kiosk) -> bool {
    kiosk.global::<ui::KioskAdapter>().get_show_help()
}

/// Tells the layout the window's size in logical pixels (the layout scales
/// with it; see `Metrics` in `ui/theme.slint`).
pub fn set_size(kiosk: &ui::Kiosk, width: f32, height: f32) {
    let metrics = kiosk.global::<ui::Metrics>();
    metrics.set_width(width);
    metrics.set_height(height);
}

/// Calls `handler` with the text of every key pressed in the window.
pub fn on_key(kiosk: &ui::Kiosk, handler: impl Fn(&str) + 'static) {
    kiosk
        .global::<ui::KioskAdapter>()
        .on_key_pressed(move |text| handler(text.as_str()));
}
