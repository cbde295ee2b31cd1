"""The screening job on Ray (``--ray [ADDRESS]``): the same manifest lines, computed by a cluster.

Only this module imports Ray, and only ``--ray`` imports this module. Ray Data carries the image
references; a pool of stateful actors (each holding one opened counter, i.e. one loaded model)
checks batches of them; the driver receives the lines in the source's order
(``preserve_order``) and writes them through the same manifest as a local run, so the file is
line for line the local run's. Workers read the images themselves: the source must be on
storage every node sees (a shared filesystem, or the same path on each node).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict

import numpy as np
import ray

from screening.counters import CounterSpec
from screening.image_check import KeepRule, check_image
from screening.sources import ImageRef

BATCH = 8
LOCAL = "local"


class ScreenActor:
    """Holds one counter (and its model) for the actor's life; checks a batch of references."""

    def __init__(self, spec: CounterSpec, rule: KeepRule) -> None:
        self.count, self.rule = spec.open(), rule

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        refs = [
            ImageRef(str(key), str(file), int(offset), int(size))
            for key, file, offset, size in zip(
                batch["key"], batch["file"], batch["offset"], batch["size"], strict=True
            )
        ]
        # JSON text per line: a column of None/float/str mixes would need a schema; text round-trips exactly.
        lines = [json.dumps(check_image(ref, self.rule, self.count)) for ref in refs]
        return {"line": np.asarray(lines, dtype=object)}


def ray_lines(
    refs: list[ImageRef], spec: CounterSpec, rule: KeepRule, address: str, workers: int
) -> Iterator[dict]:
    """Manifest lines of ``refs`` in their order, computed on a local Ray instance or at ``address``."""
    if not refs:
        return
    local = address == LOCAL
    ray.init(
        address=None if local else address,
        num_cpus=max(1, workers) if local else None,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
        ignore_reinit_error=True,
    )
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        gpus = int(ray.cluster_resources().get("GPU", 0))
        on_gpu = spec.kind != "regions" and gpus > 0
        actors = (
            gpus if on_gpu else (max(1, workers) if local else int(ray.cluster_resources().get("CPU", 1)))
        )
        dataset = ray.data.from_items([asdict(ref) for ref in refs]).map_batches(
            ScreenActor,
            fn_constructor_args=(spec, rule),
            batch_size=BATCH,
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_gpus=1 if on_gpu else 0,
            num_cpus=0 if on_gpu else 1,
            batch_format="numpy",
        )
        for row in dataset.iter_rows():
            yield json.loads(row["line"])
    finally:
        if local:
            ray.shutdown()
