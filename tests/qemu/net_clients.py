#!/usr/bin/env python3
"""Host-side clients and checks of the net scenarios (net_scenario.sh); they talk to 127.0.0.1
only, where QEMU's user network forwards ports to the guest.
  net_clients.py free-port                     a TCP and UDP port free now on 127.0.0.1
  net_clients.py udp-echo PORT COUNT           COUNT datagrams, each echoed with its contents
  net_clients.py big-sha256                    sha256 of the 1 MiB the guest serves at /big
  net_clients.py pcap-check FILE GUEST_MAC     every frame the guest sent addressed 10.0.2.2,
                                               10.0.2.15 or broadcast, and nothing else
Each prints one line saying what it found and exits 1 when a check fails."""
import hashlib
import socket
import struct
import sys


def free_port():
    for _ in range(50):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(('127.0.0.1', 0))
        port = tcp.getsockname()[1]
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind(('127.0.0.1', port))
        except OSError:
            tcp.close()
            continue
        tcp.close()
        udp.close()
        print(port)
        return 0
    return 1


def udp_echo(port, count):
    """Lock step: one datagram out, its echo back (contents checked) before the next; a
    datagram not echoed within 3 s counts as lost and is not sent again."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(3.0)
    echoed = lost = wrong = 0
    for i in range(count):
        size = 1 + (i * 97) % 1400
        payload = bytes(((i * 7 + b * 13) & 0xff) for b in range(size))
        payload = struct.pack('>I', i) + payload[4:]
        sock.sendto(payload, ('127.0.0.1', port))
        try:
            while True:
                data, _ = sock.recvfrom(4096)
                if len(data) >= 4 and struct.unpack('>I', data[:4])[0] < i:
                    continue  # a late echo of an earlier one
                break
        except socket.timeout:
            lost += 1
            continue
        if data == payload:
            echoed += 1
        else:
            wrong += 1
    sock.sendto(b'quit', ('127.0.0.1', port))
    print(f'udp: {echoed} of {count} datagrams echoed, {lost} lost, {wrong} wrong')
    return 0 if echoed == count else 1


def big_sha256():
    data = bytes(((i * 131 + (i >> 10) * 7 + 13) & 0xff) for i in range(1 << 20))
    print(hashlib.sha256(data).hexdigest())
    return 0


def pcap_check(path, guest_mac):
    """Reads a pcap of Ethernet frames (QEMU's filter-dump) and checks every frame whose
    source MAC is the guest's."""
    allowed = {socket.inet_aton(a) for a in ('10.0.2.2', '10.0.2.15', '10.0.2.255',
                                             '255.255.255.255')}
    mac = bytes(int(b, 16) for b in guest_mac.split(':'))
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        print('pcap: empty')
        return 1
    endian = '<' if struct.unpack('<I', data[:4])[0] == 0xa1b2c3d4 else '>'
    offset, frames, bad = 24, 0, []
    while offset + 16 <= len(data):
        _, _, length, _ = struct.unpack(endian + 'IIII', data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + length]
        offset += 16 + length
        if frame[6:12] != mac:
            continue
        frames += 1
        ethertype = frame[12:14]
        if ethertype == b'\x08\x06' and len(frame) >= 42:
            target = frame[38:42]
            if target not in allowed:
                bad.append('ARP for ' + socket.inet_ntoa(target))
        elif ethertype == b'\x08\x00' and len(frame) >= 34:
            destination = frame[30:34]
            if destination not in allowed:
                bad.append('IPv4 to ' + socket.inet_ntoa(destination))
        else:
            bad.append('ethertype ' + ethertype.hex())
    print(f'pcap: {frames} frames from the guest, {len(bad)} to other addresses'
          + (': ' + ', '.join(sorted(set(bad))[:10]) if bad else ''))
    return 0 if frames > 0 and not bad else 1


def main(argv):
    if len(argv) >= 2 and argv[1] == 'free-port':
        return free_port()
    if len(argv) == 4 and argv[1] == 'udp-echo':
        return udp_echo(int(argv[2]), int(argv[3]))
    if len(argv) == 2 and argv[1] == 'big-sha256':
        return big_sha256()
    if len(argv) == 4 and argv[1] == 'pcap-check':
        return pcap_check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
