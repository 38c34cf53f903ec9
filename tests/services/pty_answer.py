"""Runs a command with a pseudo-terminal as its controlling terminal (its /dev/tty), and
answers each passphrase prompt that appears there with the next answer given.

    python3 pty_answer.py STDOUT_FILE STDERR_FILE ANSWERS_JSON -- COMMAND...

An answer is a string (typed, then Enter), {"key": "VINTR"} (the terminal's own
interrupt character, Ctrl-C as the person's terminal has it, so the kernel sends the
signal; also VQUIT), or {"signal": "SIGTERM"} (sent to the command, as a kill would).

The command's stdin is /dev/null and its stdout and stderr go to the files, so what it
writes to the terminal (prompts) stays apart. Prints a JSON object on stdout: the exit
code (-n for a death by signal n), the terminal's transcript, how many prompts were
answered, and whether the terminal echoes what is typed once the command is gone. A test
fake of a person at a keyboard, driving the real binary; used by tests/passphrase.rs.
"""
import fcntl, json, os, select, signal, subprocess, sys, termios, time

out_path, err_path, answers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
command = sys.argv[sys.argv.index("--") + 1:]
master, slave = os.openpty()


def take_terminal():
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)


with open(out_path, "wb") as out, open(err_path, "wb") as err:
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             preexec_fn=take_terminal, pass_fds=(slave,))
os.close(slave)
transcript = b""
answered = 0
open_terminal = True
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    ready = []
    if open_terminal:
        ready, _, _ = select.select([master], [], [], 0.05)
    else:
        time.sleep(0.01)
    if ready:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            # Every process that had the terminal has closed it.
            open_terminal = False
        transcript += chunk
        prompts = transcript.lower().count(b"passphrase")
        while answered < len(answers) and answered < prompts and transcript.rstrip().endswith(b":"):
            # A person takes a moment; some programs (the stock age) turn echo off only
            # after they print the prompt.
            time.sleep(0.2)
            answer = answers[answered]
            if isinstance(answer, str):
                os.write(master, answer.encode() + b"\n")
            elif "key" in answer:
                special = termios.tcgetattr(master)[6][getattr(termios, answer["key"])]
                os.write(master, special)
            else:
                child.send_signal(getattr(signal, answer["signal"]))
            answered += 1
    elif child.poll() is not None:
        break
else:
    child.kill()
code = child.wait()
# The master end reads and sets the terminal's settings (the slave's, on Linux).
echo = bool(termios.tcgetattr(master)[3] & termios.ECHO)
print(json.dumps({"code": code, "transcript": transcript.decode("utf-8", "replace"),
                  "answered": answered, "echo": echo}))
