#!/usr/bin/env python3
"""The shell as a person uses it: QEMU on a pseudo-terminal, commands typed key by key with
human pauses, the answers read off the screen.

    shell_session.py --mode full|small --kernel K.elf --programs DIR --work DIR
                     [--timeout S] -- <qemu command...>

full (qemu-virt, with a disk): help, ps, slots, a bad command (one clear line, the shell goes
on), a file made on the host with mcopy read by cat, a file written in the guest and read on
the host with mtype afterwards, a run with arguments from /bin on the disk, a program that
faults (the shell survives and shows how it ended), a program beside the shell killed, Ctrl-C,
backspace and history, and hostile input: a line longer than the editor's buffer, stray control
bytes and escape sequences, an ELF that lies about its segments, a file that is no program.
small (sifive_u, no disk): the prompt, help, ps, a built-in program, Ctrl-C stopping a busy
one, a file command refused with one line, exit.

QEMU runs under `timeout -k`; the session ends with `exit`, after which the kernel powers off:
the console must say "exo: exit status 0".
"""
import argparse
import os
import pty
import random
import re
import select
import shutil
import struct
import subprocess
import sys
import time

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
PROMPT = "exo> "


class Failure(Exception):
    pass


class Terminal:
    """QEMU on the slave side of a pty; we are the person at the master side."""

    def __init__(self, command, log_path):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                        close_fds=True, start_new_session=True)
        os.close(slave)
        self.raw = b""
        self.seen = 0  # what expect() has consumed, in the cleaned text
        self.log = open(log_path, "wb")
        self.random = random.Random(15)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return  # QEMU is gone
            if not data:
                return
            self.raw += data
            self.log.write(data)
            self.log.flush()

    def text(self):
        return ANSI.sub(b"", self.raw).replace(b"\r", b"").decode("utf-8", "replace")

    def expect(self, wanted, seconds=20):
        """Waits until `wanted` (a string or a compiled regex) appears after what was seen."""
        end = time.monotonic() + seconds
        while True:
            text = self.text()
            if isinstance(wanted, str):
                at = text.find(wanted, self.seen)
                match_end = at + len(wanted) if at >= 0 else -1
            else:
                found = wanted.search(text, self.seen)
                at, match_end = (found.start(), found.end()) if found else (-1, -1)
                if found:
                    self.last_match = found
            if at >= 0:
                before = text[self.seen:at]
                self.seen = match_end
                return before
            if time.monotonic() > end or self.process.poll() is not None:
                if not getattr(self, "drained", False):  # what QEMU wrote before it ended
                    self.drained = True
                    self.pump(0.5)
                    continue
                tail = self.text()[self.seen:][-1500:]
                raise Failure(f"did not see {wanted!r}; after the last match the screen shows:"
                              f"\n{tail}")
            self.pump(0.1)

    def type(self, keys, pause=(0.02, 0.09)):
        """Key by key, as a person types (a 20 to 90 ms pause after each)."""
        for byte in keys.encode() if isinstance(keys, str) else keys:
            os.write(self.master, bytes([byte]))
            time.sleep(self.random.uniform(*pause))
            self.pump(0)

    def command(self, line, answer=None, seconds=20):
        """Types `line` and Enter at the prompt; returns the output up to the next prompt."""
        self.type(line + "\r")
        self.expect(line.split("\x1b")[0][-20:] + "\n", seconds) if line else None
        output = self.expect(PROMPT, seconds)
        if answer is not None and answer not in output:
            raise Failure(f"'{line}': expected {answer!r} in:\n{output}")
        return output

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def make_disk(work, programs):
    """A FAT16 volume like ci/boot.sh's (make_disk.sh), plus what the session needs."""
    image = os.path.join(work, "disk.img")
    environment = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mkfs.fat", "-F", "16", "-n", "SHELLTEST", "-C", image, "32768"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["mmd", "-i", image, "::/bin"], check=True, env=environment)
    for name in ("hello", "spin", "fault", "args"):
        subprocess.run(["mcopy", "-i", image, os.path.join(programs, name + ".elf"),
                        "::/bin/" + name], check=True, env=environment)
    host_file = os.path.join(work, "from-host.txt")
    with open(host_file, "w") as out:
        out.write("written on the host by mcopy\nsecond line\n")
    subprocess.run(["mcopy", "-i", image, host_file, "::/from-host.txt"], check=True,
                   env=environment)
    # An ELF that lies: hello's first program header claims far more file bytes than there are.
    with open(os.path.join(programs, "hello.elf"), "rb") as elf:
        data = bytearray(elf.read())
    phoff = struct.unpack_from("<Q", data, 32)[0]
    struct.pack_into("<Q", data, phoff + 32, 0x7fffffff)  # p_filesz
    struct.pack_into("<Q", data, phoff + 40, 0x7fffffff)  # p_memsz
    liar = os.path.join(work, "liar.elf")
    with open(liar, "wb") as out:
        out.write(data)
    subprocess.run(["mcopy", "-i", image, liar, "::/bin/liar"], check=True, env=environment)
    return image, environment


