// What the machine is doing, from the kernel's public records: ps (KernelInfo's environment
// records, FrameQuery over the frame table), slots (SliceRead), frames, irqs (KernelInfo's line
// records and the exported devices in our shared page).
#include <exos/console.h>
#include <exos/environments.h>
#include <exos/shared_info.h>
#include <exos/syscall.h>

#include "freestanding/format.h"
#include "shell.h"

namespace shell {

namespace {

namespace state = abi::environment_state;
constexpr uint64_t kSlots = 63;  // environment slots (docs/design.md)

// Owned frames per environment slot, from one FrameQuery per frame.
void count_frames(uint64_t (&owned)[kSlots], abi::FrameSummary& summary) {
    for (uint64_t& count : owned) count = 0;
    summary = {};
    if (exos::kernel_info(abi::InfoTopic::Frames, 0, summary) != abi::Error::Ok) return;
    for (uint64_t pfn = summary.first_pfn; pfn < summary.first_pfn + summary.count; ++pfn) {
        uint64_t info = exos::frame_query(pfn);
        uint64_t slot = abi::frame_info_owner_slot(info);
        if (abi::frame_info_state(info) == abi::FrameState::Owned && slot < kSlots) ++owned[slot];
    }
}

const char* state_of(const abi::EnvironmentInfo& info, char* out, size_t size) {
    const char* what = info.state & state::kOnCpu        ? "running"
                       : info.state & state::kSleeping  ? "sleeping"
                       : info.state & state::kWaiting   ? "waiting (call)"
                       : info.state & state::kServing   ? "serving a call"
                       : info.state & state::kInUpcall  ? "in an upcall"
                                                        : "ready";
    exo::format_buffer(out, size, "%s%s%s", what,
                       info.state & state::kBackground ? ", background" : "",
                       info.state & state::kConsoleInput ? ", console" : "");
    return out;
}

const char* kernel_line(abi::LineUse use) {
    switch (use) {
    case abi::LineUse::KernelConsole: return "console uart (input for ConsoleRead)";
    case abi::LineUse::KernelDisk: return "virtio-blk disk";
    case abi::LineUse::KernelNetwork: return "virtio-net";
    default: return "the kernel's";
    }
}

const char* kind_name(abi::DeviceKind kind) {
    switch (kind) {
    case abi::DeviceKind::Ns16550Uart: return "ns16550a uart";
    case abi::DeviceKind::SifiveUart: return "sifive uart";
    case abi::DeviceKind::GoldfishRtc: return "goldfish rtc";
    }
    return "device";
}

}  // namespace

const char* library_os_of(const char* name) {
    for (const exos::EnvironmentPieces& environment : exos::kEnvironmentPieces) {
        if (equal(environment.name, name)) return environment.pieces;
    }
    return "?";
}

bool environment_at(uint64_t slot, abi::EnvironmentInfo& info) {
    return exos::kernel_info(abi::InfoTopic::Environment, slot, info) == abi::Error::Ok;
}

int command_ps(int, char**) {
    static uint64_t owned[kSlots];
    abi::FrameSummary summary;
    count_frames(owned, summary);
    exos::printf("%-8s %-10s %-8s %-31s %5s %6s  %s\n", "ID", "NAME", "PARENT", "LIBRARY OS",
                 "SLOTS", "FRAMES", "STATE");
    for (uint64_t slot = 0; slot < kSlots; ++slot) {
        abi::EnvironmentInfo info{};
        if (!environment_at(slot, info)) continue;
        char id[20], parent[20], pieces[32], name[11], what[64];
        exo::format_buffer(id, sizeof(id), "0x%lx", info.id);
        if (info.parent != 0) {
            exo::format_buffer(parent, sizeof(parent), "0x%lx", info.parent);
        } else {
            exo::format_buffer(parent, sizeof(parent), "-");
        }
        exos::printf("%-8s %-10s %-8s %-31s %5lu %6lu  %s\n", id, clip(info.name, name, 10),
                     parent, clip(library_os_of(info.name), pieces, 31), info.slots,
                     owned[slot], state_of(info, what, sizeof(what)));
    }
    return 0;
}

int command_slots(int, char**) {
    const volatile abi::SharedInfo& self = exos::shared_info();
    uint64_t count = exos::slice_read(~uint64_t{0}).value;
    if (count > 64) count = 64;
    uint64_t owners[64] = {};
    size_t distinct = 0;
    char bar[65];
    for (uint64_t slot = 0; slot < count; ++slot) {
        uint64_t owner = exos::slice_read(slot).value;
        size_t index = 0;
        while (index < distinct && owners[index] != owner) ++index;
        if (owner != 0 && index == distinct) owners[distinct++] = owner;
        abi::EnvironmentInfo info{};
        bool asleep = owner != 0 && environment_at((owner & 0xffff) - 1, info) &&
                      (info.state & state::kSleeping);
        bar[slot] = owner == 0 ? '.' : static_cast<char>((asleep ? 'a' : 'A') + index % 26);
    }
    bar[count] = '\0';
    uint64_t slot_us = self.timebase_hz ? self.slot_ticks * 1'000'000 / self.timebase_hz : 0;
    exos::printf("slots: |%s|  %lu slots of %lu us a round\n", bar, count, slot_us);
    for (size_t index = 0; index < distinct; ++index) {
        abi::EnvironmentInfo info{};
        (void)environment_at((owners[index] & 0xffff) - 1, info);
        exos::printf("  %c  %s (0x%lx)\n", static_cast<char>('A' + index % 26), info.name,
                     owners[index]);
    }
    exos::printf("  .  free; a small letter: the owner sleeps and its slot goes to the "
                 "background environment\n");
    for (uint64_t slot = 0; slot < kSlots; ++slot) {
        abi::EnvironmentInfo info{};
        if (environment_at(slot, info) && (info.state & state::kBackground))
            exos::printf("  background: %s (0x%lx)\n", info.name, info.id);
    }
    return 0;
}

int command_frames(int, char**) {
    static uint64_t owned[kSlots];
    abi::FrameSummary summary;
    count_frames(owned, summary);
    exos::printf("frames: %lu of 4 KiB (%lu MiB) from frame 0x%lx\n", summary.count,
                 summary.count / 256, summary.first_pfn);
    exos::printf("  free %lu, kernel %lu, reserved %lu, device %lu, owned %lu\n", summary.free,
                 summary.kernel, summary.reserved, summary.device, summary.owned);
    for (uint64_t slot = 0; slot < kSlots; ++slot) {
        abi::EnvironmentInfo info{};
        if (!environment_at(slot, info)) continue;
        exos::printf("  %-15s 0x%-8lx %6lu frames (%lu KiB)\n", info.name, info.id, owned[slot],
                     owned[slot] * 4);
    }
    return 0;
}

int command_irqs(int, char**) {
    const volatile abi::SharedInfo& self = exos::shared_info();
    exos::printf("%4s  %-36s %-10s %s\n", "LINE", "USE", "OWNER", "INTERRUPTS");
    for (uint64_t line = 1; line < 128; ++line) {
        abi::LineInfo info{};
        if (exos::kernel_info(abi::InfoTopic::Line, line, info) != abi::Error::Ok) break;
        if (info.use == abi::LineUse::None) continue;
        char use[48], owner[20] = "kernel", count[24] = "-";
        if (info.use == abi::LineUse::Device) {
            uint64_t device = 0;
            while (device + 1 < self.device_count && self.devices[device].line != line) ++device;
            exo::format_buffer(use, sizeof(use), "device %lu: %s%s", device,
                               kind_name(self.devices[device].kind),
                               info.in_flight ? ", awaiting IrqAck" : "");
            if (info.owner != 0) {
                exo::format_buffer(owner, sizeof(owner), "0x%lx", info.owner);
            } else {
                exo::format_buffer(owner, sizeof(owner), "unbound");
            }
        } else {
            exo::format_buffer(use, sizeof(use), "%s", kernel_line(info.use));
            exo::format_buffer(count, sizeof(count), "%lu", info.count);
        }
        exos::printf("%4lu  %-36s %-10s %s\n", line, use, owner, count);
    }
    return 0;
}

}  // namespace shell
