#!/usr/bin/env bash
# Draws the kiosk screenshots in docs/screens/ with `motesskylt render`
# (headless, software renderer): every state at 800×480 in Swedish, a few in
# English, and the other screen sizes. Run from anywhere:
#   docs/screens/make.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
bin=target/release/motesskylt
notice=tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md
log=tests/fixtures/events-sro-2026-06-04.jsonl
out=docs/screens

plan() { # name, then render arguments: the meeting as planned
  local name=$1; shift
  "$bin" render "$notice" --out "$out/$name.png" "$@"
  echo "$out/$name.png"
}
shot() { # name, then render arguments: the meeting as the event log has it
  plan "$@" --events "$log"
}

shot before          --at 12:57
plan before-far      --at 04:23
plan before-delayed  --at 13:05 --events /dev/null
shot item            --at 13:16:56
shot wrap-up         --at 13:28
shot overtime        --at 13:30:30
shot break           --at 14:30
shot after           --at 15:40
shot no-meeting      --at "2026-06-01 10:00"
plan free            --at 11:20 --screen free
plan cancelled       --at 13:20 --screen cancelled
shot door-welcome    --at 13:16:56 --screen welcome --person "Marina Johansson"
shot door-checked-out --at 14:15 --screen checked-out --person "Olof Lundberg"
shot door-already-in --at 13:16:56 --screen already-in --person "Marina Johansson"
shot door-already-out --at 14:15:05 --screen already-out --person "Olof Lundberg"
shot door-too-early  --at 12:10 --screen too-early --person "Marina Johansson"
shot names           --at 13:16:56 --screen names
shot names-search    --at 13:16:56 --screen names --search ja
shot pin             --at 13:16:56 --screen pin --person "Janette Olsson"
shot menu            --at 13:16:56 --screen menu
shot reader-problem  --at 13:16:56 --screen reader-problem
shot offline         --at 13:16:56 --screen offline
shot synced          --at 13:16:56 --screen synced
shot names-480x800   --at 13:16:56 --screen names --size 480x800
shot help            --at 13:16:56 --screen help
shot item-en         --at 13:16:56 --lang en
shot overtime-en     --at 13:30:30 --lang en
shot item-1280x800   --at 13:16:56 --size 1280x800
shot item-1920x1080  --at 13:16:56 --size 1920x1080
shot item-480x800    --at 13:16:56 --size 480x800
shot break-480x800-en --at 14:30 --size 480x800 --lang en
shot long-title      --at 14:20
shot long-title-480x800 --at 14:20 --size 480x800

# The secretary's message to the room: the event log with one line more.
messages=$(mktemp)
trap 'rm -f "$messages"' EXIT
{
  cat "$log"
  echo '{"at":"2026-06-04T13:10:00+02:00","type":"message_posted","text":"Vi återupptar 14.40","until":"2026-06-04T14:40:00+02:00"}'
} >"$messages"
plan message         --at 13:15 --events "$messages"

# Formal attendance: a committee's quorum, met (item 3: three members and
# a deputy serving for an absent one) and not met (item 4: one member has
# left, another is out of the item for a conflict of interest).
committee=tests/fixtures/notices/namnd-kallelse.md
committee_log=tests/fixtures/notices/namnd-events.jsonl
"$bin" render "$committee" --events "$committee_log" --at "2026-11-12 09:20" --out "$out/quorum-met.png"
"$bin" render "$committee" --events "$committee_log" --at "2026-11-12 09:45" --out "$out/quorum-not-met.png"
echo "$out/quorum-met.png $out/quorum-not-met.png"

# Formal attendance at the door: Mats Lind (M) comes in while Cecilia Dahl
# (M) is away, so the rules propose him; the menu, the PIN pad confirming
# it, the door's answer, and the items for a recusal.
formal_log=$(mktemp)
cat "$committee_log" > "$formal_log"
echo '{"at":"2026-11-12T09:30:00+01:00","type":"checked_in","person":"Mats Lind","source":"nfc"}' >> "$formal_log"
for screen in formal formal-pin formal-done; do
  "$bin" render "$committee" --events "$formal_log" --at "2026-11-12 09:45" --screen "$screen" --out "$out/$screen.png"
  echo "$out/$screen.png"
done
"$bin" render "$committee" --events "$formal_log" --at "2026-11-12 09:45" --screen recusal-items --person "David Falk" --out "$out/recusal-items.png"
rm -f "$formal_log"
echo "$out/recusal-items.png"
