// Prints the arguments it was started with, one a line, and exits with their count.
#include <exos/console.h>

int main(int argc, char** argv) {
    exos::printf("args: %d argument%s\n", argc, argc == 1 ? "" : "s");
    for (int i = 0; i < argc; ++i) exos::printf("args: [%d] '%s'\n", i, argv[i]);
    return argc;
}
