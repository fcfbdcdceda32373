// The network scenario's child: its own rings (four slots, so a flood fills them), UDP port
// 7001 exclusively and ARP shared. It echoes what comes to its port, pauses on request while the
// peer floods it (the kernel must drop and count, the first environment must not notice), and
// reports its counts to the peer and, through the mailbox, to its parent.
#include <exos/console.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "../memory/mailbox.h"
#include "net_protocol.h"
#include "raw_nic.h"

namespace {

using abi::Error;
constexpr uint64_t kNicVa = 0x40000000;
rawnet::Nic nic;
uint64_t failures = 0;
uint8_t reply[1600];

void expect(bool condition) { failures += !condition; }

uint64_t now() {
    uint64_t time;
    asm volatile("rdtime %0" : "=r"(time));
    return time;
}

void append_number(char*& at, uint64_t value) {
    char digits[20];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0) *at++ = digits[--count];
}

}  // namespace

int main() {
    if (!mailbox::offer()) return 1;
    mailbox::Mailbox& box = mailbox::at();
    const uint64_t mac = exos::syscall(abi::Syscall::NetInfo, 0).value;
    expect(nic.open(kNicVa, 2) == Error::Ok);
    expect(nic.install(rawnet::udp_port_filter(netscenario::kSecondPort)).error == Error::Ok);
    expect(nic.install(rawnet::arp_filter()).error == Error::Ok);
    box.words[netscenario::kUp] = 1;

    uint64_t echoed = 0, arp = 0, flood = 0;
    while (box.words[netscenario::kLeave] == 0) {
        abi::NetRxEntry entry;
        const uint8_t* frame = nic.next(entry);
        if (frame == nullptr) {
            (void)exos::yield();
            continue;
        }
        const uint32_t length = entry.length;
        if (entry.flags & abi::net_rx_flag::kShared) {
            ++arp;
        } else if (!rawnet::is_udp_to(frame, length, netscenario::kSecondPort)) {
            expect(false);  // only our port reaches us exclusively
        } else if (rawnet::payload_starts(frame, length, "echo")) {
            expect(nic.send(reply, rawnet::echo_of(frame, length, reply)) == Error::Ok);
            ++echoed;
        } else if (rawnet::payload_starts(frame, length, "flood")) {
            ++flood;
        } else if (rawnet::payload_starts(frame, length, "pause")) {
            nic.release();
            const uint32_t n = rawnet::udp_to_peer(mac, netscenario::kSecondPort, "paused", reply);
            expect(nic.send(reply, n) == Error::Ok);
            // Not reading for 200 ms while the peer floods: our four slots fill, the rest drop.
            const uint64_t until = now() + exos::shared_info().timebase_hz / 5;
            while (now() < until) (void)exos::yield();
            continue;
        } else if (rawnet::payload_starts(frame, length, "stats")) {
            char text[96] = "stats flood=";
            char* at = text + 12;
            append_number(at, flood);
            for (const char* word = " dropped="; *word != 0;) *at++ = *word++;
            append_number(at, exos::syscall(abi::Syscall::NetInfo,
                                            uint64_t(abi::NetInfoField::RxDropped)).value);
            *at = 0;
            nic.release();
            expect(nic.send(reply, rawnet::udp_to_peer(mac, netscenario::kSecondPort, text,
                                                       reply)) == Error::Ok);
            continue;
        }
        nic.release();
    }
    box.words[netscenario::kEchoed] = echoed;
    box.words[netscenario::kArpCopies] = arp;
    box.words[netscenario::kFloodSeen] = flood;
    box.words[netscenario::kDropped] =
        exos::syscall(abi::Syscall::NetInfo, uint64_t(abi::NetInfoField::RxDropped)).value;
    box.words[netscenario::kFailures] = failures;
    box.state = mailbox::kDone;
    while (box.value == 0) (void)exos::yield();  // the parent has read the words
    return 0;
}
