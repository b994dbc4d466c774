"""Run risky per-file work (parsing untrusted files) in long-lived worker processes.

A parser that hangs, segfaults (PyMuPDF is C) or eats all memory must cost one file, not
the batch. Each worker is a fresh `python` (not a fork of a parent that may hold threads,
a GPU context or gigabytes of model) with an address-space limit; jobs and results travel
as JSON lines over its stdin/stdout, so nothing is ever unpickled. A job past its deadline
gets its worker killed; a dead worker's exit signal becomes the job's reason; either way a
new worker is started for the next job. Reusing workers keeps the per-file cost to one
JSON round trip.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from indexer.ingestion.limits import MB, IngestLimits
from indexer.paths import SOURCE_ROOT

LOAD_TARGET = "indexer.ingestion.isolation:load_job"
STARTUP_TIMEOUT_S = 120.0
# A worker is replaced after this many jobs, so a slow leak in a parser cannot build up
# into an "out of memory" blamed on an innocent file.
JOBS_PER_WORKER = 500
_REPO = str(SOURCE_ROOT)


@dataclass
class Outcome:
    """What became of one job.

    status: ok | skipped | error (a clear, expected refusal) | bug (an unexpected exception
    in the job: its traceback is in `detail`) | timeout | crashed | oom.
    """

    status: str
    value: Any = None
    reason: str | None = None
    detail: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status not in ("ok", "skipped")


# -- the worker side ---------------------------------------------------------------------------

def worker_main(argv: Sequence[str] | None = None) -> None:
    """Entry point of a worker: `python -c '...worker_main()' LIMITS_JSON TARGET`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    limits = IngestLimits.from_dict(json.loads(argv[0]))
    from loaders.pdf.mupdf import skip_layout_model

    skip_layout_model()  # a worker only loads documents: no layout model (~55 MB, 0.7 s)
    target = _resolve(argv[1])
    _limit_resources(limits)
    _die_with_parent()
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints from libraries must not corrupt the protocol
    sys.stdout = sys.stderr
    _send(proto, {"ready": os.getpid()})
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            reply = {"result": target(job, limits)}
        except MemoryError:
            reply = {"status": "oom"}
        except RecursionError:
            reply = {"status": "error", "reason": "too deeply nested to process"}
        except Exception as exc:  # noqa: BLE001 - reported as a bug, the worker goes on
            reply = {"status": "bug", "reason": f"{type(exc).__name__}: {exc}",
                     "detail": traceback.format_exc()}
        _send(proto, reply)


def _resolve(name: str) -> Callable[[dict[str, Any], IngestLimits], Any]:
    module, _, func = name.partition(":")
    return getattr(import_module(module), func)


def _limit_resources(limits: IngestLimits) -> None:
    cap = int(limits.memory_mb * MB)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the ingest process dies (even by SIGKILL), so a
    killed ingest leaves no parser running on behind it."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != int(os.environ.get("INDEXER_WORKER_PARENT") or os.getppid()):
        os._exit(1)  # the parent died before prctl took effect


def _send(proto: Any, message: dict[str, Any]) -> None:
    proto.write(json.dumps(message, ensure_ascii=False) + "\n")
    proto.flush()


def load_job(job: dict[str, Any], limits: IngestLimits) -> dict[str, Any]:
    """Load one file as ingest does: preflight limits, then `loaders.load_all`."""
    import loaders
    from indexer.ingestion.limits import LimitExceeded, preflight

    path = Path(job["path"])
    root = job.get("root")
    try:
        if path.suffix.lower() in loaders.supported_extensions() and path.is_file():
            preflight(path, limits)
        docs = loaders.load_all(path, root=root)
    except LimitExceeded as exc:
        return {"status": "error", "reason": str(exc)}
    except loaders.UnsupportedFormat as exc:
        return {"status": "skipped", "reason": exc.reason}
    except loaders.LoadError as exc:
        cause = exc.__cause__
        if isinstance(cause, MemoryError):
            return {"status": "oom"}
        if cause is not None and not isinstance(cause, loaders.LoadError | RecursionError):
            detail = "".join(traceback.format_exception(cause))
            return {"status": "bug", "reason": exc.reason, "detail": detail}
        return {"status": "error", "reason": exc.reason}
    return {"status": "ok", "documents": [d.to_dict() for d in docs]}


# -- the parent side ---------------------------------------------------------------------------

@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    stderr_path: Path
    ready: bool = False
    buffer: bytearray = field(default_factory=bytearray)
    job: int | None = None  # index of the job it is running
    deadline: float = 0.0
    started: float = 0.0
    jobs_done: int = 0


