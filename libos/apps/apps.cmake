# The library OS's applications, as environments every board can put in its images
# (boards/<board>/images.cmake includes this file): the shell, and the programs it starts.
set(EXOS_APPS ${PROJECT_SOURCE_DIR}/libos/apps)

exo_environment(hello
    SOURCES ${EXOS_APPS}/hello/hello.cpp
    PIECES  runtime)

# The interactive shell (docs/shell.md): the first environment of the default images.
exo_environment(shell
    SOURCES ${EXOS_APPS}/shell/main.cpp ${EXOS_APPS}/shell/text.cpp ${EXOS_APPS}/shell/files.cpp
            ${EXOS_APPS}/shell/system.cpp ${EXOS_APPS}/shell/jobs.cpp ${EXOS_APPS}/shell/bench.cpp
    PIECES  frames fs disk terminal)

# Programs for the shell's run: on the disk as /bin/<name> (ci/boot.sh, the shell test), and in
# the images for boards without one.
exo_environment(spin SOURCES ${EXOS_APPS}/programs/spin.cpp PIECES runtime)
exo_environment(fault SOURCES ${EXOS_APPS}/programs/fault.cpp PIECES runtime)
exo_environment(args SOURCES ${EXOS_APPS}/programs/args.cpp PIECES runtime)
# Their names, one a line, for ci/make_disk.sh (which puts them in /bin).
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/programs CONTENT "hello\nspin\nfault\nargs\n")
