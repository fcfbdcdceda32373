#!/usr/bin/env python3
"""The host's side of the network scenario (net_raw.sh): a peer that speaks raw Ethernet frames
to the guest through QEMU's socket backend (-netdev socket,udp=...,localaddr=...), on 127.0.0.1
only. It plays 10.0.2.2 to the guest's 10.0.2.15 and runs the script environments/net/
net_first.cpp and net_second.cpp answer: echoes on both environments' ports, one ARP request
(both receive a copy), frames the kernel must survive (truncated, an IPv4 header length past
the frame, oversized, a bad checksum), a flood of the child's port while it does not read (its
drops counted, the other environment still answering), and sends the guest must refuse.

Every frame the guest sends is checked: our MAC as destination or broadcast, the guest's MAC as
source, IPv4 only to 10.0.2.2, nothing carrying "forged" (the sends the kernel must refuse).

  net_peer.py --listen PORT --guest PORT --verdict FILE
"""
import argparse
import os
import socket
import struct
import sys
import time

GUEST_MAC = bytes.fromhex('525400123456')
PEER_MAC = bytes.fromhex('525500000202')
GUEST_IP = bytes([10, 0, 2, 15])
PEER_IP = bytes([10, 0, 2, 2])
PEER_PORT = 9000
FIRST, SECOND = 7000, 7001

problems = []
seen = []


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def udp(port, payload, bad_checksum=False, ihl=5, total=None):
    options = b'\0' * (4 * (ihl - 5)) if ihl > 5 else b''
    length = 20 + len(options) + 8 + len(payload) if total is None else total
    header = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, length, 0, 0, 64, 17, 0, PEER_IP,
                         GUEST_IP) + options
    sum_ = checksum(header) ^ (0xffff if bad_checksum else 0)
    header = header[:10] + struct.pack('!H', sum_) + header[12:]
    datagram = struct.pack('!HHHH', PEER_PORT, port, 8 + len(payload), 0) + payload
    return GUEST_MAC + PEER_MAC + b'\x08\x00' + header + datagram


def arp_request():
    body = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, PEER_MAC, PEER_IP, b'\0' * 6,
                       GUEST_IP)
    return b'\xff' * 6 + PEER_MAC + b'\x08\x06' + body + b'\0' * 18


