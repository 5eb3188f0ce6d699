#!/usr/bin/env bash
# The README's nginx example in front of a real `motesskylt central`, on
# loopback with TLS off: a kiosk enrols, uploads its meeting and pushes an
# event through nginx, and a live stream opened through nginx sees the
# `sync` event at once (X-Accel-Buffering: no). Exit 3 when nginx is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${MOTESSKYLT_BIN:-target/debug/motesskylt}"
nginx="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx" ] || { echo "nginx is not installed" >&2; exit 3; }
[ -x "$bin" ] || cargo build --quiet
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
central_port="$(free_port)"; proxy_port="$(free_port)"

# The example exactly as the README shows it, but for TLS and the ports.
site="$(sed -n '/<!-- nginx-example -->/,/<!-- \/nginx-example -->/p' README.md | sed '1,2d;$d' | sed '$d')"
grep -q 'proxy_pass http://127.0.0.1:8470;' <<<"$site" || { echo "no nginx example in the README" >&2; exit 1; }
site="$(sed -e "s/listen 443 ssl;/listen 127.0.0.1:$proxy_port;/" -e '/ssl_certificate/d' \
  -e "s#http://127.0.0.1:8470#http://127.0.0.1:$central_port#" <<<"$site")"
mkdir -p "$work/nginx/logs" "$work/nginx/body" "$work/nginx/proxy"
# nginx's workers (www-data when started as root) write request bodies here.
chmod 755 "$work"; chmod 777 "$work/nginx/body" "$work/nginx/proxy"
cat > "$work/nginx/nginx.conf" <<CONF
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log $work/nginx/logs/access.log;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    $site
}
CONF
"$nginx" -t -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx-t.log" || { cat "$work/nginx-t.log" >&2; exit 1; }
"$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>>"$work/nginx/logs/error.log" & pids+=($!)

printf '[server]\nlisten = "127.0.0.1:%s"\ndatabase = "%s/central.sqlite"\n' "$central_port" "$work" > "$work/central.toml"
"$bin" central --config "$work/central.toml" >/dev/null 2>"$work/central.log" & pids+=($!)
base="http://127.0.0.1:$proxy_port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$base/healthz" | grep -q '"ok"' || { cat "$work/central.log" "$work/nginx/logs/error.log" >&2; exit 1; }

code="$("$bin" central --config "$work/central.toml" code --room rum-1 2>/dev/null | sed -n 1p)"
token="$(curl -fsS "$base/api/v1/enrol" -H 'content-type: application/json' \
  -d "{\"code\":\"$code\",\"device\":\"dorr-1\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')"
"$bin" import tests/fixtures/seeds/000-kallelse-sro-2026-06-04.md --json > "$work/meeting.json"
curl -fsS -X PUT "$base/api/v1/meetings/SRO-2026-06-04" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' --data-binary @"$work/meeting.json" >/dev/null

# A second kiosk of the room follows the live stream through nginx.
code2="$("$bin" central --config "$work/central.toml" code --room rum-1 2>/dev/null | sed -n 1p)"
token2="$(curl -fsS "$base/api/v1/enrol" -H 'content-type: application/json' \
  -d "{\"code\":\"$code2\",\"device\":\"dorr-2\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')"
cursor="$(curl -fsS "$base/api/v1/pull?events=0&meetings=0" -H "authorization: Bearer $token2" \
  | python3 -c 'import json,sys;c=json.load(sys.stdin)["cursor"];print("events=%d&meetings=%d"%(c["events"],c["meetings"]))')"
curl -sSN -D "$work/live.headers" --max-time 6 "$base/api/v1/live?$cursor" -H "authorization: Bearer $token2" \
  > "$work/live.out" 2>/dev/null & live=$!
sleep 1
# nginx reads X-Accel-Buffering itself (and does not pass it on): it is
# what lets the event below through at once rather than when a buffer fills.
grep -qi '^content-type: text/event-stream' "$work/live.headers" || { echo "no live stream through nginx" >&2; cat "$work/live.headers" >&2; exit 1; }

python3 - "$work/push.json" <<'PY'
import json, sys, uuid, datetime
at = "2026-06-04T10:55:00Z"
event = {"id": str(uuid.uuid4()), "device": "dorr-1", "seq": 1, "meeting": "SRO-2026-06-04",
         "wall": at, "mono_ms": 1000, "boot": "b", "clock_synced": True,
         "event": {"at": "2026-06-04T12:55:00+02:00", "type": "checked_in", "person": "Marina Johansson", "source": "nfc"}}
json.dump({"sent": at, "events": [event]}, open(sys.argv[1], "w"))
PY
pushed_at="$(date +%s.%N)"
answer="$(curl -fsS "$base/api/v1/events" -H "authorization: Bearer $token" -H 'content-type: application/json' --data-binary @"$work/push.json")"
grep -q '"acked_seq":1' <<<"$answer" || { echo "push through nginx: $answer" >&2; exit 1; }
for _ in $(seq 30); do grep -q '^event: sync' "$work/live.out" && break; sleep 0.1; done
grep -q '^event: sync' "$work/live.out" || { echo "no live event through nginx within 3 s" >&2; cat "$work/live.out" >&2; exit 1; }
seen="$(date +%s.%N)"
wait "$live" 2>/dev/null || true
echo "ok: nginx passed the push and the live event (within $(python3 -c "print(round($seen-$pushed_at,2))") s)"