def full_session(term):
    term.expect("exo: console input on line ")
    term.expect("disk: FAT16 volume")
    term.expect(PROMPT, 30)
    term.command("help", "run <program> [args...] [&]")
    output = term.command("ps", "LIBRARY OS")
    if not re.search(r"0x10001 +shell +- +runtime frames fs disk terminal +16 +\d+ +running, "
                     r"console", output):
        raise Failure(f"ps does not show the shell with its 16 slots:\n{output}")
    term.command("slots", "slots: |AAAAAAAAAAAAAAAA|  16 slots")
    term.command("irqs", "console uart (input for ConsoleRead)")
    # A bad command: one clear line, and the shell goes on.
    output = term.command("frobnicate now")
    if output.strip().splitlines() != ["shell: no command 'frobnicate' (type help)"]:
        raise Failure(f"a bad command should answer one line, not:\n{output}")
    term.command("cat /from-host.txt", "written on the host by mcopy\nsecond line\n")
    output = term.command("cat /no/such/file")
    if output.strip() != "cat: /no/such/file: not found":
        raise Failure(f"a bad path should answer one line, not:\n{output}")
    term.command("write /from-guest.txt typed in the guest, read on the host")
    term.command("mkdir /made", "")
    term.command("cp /from-host.txt /made/copy.txt", "")
    term.command("ls /made", "copy.txt")
    term.command("cp /made /elsewhere", "cp: /made: is a directory")
    term.command("cp /from-host.txt /FROM-HOST.TXT", "are the same file")
    term.command("write /made/gone.txt soon gone")
    term.command("rm /made/gone.txt")
    term.command("cat /made/gone.txt", "cat: /made/gone.txt: not found")
    term.command("rm /made", "rm: /made: directory not empty")
    term.command("rm /", "rm: /: busy")
    term.command("frames", "free ")
    term.command("bench", "null_syscall")
    term.command("run args one \"two words\" 3",
                 "args: 4 arguments\nargs: [0] 'args'\nargs: [1] 'one'\n"
                 "args: [2] 'two words'\nargs: [3] '3'\n")
    # A program that faults: the kernel ends it, the shell says how and survives.
    term.command("run fault", "[fault] killed by the kernel: store page fault (status 70)")
    term.command("ps", "shell")
    # A busy program beside the shell: ps shows it with its slots; kill ends it.
    output = term.command("run spin &", "runs beside the shell")
    found = re.search(r"\[(\d+)\] spin \((0x[0-9a-f]+)\)", output)
    if not found:
        raise Failure(f"no job number and id in:\n{output}")
    number, job = found.groups()
    output = term.command("ps")
    if not re.search(job + r" +spin +0x10001 +runtime +4 ", output):
        raise Failure(f"ps does not show the busy job {job} with 4 slots:\n{output}")
    term.command("slots", "|AAAAAAAAAAAABBBB|")
    term.command("kill " + job, f"[{number}] spin killed")
    if job in term.command("ps"):
        raise Failure("the killed job is still listed")
    term.command("slots", "|AAAAAAAAAAAAAAAA|")  # its slots came back
    # Ctrl-C stops the program in the foreground.
    term.type("run spin\r")
    term.expect("spin: spinning until stopped")
    time.sleep(0.5)
    term.type("\x03")
    term.expect("[spin] stopped by Ctrl-C")
    term.expect(PROMPT)
    # Backspace, and the history with the Up arrow.
    term.type("rux\x7fn args history-check\r")
    term.expect("args: [1] 'history-check'")
    term.expect(PROMPT)
    term.command("ps", "shell")
    term.type("\x1b[A\x1b[A\r")
    term.expect("args: [1] 'history-check'")
    term.expect(PROMPT)
    # Hostile input: a line longer than the editor keeps, stray control bytes and sequences.
    term.type("x" * 300 + "\r", pause=(0.002, 0.01))
    output = term.expect(PROMPT)
    if "shell: no command '" + "x" * 29 + "...' (type help)" not in output:
        raise Failure(f"an over-long line:\n{output[-300:]}")
    if "\a" not in term.raw.decode("latin-1"):
        raise Failure("no bell for the characters past the line's end")
    term.type("\x02\x07\x0e\x1b[99~\x1bx\x1b[1;5Cp\x1b[200~s\r")
    term.expect("running, console")
    term.expect(PROMPT)
    output = term.command("run liar")
    if "run: liar: the kernel's loader refused it (ELF check" not in output:
        raise Failure(f"an ELF that lies:\n{output}")
    term.command("run /from-host.txt", "run: /from-host.txt: not a program")
    term.command("run nosuch", "run: no program 'nosuch' (not in /bin on a disk, not in this "
                 "image)")
    term.command("ps", "shell")  # still there after all of it
    term.type("exit\r")
    term.expect("shell: goodbye")
    term.expect("exo: exit status 0", 30)


