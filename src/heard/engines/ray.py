"""The `ray` engine: analysis on the actors of a Ray cluster (``pip install 'heard[ray]'``).

With an address (`--ray-address`, or ``RAY_ADDRESS``) heard joins that cluster, whose nodes
must have the same version of heard installed (the engine checks); without one it starts a
local cluster for the run, on loopback, with one CPU per worker, and stops it at the end.
Each actor builds its Analyzer once and analyses the parts sent to it (the same parts every
engine cuts, `heard.engines.PART_SIZE`), so the scorecards are those the local engine gives.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, ClassVar

from heard import __version__
from heard.analysis import Analyzer
from heard.engines import EngineError, Part, Pipeline, Scored, score_part, worker_settings

INSTALL_HINT = "pip install 'heard[ray]' (or: pip install 'ray>=2.60')"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(
            f"the ray engine needs Ray, which is not installed here; install it with: "
            f"{INSTALL_HINT}, or use --engine local",
            usage=True,
        ) from None
    return ray


class _Scorer:
    """One Ray actor: an Analyzer built once, analysing part after part."""

    def __init__(self, rubric: str, detectors: list[str]) -> None:
        from heard.analysis.rubric import Rubric
        from heard.runtime import tune_gc

        tune_gc()
        self.analyzer = Analyzer(rubric=Rubric.model_validate_json(rubric), only=detectors)

    def version(self) -> str:
        return __version__

    def score(self, part: Part) -> list[Scored]:
        return score_part(self.analyzer, part)

    def peak_rss_mb(self) -> float:
        from heard.runtime import peak_rss_mb

        return peak_rss_mb()


class RayEngine(Pipeline):
    """`workers` Ray actors (default: one per CPU of the cluster), each with an Analyzer
    configured like `analyzer`."""

    name: ClassVar[str] = "ray"

    def __init__(
        self, analyzer: Analyzer, *, workers: int | None = None, address: str | None = None
    ) -> None:
        ray = _ray()
        self._ray = ray
        self._started = False
        address = address or os.environ.get("RAY_ADDRESS") or None
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: nothing reported
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": logging.ERROR,
                "configure_logging": True,
            }
            try:
                if address:
                    ray.init(address=address, **options)
                else:
                    ray.init(
                        num_cpus=workers or os.cpu_count() or 1,
                        _node_ip_address="127.0.0.1",
                        **options,
                    )
                    self._started = True
            except Exception as exc:  # ConnectionError, RuntimeError, TimeoutError…
                where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
                raise EngineError(f"cannot start or reach {where}: {exc}") from exc
        cpus = int(ray.cluster_resources().get("CPU", 1))
        super().__init__(analyzer, workers=max(1, workers or cpus))
        actor = ray.remote(num_cpus=1, max_restarts=0)(_Scorer)
        settings = worker_settings(analyzer)
        self._actors = [actor.remote(*settings) for _ in range(self.workers)]
        self._next = 0
        try:
            versions = set(ray.get([a.version.remote() for a in self._actors]))
        except Exception as exc:
            self.close()
            raise EngineError(
                f"the Ray workers could not start heard ({type(exc).__name__}: "
                f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else exc}); install "
                f"heard {__version__} on every node of the cluster"
            ) from exc
        if versions != {__version__}:
            self.close()
            raise EngineError(
                f"the Ray workers run heard {', '.join(sorted(versions))}, this is heard "
                f"{__version__}: install the same version on every node"
            )

    def _submit(self, part: Part) -> Any:
        actor = self._actors[self._next % len(self._actors)]
        self._next += 1
        return actor.score.remote(part)

    def _wait(self, handle: Any) -> list[Scored]:
        try:
            return self._ray.get(handle)
        except Exception as exc:
            raise EngineError(
                f"a Ray worker failed ({type(exc).__name__}); run again to resume"
            ) from exc

    def peak_rss_mb(self) -> list[float]:
        """Each actor's peak resident memory, MB."""
        return self._ray.get([a.peak_rss_mb.remote() for a in self._actors])

    def cancel(self) -> None:
        super().cancel()
        for actor in self._actors:
            self._ray.kill(actor)

    def close(self) -> None:
        for actor in getattr(self, "_actors", []):
            with contextlib.suppress(Exception):  # already gone with its cluster
                self._ray.kill(actor)
        self._actors = []
        if self._started:
            self._ray.shutdown()
            self._started = False
