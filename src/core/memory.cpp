#include "core/memory.h"


#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#include <unistd.h>
#endif

namespace bert {
namespace {

std::string Megabytes(uint64_t bytes) {  // "6442.5 MB" (integer formatting: printf's floats would grow the wasm)
  const uint64_t tenths = bytes / 100'000 + (bytes % 100'000 >= 50'000);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MB";
}

}  // namespace

Status ReserveMemory(uint64_t bytes, const std::string& what) {
#ifdef __EMSCRIPTEN__
  // What the heap can still grow by: its maximum (-sMAXIMUM_MEMORY) minus what it has handed out.
  const uint64_t handed_out = reinterpret_cast<uintptr_t>(sbrk(0));
  const uint64_t room = emscripten_get_heap_max() - handed_out;
  if (bytes > room) {
    return Error(StatusCode::kOutOfMemory, what + " needs " + Megabytes(bytes) + ", more than the " +
                                               Megabytes(room) + " WebAssembly (wasm32) memory can still hold");
  }
  // The browser may refuse to grow the heap well below its maximum (phones, 32-bit hosts).
  const uint64_t end = handed_out + bytes;
  if (end > emscripten_get_heap_size() && !emscripten_resize_heap(static_cast<size_t>(end))) {
    return Error(StatusCode::kOutOfMemory,
                 what + " needs " + Megabytes(bytes) + ", but WebAssembly memory could not grow to hold it");
  }
#else
  // Natively memory is virtual and overcommitted; only the address space is a hard limit.
  if (bytes > SIZE_MAX / 2) return Error(StatusCode::kOutOfMemory, what + " needs " + Megabytes(bytes) + ", more than this build can address");
#endif
  return {};
}

}  // namespace bert
