// The short names the host suites give the kernel's types and namespaces, and the addresses and
// permission sets several of them use, in one place.
#pragma once

#include <cstdint>

// It brings CppUTest, whose `new` macro the standard headers must not see: include this last.
#include "fake_machine.h"

using abi::Error;
using exo::Environment;
using exo::EnvironmentId;
using exo::EnvironmentSlot;
using exo::EnvironmentTable;
using exo::FrameEntry;
using exo::MemorySystem;
using exo::test::FakeMachine;
using exo::test::kPage;
namespace address_space = exo::address_space;
namespace frame_flag = exo::frame_flag;
namespace permission = abi::permission;
namespace pte = sv39::pte;

// The lowest page of an environment's initial stack.
inline constexpr uint64_t kStackBottom = abi::kInitialStackTop - abi::kInitialStackPages * kPage;
// The second gigabyte: the tiny test image leaves it empty, so its first map needs two tables.
inline constexpr uint64_t kFreeVa = 0x4000'0000;
inline constexpr uint64_t kRW = permission::kRead | permission::kWrite;
