"""The child process of an isolated run (_isolated.py): reads the JSON object of flags on stdin,
runs the command through libsgdlab.so (SGDLAB_LIB, as the parent's), and writes
{"status", "results", "error"} as JSON to the file named by its second argument. Its stdout (the
command's summary) is discarded; its stderr is the parent's pseudo-terminal, where the library
draws its progress bar. SIGINT kills it at once (the parent cleans up). Computes nothing itself."""
import json
import os
import signal
import sys

signal.signal(signal.SIGINT, signal.SIG_DFL)

from sgdlab import _lib  # noqa: E402 (after the signal: a Ctrl-C during the import kills too)


def main():
    command, result_path = sys.argv[1], sys.argv[2]
    args = sys.stdin.read()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # the summary of a run with "quiet": false
    status, text, msg = _lib.call(command, args)
    with open(result_path, "w") as f:
        json.dump({"status": status, "results": text, "error": msg}, f)


if __name__ == "__main__":
    main()
