#!/usr/bin/env python3
"""The host's side of the network rows (bench_net.cpp), through QEMU's forwarded ports on
127.0.0.1: waits for the guest's "ready" lines in its console log, then sends datagrams one at
a time for udp_echo, 64-byte requests on one connection for tcp_rr, and a stream of MiBs.
  net_peer.py LOG UDP_PORT TCP_PORT RUNS STREAM_MIB"""
import socket
import sys
import time


def wait_for(log, text, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with open(log, errors='replace') as f:
                if text in f.read():
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def main(log, udp_port, tcp_port, runs, stream_mib):
    if not wait_for(log, 'bench_net: udp ready'):
        print('net_peer: the guest never got ready for UDP')
        return 1
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.settimeout(5)
    for i in range(runs):
        payload = bytes([i & 0xff]) * 64
        for _ in range(5):  # a datagram lost before the guest's ARP settled is sent again
            udp.sendto(payload, ('127.0.0.1', udp_port))
            try:
                if udp.recvfrom(2048)[0] == payload:
                    break
            except socket.timeout:
                continue
        else:
            print(f'net_peer: datagram {i} never echoed')
            return 1
    if not wait_for(log, 'bench_net: tcp ready'):
        print('net_peer: the guest never got ready for TCP')
        return 1
    with socket.create_connection(('127.0.0.1', tcp_port), timeout=30) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(runs):
            request = bytes([i & 0xff]) * 64
            conn.sendall(request)
            got = b''
            while len(got) < 64:
                chunk = conn.recv(64 - len(got))
                if not chunk:
                    print('net_peer: the guest closed during request-response')
                    return 1
                got += chunk
    with socket.create_connection(('127.0.0.1', tcp_port), timeout=60) as conn:
        block = bytes(range(256)) * 64
        conn.sendall(block)  # the warm-up (16 KiB)
        for _ in range(stream_mib * 64):
            conn.sendall(block)
        conn.shutdown(socket.SHUT_WR)
        conn.recv(16)
    print('net_peer: done')
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                  int(sys.argv[5])))
