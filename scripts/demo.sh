#!/usr/bin/env bash
# `make demo`: start a two-router lab, apply site.yml, show the result, rerun to show nothing changes, take a
# watched host down and up and show both Telegram messages with their delay, prove alerting with
# playbooks/verify.yml on both routers, stop the lab.
# Uses the lab's default block (127.0.1.x) and control port, which is what inventory/lab points at.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
STATE=$(mktemp -d)
LOG="$STATE/lab.log"

"$BIN/python" -m lab serve --routers 2 --state "$STATE" >"$LOG" 2>&1 &
LAB_PID=$!
trap 'kill "$LAB_PID" 2>/dev/null; wait "$LAB_PID" 2>/dev/null; rm -rf "$STATE"' EXIT
for _ in $(seq 50); do grep -q "lab ready" "$LOG" && break; sleep 0.2; done
grep -q "lab ready" "$LOG" || { cat "$LOG"; exit 1; }
# A play's whole output when it fails (its reason is what a newcomer needs), its recap when it succeeds.
play() {
  local log="$STATE/play.log"
  if ! "$BIN/ansible-playbook" "$@" >"$log" 2>&1; then cat "$log"; exit 1; fi
  sed -n '/PLAY RECAP/,$p' "$log"
}
# The LAN hosts inventory/lab watches (1.1.1.1, 8.8.8.8 and 9.9.9.9 answer in every lab).
for address in 10.10.10.10 192.168.88.2; do "$BIN/python" -m lab ctl host all "$address" up >/dev/null; done

echo "== first run: configure both lab routers"
play site.yml -e "routeros_backup_dir=$STATE/backups"

echo "== router 1 now (trimmed)"
"$BIN/python" -m lab ctl dump 1 | "$BIN/python" -c '
import json, sys
dump = json.load(sys.stdin)
keep = ("name", "default-name", "comment", "address", "interface", "servers", "chain", "action", "status", "disabled")
for path in ("system/identity", "interface", "interface/bridge/port", "ip/address", "ip/dhcp-client", "ip/dns",
             "ip/dns/static", "ip/firewall/nat"):
    rows = dump[path] if isinstance(dump[path], list) else [dump[path]]
    print(f"/{path}")
    for row in rows:
        print("   ", " ".join(f"{k}={row[k]}" for k in keep if row.get(k)))
'

echo "== second run: nothing to change (changed=0)"
play site.yml -e "routeros_backup_dir=$STATE/backups"

echo "== alerting: the file server (10.10.10.10) stops answering lab-r1, then comes back"
"$BIN/python" -m scripts.demo_alert

echo "== playbooks/verify.yml: a test DOWN and UP on every router, proven by Telegram's answers"
"$BIN/ansible-playbook" playbooks/verify.yml -e "verify_reports_dir=$STATE/reports" >"$STATE/verify.log" 2>&1 \
  || { cat "$STATE/verify.log"; exit 1; }
sed -n '/Show the summary/,/PLAY RECAP/p' "$STATE/verify.log" | grep -v "PLAY RECAP"
