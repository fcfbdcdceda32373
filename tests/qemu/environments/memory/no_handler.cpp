// A child with no exception entry that touches an unmapped page: the kernel must destroy it.
#include <cstdint>

#include <exos/console.h>

int main() {
    exos::printf("no_handler: touching an unmapped page\n");
    return static_cast<int>(*reinterpret_cast<volatile uint64_t*>(0x70000000));
}
