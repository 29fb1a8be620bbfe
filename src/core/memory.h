// Memory for a model, asked for once before loading. In wasm32 a failed allocation cannot be caught: the
// heap is at most 4 GB, there are no exceptions, and operator new would hand std::vector a null pointer.
// So a load first checks that its weights fit and makes the heap grow to hold them (beyond what it has
// handed out, free space inside it aside); after that, its allocations come from memory the heap has.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace bert {

// kOutOfMemory, naming `what` and the sizes, when `bytes` more cannot be addressed or allocated.
Status ReserveMemory(uint64_t bytes, const std::string& what);

}  // namespace bert
