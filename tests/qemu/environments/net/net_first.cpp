// The network scenario's first environment (tests/qemu/net_raw.sh drives it with a peer on the
// host that speaks Ethernet frames through QEMU's socket backend). It owns UDP port 7000 and
// subscribes to ARP; its child (net_second.cpp) owns 7001. It checks that the kernel refuses
// every filter that could take the child's traffic or read past a frame, echoes the peer's
// datagrams, answers ARP as itself, and on the peer's word tries to send what it may not: the
// child's port, another MAC, another's ARP identity, a frame not its own, sizes no frame has.
#include <exos/children.h>
#include <exos/console.h>
#include <exos/frame_pool.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../attack/registers.h"
#include "../check.h"
#include "../driver.h"
#include "../memory/mailbox.h"
#include "net_protocol.h"
#include "raw_nic.h"

namespace {

using abi::Error;
constexpr uint64_t kNicVa = 0x40000000;
constexpr uint64_t kChildImage = 1;

exos::FramePool pool;
rawnet::Nic nic;
uint64_t mac = 0;
uint8_t reply[1600];

Error install(const abi::PacketFilter& filter) { return nic.install(filter).error; }

uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

// Filters the kernel must refuse, now that the child holds UDP 7001.
void refused_filters() {
    abi::PacketFilter theirs = rawnet::udp_port_filter(netscenario::kSecondPort);
    EXPECT(install(theirs) == Error::Overlaps);
    abi::PacketFilter narrower = theirs;  // more specific: from the peer only
    narrower.atoms[narrower.atom_count++] =
        abi::filter_atom(abi::FilterBase::Frame, abi::packet_field::kIpv4Source, 4, 0x0a000202);
    EXPECT(install(narrower) == Error::Overlaps);
    abi::PacketFilter copy = theirs;  // a shared copy of the child's unicast traffic
    copy.flags = abi::filter_flag::kShared;
    EXPECT(install(copy) == Error::Overlaps);
    abi::PacketFilter past = rawnet::udp_port_filter(7100);  // reads past any frame
    past.atoms[past.atom_count++] = abi::filter_atom(abi::FilterBase::Frame, 1513, 2, 1);
    EXPECT(install(past) == Error::InvalidArgument);
    abi::PacketFilter no_ethertype{};  // the transport header of a frame that may not be IPv4
    no_ethertype.atom_count = 1;
    no_ethertype.atoms[0] = abi::destination_port_atom(7101);
    EXPECT(install(no_ethertype) == Error::InvalidArgument);
    abi::PacketFilter empty{};  // everything
    EXPECT(install(empty) == Error::InvalidArgument);
    abi::PacketFilter too_long = rawnet::udp_port_filter(7102);
    too_long.atom_count = abi::kFilterMaxAtoms + 1;
    EXPECT(install(too_long) == Error::InvalidArgument);
    EXPECT(exos::syscall(abi::Syscall::NetFilterInstall, 0x10).error == Error::BadAddress);
    EXPECT(exos::syscall(abi::Syscall::NetFilterRemove, 9999).error != Error::Ok);
    // Rings from frames that are not ours change nothing: our rings keep working below.
    EXPECT(exos::syscall(abi::Syscall::NetRings, 1, 2, 1, 3, 4).error == Error::NotOwner);
}

// No kernel value (an address, a satp) left in a register after a network call: the answers,
// the refusals, an install the overlap check refuses deep in the filters, and a send that
// reaches the device.
int register_leaks_of(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    uint64_t before[32], after[32];
    attack::prepare(before, number, a0, a1, a2);
    for (int n = 0; n < 32; ++n) after[n] = before[n];
    attack::attack_ecall(after);
    return attack::leaks_after_syscall(before, after);
}

void register_checks() {
    auto number = [](abi::Syscall call) { return static_cast<uint64_t>(call); };
    static abi::PacketFilter theirs = rawnet::udp_port_filter(netscenario::kSecondPort);
    int leaks = register_leaks_of(number(abi::Syscall::NetInfo), 0);
    leaks += register_leaks_of(number(abi::Syscall::NetInfo), 3);
    leaks += register_leaks_of(number(abi::Syscall::NetRings), 1, 2, 1);
    leaks += register_leaks_of(number(abi::Syscall::NetFilterInstall), 0x10);
    leaks += register_leaks_of(number(abi::Syscall::NetFilterInstall),
                               reinterpret_cast<uint64_t>(&theirs));
    leaks += register_leaks_of(number(abi::Syscall::NetFilterRemove), 9999);
    leaks += register_leaks_of(number(abi::Syscall::NetSubmit));  // nothing queued
    // A send that reaches the device (to the peer, who ignores what it does not expect).
    const uint32_t n = rawnet::udp_to_peer(mac, netscenario::kFirstPort, "registers",
                                           nic.send_bytes());
    const abi::NetTxRequest request{77, nic.send_frame(), 0, static_cast<uint16_t>(n), 0};
    nic.queue(request);
    leaks += register_leaks_of(number(abi::Syscall::NetSubmit));
    EXPECT(nic.completion_of(request) == Error::Ok);
    EXPECT(leaks == 0);
}

// On the peer's "spoof": what we may not send, each refused with its reason, nothing on the
// wire (the peer checks that no frame carries "forged").
void refused_sends() {
    uint32_t n = rawnet::udp_to_peer(mac, netscenario::kSecondPort, "forged port", reply);
    EXPECT(nic.send(reply, n) == Error::NotPermitted);
    n = rawnet::udp_to_peer(mac ^ 0x0200, netscenario::kFirstPort, "forged mac", reply);
    EXPECT(nic.send(reply, n) == Error::NotPermitted);
    n = rawnet::udp_to_peer(mac, netscenario::kFirstPort, "forged fragment", reply);
    reply[20] = 0x20;  // more fragments: the next fragment could rewrite the ports
    EXPECT(nic.send(reply, n) == Error::NotPermitted);
    EXPECT(nic.send_request({1000, 1, 0, 60, 0}) == Error::NotOwner);  // not our frame
    n = rawnet::udp_to_peer(mac, netscenario::kFirstPort, "forged size", reply);
    EXPECT(nic.send(reply, abi::kNetMaxFrameBytes + 1) == Error::InvalidArgument);
    EXPECT(nic.send(reply, 13) == Error::InvalidArgument);
    EXPECT(nic.send_request({1001, nic.send_frame(), 4000, 100, 0}) ==
           Error::InvalidArgument);  // runs past the frame's end
    n = rawnet::udp_to_peer(mac, netscenario::kFirstPort, "spoof refused", reply);
    EXPECT(nic.send(reply, n) == Error::Ok);
}

// ARP: a reply as ourselves goes out; one claiming another MAC does not.
void answer_arp(const uint8_t* frame, uint32_t length) {
    if (length < 42 || rawnet::be16(frame + 20) != 1) return;  // requests only
    for (int i = 0; i < 4; ++i) {
        if (frame[38 + i] != rawnet::kGuestIp[i]) return;
    }
    for (uint32_t i = 0; i < 42; ++i) reply[i] = frame[i];
    for (int i = 0; i < 6; ++i) {
        reply[i] = frame[6 + i];
        reply[6 + i] = reply[22 + i] = static_cast<uint8_t>(mac >> (8 * i));
        reply[32 + i] = frame[22 + i];
    }
    reply[21] = 2;
    for (int i = 0; i < 4; ++i) {
        reply[28 + i] = rawnet::kGuestIp[i];
        reply[38 + i] = frame[28 + i];
    }
    reply[22] ^= 0x02;  // first another's identity: refused
    EXPECT(nic.send(reply, 42) == Error::NotPermitted);
    reply[22] ^= 0x02;
    EXPECT(nic.send(reply, 42) == Error::Ok);
}

}  // namespace