def small_session(term):
    term.expect("exo: console input on line ")
    term.expect("disk: none attached")
    term.expect(PROMPT, 60)
    term.command("help", "kill <id|name>")
    term.command("ps", "running, console")
    term.command("run hello", "[hello] exited with status 0")
    term.type("run spin\r")
    term.expect("spin: spinning until stopped")
    time.sleep(0.5)
    term.type("\x03")
    term.expect("[spin] stopped by Ctrl-C")
    term.expect(PROMPT)
    output = term.command("ls")
    if output.strip() != "ls: no disk: this machine has none, or no FAT volume on it":
        raise Failure(f"a file command without a disk should answer one line:\n{output}")
    term.type("exit\r")
    term.expect("shell: goodbye")
    term.expect("exo: exit status 0", 30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("full", "small"), required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--programs", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--timeout", type=int, default=240)
    parser.add_argument("qemu", nargs="+")
    arguments = parser.parse_args()
    shutil.rmtree(arguments.work, ignore_errors=True)
    os.makedirs(arguments.work)
    command = ["timeout", "-k", "5", str(arguments.timeout)] + arguments.qemu
    command += ["-kernel", arguments.kernel]
    image = environment = None
    if arguments.mode == "full":
        image, environment = make_disk(arguments.work, arguments.programs)
        command += ["-drive", f"file={image},if=none,format=raw,id=disk0",
                    "-device", "virtio-blk-device,drive=disk0"]
    log = os.path.join(arguments.work, "console.log")
    term = Terminal(command, log)
    try:
        full_session(term) if arguments.mode == "full" else small_session(term)
        term.process.wait(30)
        status = term.process.returncode
        if status != 0:
            raise Failure(f"QEMU exit status {status}, expected 0")
        if image:
            typed = subprocess.run(["mtype", "-i", image, "::/from-guest.txt"], env=environment,
                                   capture_output=True, text=True).stdout
            if typed != "typed in the guest, read on the host\n":
                raise Failure(f"mtype reads {typed!r} from the guest's file")
            copied = subprocess.run(["mtype", "-i", image, "::/made/copy.txt"], env=environment,
                                    capture_output=True, text=True).stdout
            if copied != "written on the host by mcopy\nsecond line\n":
                raise Failure(f"mtype reads {copied!r} from the guest's copy")
            check = subprocess.run(["fsck.fat", "-n", image], capture_output=True, text=True)
            if check.returncode != 0:
                raise Failure("fsck.fat -n: " + check.stdout[-500:])
    except Failure as failure:
        print(f"FAIL: {failure}\n---- console ({log}) ----")
        print(term.text()[-3000:])
        term.close()
        return 1
    term.close()
    print(f"PASS: {arguments.mode} session, {len(term.text().splitlines())} console lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
