#!/usr/bin/env bash
# Runs a built benchmark image under QEMU's instruction counter and prints the table against the
# budgets. ci/bench.sh builds and calls it; ctest calls it on each board build (bench.budgets).
#   run_bench.sh [--strict] <board build dir> <board name> <budgets file>
# budgets.txt lines are "<name> <budget>" or "<name> <budget> not-met <ceiling>": the issue's
# budget, and for a row that does not meet it yet, the count it must not exceed (what it
# measures today, docs/benchmarks.md says why). On qemu-virt, where the budgets apply, a row over
# its ceiling (or over its budget, when it has no ceiling) fails; with --strict every row over
# its budget fails. Always: a missing row or an image that does not finish cleanly fails.
# Other boards print their numbers only.
set -uo pipefail
strict=0
if [[ ${1:-} == --strict ]]; then strict=1; shift; fi
build=$1 board=$2 budgets=$3
mapfile -t qemu <"$build/qemu_command"
log="$build/bench.log"
# The disk rows (bench_disk.cpp) on the board with virtio-mmio: a FAT16 image with 4 KiB
# clusters and a 1 MiB file to read.
disk=()
if [[ $board == qemu-virt ]]; then
  image="$build/bench-disk.img"
  rm -f "$image"
  mkfs.fat -F 16 -s 8 -C "$image" 32768 >/dev/null &&
    head -c 1048576 /dev/zero >"$build/bench-read.bin" &&
    MTOOLS_SKIP_CHECK=1 mcopy -i "$image" "$build/bench-read.bin" ::/read.bin ||
    { echo "bench: could not make the disk image"; exit 1; }
  disk=(-drive "file=$image,if=none,format=raw,id=disk0" -device virtio-blk-device,drive=disk0)
fi
timeout -k 5 300 "${qemu[@]}" -icount shift=0,align=off,sleep=off "${disk[@]}" \
    -kernel "$build/kernel-bench.elf" </dev/null >"$log" 2>&1
tr -d '\r' <"$log" | grep '^BENCH ' | tee "$build/bench.txt"
# The network rows (bench_net.cpp) on qemu-virt: their own image, QEMU's user network with a
# UDP and a TCP port of 127.0.0.1 (free ones, chosen now) forwarded to the guest, and the peer
# on the host (net_peer.py) sending what the guest echoes and receives.
net_status=0
if [[ $board == qemu-virt ]]; then
  here=$(cd "$(dirname "$0")" && pwd)
  net_log="$build/bench_net.log"
  udp_port=$(python3 "$here/../qemu/net_clients.py" free-port)
  tcp_port=$(python3 "$here/../qemu/net_clients.py" free-port)
  rm -f "$net_log"
  timeout -k 5 300 "${qemu[@]}" -icount shift=0,align=off,sleep=off \
      -netdev "user,id=net0,hostfwd=udp:127.0.0.1:$udp_port-:7,hostfwd=tcp:127.0.0.1:$tcp_port-:80" \
      -device virtio-net-device,netdev=net0 \
      -kernel "$build/kernel-bench_net.elf" </dev/null >"$net_log" 2>&1 &
  net_qemu=$!
  python3 "$here/net_peer.py" "$net_log" "$udp_port" "$tcp_port" 111 5 || net_status=1
  wait "$net_qemu" || net_status=1
  tr -d '\r' <"$net_log" | grep '^BENCH ' | tee -a "$build/bench.txt"
  if ! tr -d '\r' <"$net_log" | grep -q '^exo: exit status 0'; then
    echo "bench: the network image did not finish cleanly (see $net_log)"
    net_status=1
  fi
else
  # No NIC on this board (no virtio-mmio): the rows are "none", as the disk rows are.
  printf 'BENCH %s none\n' udp_echo tcp_rr tcp_stream_mib | tee -a "$build/bench.txt"
fi

status=0
printf '\n%-28s %12s %8s  %s\n' operation instructions budget ""
while read -r name budget marker ceiling; do
  [[ -z $name || $name == \#* ]] && continue
  measured=$(awk -v n="$name" '$1 == "BENCH" && $2 == n {print $3}' "$build/bench.txt")
  # Words after the count are a note printed beside the row (filter_demux_*: "interpreted N").
  note=$(awk -v n="$name" '$1 == "BENCH" && $2 == n {for (i = 4; i <= NF; ++i) printf "%s%s", (i == 4 ? "  " : " "), $i}' "$build/bench.txt")
  if [[ -z $measured ]]; then
    printf '%-28s %12s %8s  %s\n' "$name" "-" "$budget" "NOT MEASURED"
    status=1
  elif [[ $measured == none ]]; then
    if [[ $board == qemu-virt ]]; then
      printf '%-28s %12s %8s  %s\n' "$name" "-" "$budget" "NO DEVICE"
      status=1
    else
      printf '%-28s %12s %8s  %s\n' "$name" "-" "$budget" "(no such device on this board)"
    fi
  elif [[ $board == qemu-virt && $measured -gt $budget ]]; then
    if [[ $marker == not-met && $measured -le $ceiling && $strict -eq 0 ]]; then
      printf '%-28s %12s %8s  %s\n' "$name" "$measured" "$budget" "over budget (not met yet; ceiling $ceiling)"
    else
      printf '%-28s %12s %8s  %s\n' "$name" "$measured" "$budget" "OVER BUDGET"
      status=1
    fi
  else
    printf '%-28s %12s %8s%s\n' "$name" "$measured" "$budget" "$note"
  fi
done <"$budgets"
if ! tr -d '\r' <"$log" | grep -q '^exo: exit status 0'; then
  echo "bench: the image did not finish cleanly (see $log)"
  status=1
fi
[[ $net_status -eq 0 ]] || status=1
exit $status
