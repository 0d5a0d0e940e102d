"""Isolated runs (sgdlab.run(..., isolate=True)): the command runs in a child process
(python -m sgdlab._child) on the same libsgdlab.so, so the numbers are the same; this process
waits, draws a progress bar and stays interruptible.

- Progress: the child's stderr is a pseudo-terminal, so the library draws its own bar there
  ("... 42.0%  3s elapsed"); the percentages are read back into a tqdm bar (when tqdm is installed;
  without it nothing is drawn).
- Ctrl-C (KeyboardInterrupt here, or SIGINT to the process group, which kills the child at once):
  the child is killed, what its --out set left is removed (the staging folder, *.tmp-PID files, the
  lock, and the folder itself when the run created it; an earlier set in it is untouched, as after
  any failed run), and KeyboardInterrupt is raised again.
It computes nothing."""
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_PERCENT = re.compile(rb"(\d+(?:\.\d)?)%")


def _bar(command, progress):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=100.0, desc=f"sgdlab {command}", unit="%", bar_format="{desc}: {percentage:5.1f}%|{bar}| {elapsed}<{remaining}")


def _clean_out(out, existed, pid):
    """Remove what a killed run with pid left of its --out set (report/outset.c's names)."""
    out = Path(os.path.abspath(out))
    shutil.rmtree(out.parent / f".{out.name}.staging-{pid}", ignore_errors=True)
    if not existed:
        shutil.rmtree(out, ignore_errors=True)
        return
    shutil.rmtree(out / f".staging-{pid}", ignore_errors=True)
    for tmp in out.glob(f"*.tmp-{pid}"):
        tmp.unlink(missing_ok=True)
    lock = out / ".sgdlab-lock"
    try:
        if lock.read_text().split()[:1] == [str(pid)]:
            lock.unlink()
    except OSError:
        pass


def _follow(proc, master, bar):
    """Wait for the child, feeding the percentages it draws on the terminal to the bar."""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child has gone
                chunk = b""
            found = _PERCENT.findall(chunk)
            if bar is not None and found:
                bar.update(min(100.0, float(found[-1])) - bar.n)
            if not chunk and proc.poll() is not None:
                return
        elif proc.poll() is not None:
            return


def call_isolated(command, args_json, lib_path, out, progress):
    """(status, results.json text or None, error message) of the command run in a child process."""
    bar = _bar(command, progress)
    if bar is not None:  # the library draws its bar only when not quiet
        args = json.loads(args_json)
        args.setdefault("quiet", False)
        args_json = json.dumps(args)
    existed = out is not None and os.path.exists(out)
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, SGDLAB_LIB=lib_path,
               PYTHONPATH=os.pathsep.join(p for p in (package_parent, os.environ.get("PYTHONPATH")) if p))
    fd, result_path = tempfile.mkstemp(prefix="sgdlab-", suffix=".json")
    os.close(fd)
    master, slave = pty.openpty()
    proc = None
    try:
        proc = subprocess.Popen([sys.executable, "-m", "sgdlab._child", command, result_path], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=slave, env=env)
        os.close(slave)
        slave = None
        proc.stdin.write(args_json.encode())
        proc.stdin.close()
        _follow(proc, master, bar)
        proc.wait()
        try:
            with open(result_path) as f:
                res = json.load(f)
        except (OSError, ValueError):
            return 1, None, f"{command}: the child process ended with status {proc.returncode} and no results"
        if bar is not None and res["status"] == 0:
            bar.update(100.0 - bar.n)
        return res["status"], res["results"], res["error"]
    except BaseException:
        if proc is not None:
            proc.kill()
            proc.wait()
            if out is not None:
                _clean_out(out, existed, proc.pid)
        raise
    finally:
        if bar is not None:
            bar.close()
        if slave is not None:
            os.close(slave)
        os.close(master)
        os.unlink(result_path)
