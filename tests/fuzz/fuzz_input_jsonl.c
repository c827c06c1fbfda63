/* The --json reader (input/) on any file: see fuzz_input.h for what is checked. */
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_format("--json", data, size);
    return 0;
}
