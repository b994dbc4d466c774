"""Finding Ray (an optional extra), joining or starting a cluster, and sizing the actor pool.

Ray is imported only here and only for `--engine ray`: a local ingest never pays for it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from indexer.ingestion.pipeline import IngestError

EXTRA_HINT = "pip install 'indexer[ray]'"
CPUS_PER_ACTOR = 4  # torch threads per CPU embedding actor on a large node


def require_ray() -> Any:
    """The `ray` module with Ray Data, or a clear error naming the extra to install."""
    try:
        import ray
        import ray.data  # noqa: F401 - Ray without its Data library cannot run this engine
    except ImportError as exc:
        raise IngestError(f"--engine ray needs Ray Data, which is not installed ({exc}): "
                          f"{EXTRA_HINT}") from None
    return ray


@contextmanager
def connected(address: str | None):  # noqa: ANN201
    """Use the Ray this process already joined; else join `address` (a running cluster,
    `ray start --head`), else start a private local one on 127.0.0.1 for this ingest only,
    and shut down what was started here."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no phoning home
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(include_dashboard=False, _node_ip_address="127.0.0.1",
                     log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise IngestError(f"cannot join Ray at {address or 'a new local cluster'}: "
                          f"{exc}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


@dataclass(frozen=True)
class ActorPlan:
    """How many embedding actors, and what each holds: one GPU each when the cluster has
    GPUs; otherwise CPUs, always leaving at least one CPU free so that Ray Data's read,
    chunk and write tasks can still be scheduled (actors holding every CPU slot stall the
    pipeline)."""

    min_actors: int
    max_actors: int
    num_cpus: float
    num_gpus: float
    task_cpus: float = 1.0  # what each read task asks for

    def to_dict(self) -> dict[str, float]:
        return self.__dict__.copy()


def plan_actors(resources: dict[str, float]) -> ActorPlan:
    """An actor pool for a cluster's total `resources` (`ray.cluster_resources()`)."""
    cpus = int(resources.get("CPU", 1))
    gpus = int(resources.get("GPU", 0))
    if gpus >= 1:
        return ActorPlan(1, gpus, 1.0, 1.0)
    if cpus < 2:  # one CPU: actor and tasks share it rather than wait for each other
        return ActorPlan(1, 1, 0.5, 0.0, task_cpus=0.5)
    spare = max(1, cpus - 1)
    per_actor = max(1, min(CPUS_PER_ACTOR, spare))
    return ActorPlan(1, max(1, spare // per_actor), float(per_actor), 0.0)
