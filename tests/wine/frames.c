/*
 * A small Windows program standing in for a render in the Wine end-to-end test
 * (tests/tests/e2e/wine.rs): `frames START END MS DIR` prints "frame N" for each frame from
 * START to END, MS milliseconds apart, and starts a copy of itself (`frames child DIR`) that
 * runs until it is killed. While they live, the parent rewrites DIR\parent.beat and the
 * child DIR\child.beat every 100 ms with a growing count, so the test sees from Linux whether
 * either process still runs after the worker stopped the task: a count that no longer grows
 * is a process that is gone. Built by .ci/windows with MinGW-w64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

static void beat(const char *dir, const char *name, unsigned long count)
{
    char path[MAX_PATH];
    FILE *file;
    snprintf(path, sizeof path, "%s\\%s.beat", dir, name);
    file = fopen(path, "w");
    if (file) {
        fprintf(file, "%lu %lu\n", count, GetCurrentProcessId());
        fclose(file);
    }
}

static void child(const char *dir)
{
    unsigned long count = 0;
    for (;;) {
        beat(dir, "child", ++count);
        Sleep(100);
    }
}

static int start_child(const char *dir)
{
    char self[MAX_PATH];
    char line[3 * MAX_PATH];
    STARTUPINFOA startup;
    PROCESS_INFORMATION info;
    if (!GetModuleFileNameA(NULL, self, sizeof self))
        return 0;
    snprintf(line, sizeof line, "\"%s\" child \"%s\"", self, dir);
    ZeroMemory(&startup, sizeof startup);
    startup.cb = sizeof startup;
    if (!CreateProcessA(self, line, NULL, NULL, FALSE, 0, NULL, NULL, &startup, &info))
        return 0;
    CloseHandle(info.hThread);
    CloseHandle(info.hProcess);
    return 1;
}

int main(int argc, char **argv)
{
    long start, end, ms, frame;
    unsigned long count = 0;
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        child(argv[2]);
        return 0;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: frames START END MS DIR | frames child DIR\n");
        return 2;
    }
    start = strtol(argv[1], NULL, 10);
    end = strtol(argv[2], NULL, 10);
    ms = strtol(argv[3], NULL, 10);
    if (!start_child(argv[4])) {
        fprintf(stderr, "could not start the child: error %lu\n", GetLastError());
        return 1;
    }
    for (frame = start; frame <= end; frame++) {
        long waited;
        printf("frame %ld\n", frame);
        fflush(stdout);
        for (waited = 0; waited < ms; waited += 100) {
            beat(argv[4], "parent", ++count);
            Sleep(100);
        }
    }
    printf("done %ld-%ld\n", start, end);
    return 0;
}