int main() {
    pool.adopt_initial_frames();
    mac = exos::syscall(abi::Syscall::NetInfo, uint64_t(abi::NetInfoField::Mac)).value;
    const Error opened = nic.open(kNicVa, abi::kNetMaxBufferFrames);
    if (opened != Error::Ok) exos::printf("net: open: %s\n", abi::to_string(opened));
    EXPECT(opened == Error::Ok);
    EXPECT(install(rawnet::udp_port_filter(netscenario::kFirstPort)) == Error::Ok);
    EXPECT(install(rawnet::arp_filter()) == Error::Ok);

    exos::Child child = exos::spawn(pool, kChildImage, 8);
    EXPECT(child.error == Error::Ok);
    EXPECT(driver::open_mailbox(child));
    mailbox::Mailbox& box = mailbox::at();
    while (box.words[netscenario::kUp] == 0) (void)exos::yield(child.id);
    refused_filters();
    register_checks();
    exos::printf("net: filters in place, the child's too\n");

    // "ready" every 200 ms until the peer's first frame: it may not be listening yet.
    const uint64_t period = exos::shared_info().timebase_hz / 5;
    uint64_t echoed = 0, arp = 0, badsum = 0, next_ready = 0;
    bool heard = false;
    for (bool done = false; !done;) {
        abi::NetRxEntry entry;
        const uint8_t* frame = nic.next(entry);
        if (frame == nullptr) {
            if (!heard && now() >= next_ready) {
                uint32_t n = rawnet::udp_to_peer(mac, netscenario::kFirstPort, "ready", reply);
                EXPECT(nic.send(reply, n) == Error::Ok);
                next_ready = now() + period;
            }
            (void)exos::yield(child.id);  // the child runs in our slots: it has none
            continue;
        }
        heard = true;
        const uint32_t length = entry.length;
        if (entry.flags & abi::net_rx_flag::kShared) {
            ++arp;
            answer_arp(frame, length);
        } else if (!rawnet::is_udp_to(frame, length, netscenario::kFirstPort)) {
            EXPECT(false);  // only our port reaches us exclusively
        } else if (rawnet::payload_starts(frame, length, "echo")) {
            EXPECT(nic.send(reply, rawnet::echo_of(frame, length, reply)) == Error::Ok);
            ++echoed;
        } else if (rawnet::payload_starts(frame, length, "badsum")) {
            ++badsum;  // the kernel checks no checksum: that is the stack's business
        } else if (rawnet::payload_starts(frame, length, "spoof")) {
            refused_sends();
        } else if (rawnet::payload_starts(frame, length, "hello")) {
            // the peer heard us: no more "ready"
        } else if (rawnet::payload_starts(frame, length, "done")) {
            done = true;
        }
        nic.release();
    }

    box.words[netscenario::kLeave] = 1;
    mailbox::wait_for_state(child.id, mailbox::kDone);
    const uint64_t unclaimed =
        exos::syscall(abi::Syscall::NetInfo, uint64_t(abi::NetInfoField::RxUnclaimed)).value;
    const uint64_t refused =
        exos::syscall(abi::Syscall::NetInfo, uint64_t(abi::NetInfoField::TxRefused)).value;
    exos::printf("net: first echoed %lu (100 + 1 in the flood), ARP copies %lu, "
                 "bad checksums delivered %lu\n",
                 echoed, arp, badsum);
    exos::printf("net: child echoed %lu, ARP copies %lu, flood %lu seen + %lu dropped\n",
                 box.words[netscenario::kEchoed], box.words[netscenario::kArpCopies],
                 box.words[netscenario::kFloodSeen], box.words[netscenario::kDropped]);
    exos::printf("net: %lu frames no filter claimed; %lu of our sends refused\n", unclaimed,
                 refused);
    EXPECT(echoed == 101 && box.words[netscenario::kEchoed] == 100);  // one during the flood
    EXPECT(arp == 1 && box.words[netscenario::kArpCopies] == 1);
    EXPECT(badsum == 1);
    EXPECT(box.words[netscenario::kFloodSeen] + box.words[netscenario::kDropped] == 300);
    EXPECT(box.words[netscenario::kDropped] > 0);
    EXPECT(box.words[netscenario::kFailures] == 0);
    EXPECT(unclaimed >= 3);
    EXPECT(refused == 8);
    box.value = 1;
    (void)exos::yield(child.id);
    EXPECT_AUDIT_CLEAN("the network scenario");
    exos::printf("net: %d failed checks\n", scenario::failures);
    return scenario::failures;
}