class Peer:
    def __init__(self, listen, guest):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', listen))
        self.guest = ('127.0.0.1', guest)

    def send(self, frame):
        self.sock.sendto(frame, self.guest)

    def receive(self, timeout):
        """The next frame from the guest (checked and recorded), or None."""
        self.sock.settimeout(timeout)
        try:
            frame, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            return None
        check(frame)
        seen.append(frame)
        return frame

    def udp_reply(self, from_port, timeout=20, skip_ready=True):
        """Payload of the next UDP datagram from the guest's `from_port` to us; skips others
        (the guest's repeated "ready", which may still be on its way, and its "registers")."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            frame = self.receive(max(0.01, deadline - time.time()))
            if frame is None:
                break
            if len(frame) >= 42 and frame[12:14] == b'\x08\x00' and frame[23] == 17:
                sport, dport, length = struct.unpack('!HHH', frame[34:40])
                payload = frame[42:34 + length]
                # "registers" is the guest's register check's send, before anything else.
                if sport == from_port and dport == PEER_PORT and payload != b'registers' and \
                        not (skip_ready and payload == b'ready'):
                    return payload
        return None


def check(frame):
    if len(frame) < 14:
        problems.append('a frame shorter than Ethernet from the guest')
        return
    if frame[0:6] not in (PEER_MAC, b'\xff' * 6):
        problems.append('a frame to %s' % frame[0:6].hex())
    if frame[6:12] != GUEST_MAC:
        problems.append('a frame from another MAC: %s' % frame[6:12].hex())
    kind = frame[12:14]
    if kind == b'\x08\x00':
        if frame[30:34] != PEER_IP:
            problems.append('IPv4 to an outside address %s' % '.'.join(map(str, frame[30:34])))
    elif kind != b'\x08\x06':
        problems.append('a frame of ethertype %s' % kind.hex())
    if b'forged' in frame:
        problems.append('a send the kernel should have refused reached the wire')


def expect(condition, what):
    if not condition:
        problems.append(what)
        print('peer: FAILED: ' + what, flush=True)


def run(peer):
    # The guest says it is ready (both environments' filters in place).
    if peer.udp_reply(FIRST, timeout=60, skip_ready=False) != b'ready':
        expect(False, 'the guest never said ready')
        return
    peer.send(udp(FIRST, b'hello'))
    # Echoes, as ping-pong: 100 on each environment's port.
    for port in (FIRST, SECOND):
        good = 0
        for i in range(100):
            payload = b'echo %d %d ' % (port, i) + os.urandom(16 + i * 13 % 900)
            peer.send(udp(port, payload))
            answer = peer.udp_reply(port, timeout=5)
            if answer is None:
                break  # the guest is gone or stuck: say so once, not a hundred times
            good += answer == payload
        expect(good == 100, 'port %d echoed %d of 100' % (port, good))
    # ARP: both environments get a copy; the first answers as itself.
    peer.send(arp_request())
    deadline, answered = time.time() + 10, False
    while time.time() < deadline and not answered:
        frame = peer.receive(1)
        answered = frame is not None and frame[12:14] == b'\x08\x06' and frame[20:22] == b'\0\2' \
            and frame[22:28] == GUEST_MAC and frame[28:32] == GUEST_IP
    expect(answered, 'no ARP reply from the guest')
    # Frames the kernel must survive and give to no one (or, for the bad checksum, to its owner).
    peer.send(GUEST_MAC + PEER_MAC)                                  # 12 bytes
    peer.send(GUEST_MAC + PEER_MAC + b'\x08')                        # 13 bytes
    peer.send(udp(FIRST, b'short', ihl=15)[:40])                     # transport past the end
    peer.send(udp(FIRST, b'ihl4', ihl=5)[:14] + b'\x44' + udp(FIRST, b'ihl4')[15:])
    peer.send(udp(FIRST, b'x' * 1600))                               # past the largest frame
    peer.send(udp(7002, b'nobody'))                                  # no filter claims it
    peer.send(udp(FIRST, b'badsum', bad_checksum=True))
    # The flood: the child stops reading; 300 datagrams for it; the first still answers.
    peer.send(udp(SECOND, b'pause'))
    expect(peer.udp_reply(SECOND) == b'paused', 'the child did not pause')
    paused_at = time.time()
    # In bursts of 25: QEMU's own socket buffer on the host holds only a few hundred small
    # datagrams while the guest's queue is full, and what overflows it never reaches the guest.
    for i in range(300):
        peer.send(udp(SECOND, b'flood %d' % i))
        if i % 25 == 24:
            time.sleep(0.01)
    peer.send(udp(FIRST, b'echo during the flood'))
    expect(peer.udp_reply(FIRST) == b'echo during the flood', 'the first stalled in the flood')
    # The child reads again a second after it paused: ask for its counts after that.
    time.sleep(max(0.0, paused_at + 1.5 - time.time()))
    peer.send(udp(SECOND, b'stats'))
    stats = peer.udp_reply(SECOND) or b''
    print('peer: child says ' + stats.decode(errors='replace'), flush=True)
    fields = dict(part.split(b'=') for part in stats.split()[1:] if b'=' in part)
    flood, dropped = int(fields.get(b'flood', -1)), int(fields.get(b'dropped', -1))
    expect(flood + dropped == 300 and dropped > 0,
           'flood: %d seen + %d dropped is not 300 with drops' % (flood, dropped))
    # Sends the guest may not make; then the end.
    peer.send(udp(FIRST, b'spoof'))
    expect(peer.udp_reply(FIRST) == b'spoof refused', 'no answer after the refused sends')
    peer.send(udp(FIRST, b'done'))
    end = time.time() + 3
    while time.time() < end:
        peer.receive(0.2)  # anything still coming is checked too


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--listen', type=int, required=True)
    parser.add_argument('--guest', type=int, required=True)
    parser.add_argument('--verdict', required=True)
    args = parser.parse_args()
    try:
        run(Peer(args.listen, args.guest))
    except Exception as error:  # a broken peer must fail the test, not hang it
        problems.append('peer error: %r' % error)
    with open(args.verdict, 'w') as out:
        out.write('frames from the guest: %d\n' % len(seen))
        for problem in problems:
            out.write('PROBLEM: %s\n' % problem)
        out.write('PASS\n' if not problems else 'FAIL\n')
    return 0 if not problems else 1


if __name__ == '__main__':
    sys.exit(main())
