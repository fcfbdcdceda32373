#!/usr/bin/env bash
# The network scenario on the kernel's own ABI (no stack in the guest): environments/net/
# net_first.cpp and net_second.cpp share one virtio-net NIC; a peer on the host
# (net_peer.py) speaks Ethernet frames to them through QEMU's socket backend on 127.0.0.1, so
# the guest reaches nothing but the peer. The guest's checks (filters refused, sends refused,
# counts) decide its exit status; the peer's (echoes, ARP, drops, every frame the guest sent)
# decide its verdict. Modes: legacy and modern virtio-mmio.
#
#   net_raw.sh --mode MODE --kernel K.elf --work DIR -- <qemu command...>
set -uo pipefail

mode="" kernel="" work=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "net_raw: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $mode && -n $kernel && -n $work && $# -gt 0 ]] || { echo "net_raw: need --mode, --kernel, --work and a QEMU command" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"

# Two free UDP ports on the loopback: the peer's and QEMU's.
read -r listen guest < <(python3 -c '
import socket
s = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

case $mode in
  legacy) transport=() ;;
  modern) transport=(-global virtio-mmio.force-legacy=false) ;;
  *) echo "net_raw: unknown mode $mode" >&2; exit 2 ;;
esac
nic=(-netdev "socket,id=net0,udp=127.0.0.1:$listen,localaddr=127.0.0.1:$guest"
     -device virtio-net-device,netdev=net0)

python3 "$here/net_peer.py" --listen "$listen" --guest "$guest" --verdict "$work/verdict" \
    >"$work/peer.log" 2>&1 &
peer=$!
"$here/run_scenario.sh" --kernel "$kernel" --status 0 --timeout 150 --log "$work/console.log" \
    --expect "exo: net: virtio-net ($mode)" --expect "net: first echoed 101 (100 + 1 in the flood), ARP copies 1" \
    --expect "net: child echoed 100, ARP copies 1" --expect "net: 0 failed checks" \
    --reject "CHECK FAILED" -- "$@" "${transport[@]}" "${nic[@]}"
guest_status=$?
# The peer finishes its script within seconds of the guest's end; one that waits longer waits
# for a guest that is gone.
for _ in $(seq 50); do kill -0 "$peer" 2>/dev/null || break; sleep 0.2; done
kill "$peer" 2>/dev/null
wait "$peer"
peer_status=$?
cat "$work/peer.log"
cat "$work/verdict" 2>/dev/null || echo "net_raw: the peer left no verdict"
[[ $guest_status -eq 0 && $peer_status -eq 0 ]] || exit 1
echo "PASS: net_raw ($mode): $(head -1 "$work/verdict")"