class WorkerPool:
    """A few long-lived worker processes running one target function.

    >>> with WorkerPool(IngestLimits(timeout_s=30)) as pool:
    ...     outcomes = pool.map([{"path": "a.pdf", "root": "."}])
    """

    def __init__(self, limits: IngestLimits | None = None, target: str = LOAD_TARGET,
                 workers: int | None = None, env: dict[str, str] | None = None) -> None:
        self.limits = limits or IngestLimits()
        self.target = target
        self.size = max(1, int(workers or self.limits.workers))
        self.env = env
        self._idle: list[_Worker] = []
        self.restarts = 0

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for w in self._idle:
            self._stop(w, graceful=True)
        self._idle.clear()

    def map(self, jobs: Sequence[dict[str, Any]],
            on_done: Callable[[int, Outcome], None] | None = None) -> list[Outcome]:
        """Run every job; outcomes in job order. `on_done(i, outcome)` as each finishes."""
        results: list[Outcome | None] = [None] * len(jobs)
        todo = list(range(len(jobs)))[::-1]
        busy: list[_Worker] = []
        sel = selectors.DefaultSelector()
        try:
            while todo or busy:
                while todo and len(busy) < self.size:
                    w = self._take()
                    w.job = todo.pop()
                    if w.ready:
                        self._send_job(w, jobs[w.job])
                    else:
                        w.deadline = time.monotonic() + STARTUP_TIMEOUT_S
                    busy.append(w)
                    sel.register(w.proc.stdout, selectors.EVENT_READ, w)  # type: ignore[arg-type]
                wait = max(0.0, min(w.deadline for w in busy) - time.monotonic())
                for key, _ in sel.select(timeout=wait):
                    w = key.data
                    outcome = self._read(w, jobs)
                    if outcome is not None:
                        self._finish(w, outcome, busy, sel, results, on_done)
                now = time.monotonic()
                for w in [w for w in busy if now >= w.deadline]:
                    if w.ready:
                        outcome = Outcome("timeout", reason=f"timed out after "
                                          f"{self.limits.timeout_s:g} s")
                    else:
                        outcome = Outcome("crashed", reason="worker did not start within "
                                          f"{STARTUP_TIMEOUT_S:g} s")
                    self._finish(w, outcome, busy, sel, results, on_done, dead=True)
        finally:
            for w in busy:  # interrupted: leave no orphans
                self._stop(w, graceful=False)
            sel.close()
        return [r for r in results if r is not None]

    def run(self, job: dict[str, Any]) -> Outcome:
        return self.map([job])[0]

    # -- internals ---------------------------------------------------------------------------
    def _take(self) -> _Worker:
        """An idle worker that is still alive and not worn out, else a new one."""
        while self._idle:
            w = self._idle.pop()
            if w.proc.poll() is None and w.jobs_done < JOBS_PER_WORKER:
                return w
            self._stop(w, graceful=True)
        return self._spawn()

    def _spawn(self) -> _Worker:
        env = {**os.environ, **(self.env or {})}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_REPO, env.get("PYTHONPATH")) if p)
        env["LOADERS_MAX_BYTES"] = str(int(self.limits.max_file_mb * MB))
        env["INDEXER_WORKER_PARENT"] = str(os.getpid())
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("TRANSFORMERS_OFFLINE", "1")
        fd, name = tempfile.mkstemp(prefix="indexer-worker-", suffix=".stderr")
        os.close(fd)
        with open(name, "ab") as err:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from indexer.ingestion.isolation import worker_main; "
                 "worker_main()", json.dumps(self.limits.to_dict()), self.target],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env,
                close_fds=True, start_new_session=True)
        os.set_blocking(proc.stdout.fileno(), False)  # type: ignore[union-attr]
        return _Worker(proc, Path(name))

    def _send_job(self, w: _Worker, job: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            os.truncate(w.stderr_path, 0)
        w.started = time.monotonic()
        w.deadline = w.started + self.limits.timeout_s
        try:
            w.proc.stdin.write(json.dumps(job).encode() + b"\n")  # type: ignore[union-attr]
            w.proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            pass  # it died; the read side reports how

    def _read(self, w: _Worker, jobs: Sequence[dict[str, Any]]) -> Outcome | None:
        try:
            chunk = os.read(w.proc.stdout.fileno(), 1 << 20)  # type: ignore[union-attr]
        except BlockingIOError:
            return None
        if not chunk:
            return self._died(w)
        w.buffer += chunk
        while b"\n" in w.buffer:
            line, _, rest = bytes(w.buffer).partition(b"\n")
            w.buffer = bytearray(rest)
            try:
                message = json.loads(line)
            except ValueError:  # the worker is stopped by _finish, as for any crash
                return Outcome("crashed", reason="crashed (the worker sent an unreadable "
                               "reply)", detail=line[:2000].decode("utf-8", "replace"))
            if not isinstance(message, dict):
                message = {"status": "bug", "reason": "the worker sent an unexpected reply"}
            if "ready" in message:
                w.ready = True
                assert w.job is not None
                self._send_job(w, jobs[w.job])
                continue
            return self._outcome(w, message)
        return None

    def _outcome(self, w: _Worker, message: dict[str, Any]) -> Outcome:
        seconds = time.monotonic() - w.started
        if "result" not in message:
            status = message.get("status", "bug")
            reason = message.get("reason")
            if status == "oom":
                reason = f"out of memory (limit {self.limits.memory_mb:g} MB)"
            return Outcome(status, reason=reason, detail=message.get("detail"),
                           seconds=seconds)
        outcome = _result_outcome(message["result"], self.limits)
        outcome.seconds = seconds
        return outcome

    def _died(self, w: _Worker) -> Outcome:
        code = w.proc.wait()
        detail = _tail(w.stderr_path)
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = "unknown"
            reason = f"crashed (signal {-code}: {name})"
            if -code == signal.SIGKILL:
                reason += "; killed, perhaps for memory"
        elif "MemoryError" in detail or "std::bad_alloc" in detail:
            reason = f"out of memory (limit {self.limits.memory_mb:g} MB)"
            return Outcome("oom", reason=reason, detail=detail)
        else:
            reason = f"crashed (worker exited with status {code})"
        return Outcome("crashed", reason=reason, detail=detail)

    def _finish(self, w: _Worker, outcome: Outcome, busy: list[_Worker],
                sel: selectors.BaseSelector, results: list[Outcome | None],
                on_done: Callable[[int, Outcome], None] | None, dead: bool = False) -> None:
        assert w.job is not None
        if not outcome.seconds and w.started:
            outcome.seconds = time.monotonic() - w.started
        results[w.job] = outcome
        job, w.job = w.job, None
        w.jobs_done += 1
        busy.remove(w)
        sel.unregister(w.proc.stdout)  # type: ignore[arg-type]
        if dead or outcome.status in ("crashed", "oom") or w.proc.poll() is not None:
            self._stop(w, graceful=False)  # a worker that ran out of memory is not trusted
            self.restarts += 1
        else:
            self._idle.append(w)
        if on_done is not None:
            on_done(job, outcome)

    @staticmethod
    def _stop(w: _Worker, graceful: bool) -> None:
        if w.proc.poll() is None:
            if graceful:
                with contextlib.suppress(OSError):
                    w.proc.stdin.close()  # type: ignore[union-attr]
                with contextlib.suppress(subprocess.TimeoutExpired):
                    w.proc.wait(timeout=5)
            if w.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(w.proc.pid, signal.SIGKILL)
                w.proc.wait()
        for stream in (w.proc.stdin, w.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        w.stderr_path.unlink(missing_ok=True)


def _tail(path: Path, size: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-size:].decode("utf-8", "replace")


def run_isolated(jobs: Sequence[dict[str, Any]], limits: IngestLimits,
                 on_done: Callable[[int, Outcome], None] | None = None,
                 target: str = LOAD_TARGET) -> list[Outcome]:
    """Run jobs in a worker pool, or in this process when `limits.isolate` is False (no
    timeout or memory cap then; for debugging a loader)."""
    if limits.isolate:
        with WorkerPool(limits, target) as pool:
            return pool.map(jobs, on_done)
    func = _resolve(target)
    out = []
    for i, job in enumerate(jobs):
        started = time.monotonic()
        try:
            result = func(job, limits)
            outcome = _result_outcome(json.loads(json.dumps(result)), limits)
        except MemoryError:
            outcome = Outcome("oom", reason=f"out of memory (limit {limits.memory_mb:g} MB)")
        except Exception as exc:  # noqa: BLE001 - as in a worker
            outcome = Outcome("bug", reason=f"{type(exc).__name__}: {exc}",
                              detail=traceback.format_exc())
        outcome.seconds = time.monotonic() - started
        out.append(outcome)
        if on_done is not None:
            on_done(i, outcome)
    return out


def _result_outcome(result: Any, limits: IngestLimits) -> Outcome:
    """A target's return value: a dict whose `status` is skipped/error/bug/oom is that
    outcome (with its `reason`); anything else is an ok value."""
    if isinstance(result, dict) and result.get("status") in ("skipped", "error", "bug", "oom"):
        reason = result.get("reason")
        if result["status"] == "oom":
            reason = f"out of memory (limit {limits.memory_mb:g} MB)"
        return Outcome(result["status"], value=result, reason=reason,
                       detail=result.get("detail"))
    return Outcome("ok", value=result)
