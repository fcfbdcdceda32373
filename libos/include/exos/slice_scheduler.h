// What a scheduler gives the runtime's upcall dispatcher: what to do when a slot of ours starts
// or is about to end, and when a bound interrupt line fires. One per environment: two would
// both resume contexts at every slot start, so the dispatcher refuses a second one.
#pragma once

#include <cstdint>

namespace exos {

class SliceScheduler {
public:
    // Which upcalls the scheduler takes: the runtime registers only those entries with the
    // kernel, so a slot end without kSliceEnd is not given to us at all (docs/cpu.md).
    enum Hook : uint32_t { kSliceStart = 1, kSliceEnd = 2, kEvent = 4 };
    virtual uint32_t hooks() const = 0;

    // A slot of ours begins (`end` is when it ends). Returning resumes the main context where
    // the kernel stopped it; resuming another (ResumeContext) never returns.
    virtual void slice_start(uint64_t slot, uint64_t end) { (void)slot, (void)end; }
    // The slot is about to end: save what must be saved by `deadline`; the runtime then yields.
    virtual void slice_end(uint64_t slot, uint64_t deadline) { (void)slot, (void)deadline; }
    // A line this environment bound fired (it stays quiet until IrqAck).
    virtual void event(uint32_t line) { (void)line; }
    virtual const char* name() const = 0;

protected:
    ~SliceScheduler() = default;
};

}  // namespace exos
