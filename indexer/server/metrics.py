"""Prometheus metrics of one app (its own registry: two apps in one process never clash)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("indexer_requests", "HTTP requests by endpoint and status",
                                ["endpoint", "status"], registry=r)
        self.latency = Histogram("indexer_request_seconds", "request latency by endpoint",
                                 ["endpoint"], buckets=BUCKETS, registry=r)
        self.stages = Histogram("indexer_search_stage_seconds", "search time per stage",
                                ["stage"], buckets=BUCKETS, registry=r)
        self.cache = Counter("indexer_query_vector_cache", "query-vector cache lookups",
                             ["result"], registry=r)
        self.in_flight = Gauge("indexer_in_flight_searches", "searches running now",
                               registry=r)
        self.shed = Counter("indexer_shed_requests", "requests refused for load (429)",
                            registry=r)
        self.cache_size = Gauge("indexer_query_vector_cache_entries",
                                "query vectors held by the LRU", registry=r)
        self.ready = Gauge("indexer_index_ok", "1 when the index serves its newest generation "
                           "without error", ["index"], registry=r)
        self.warmup = Gauge("indexer_warmup_seconds", "seconds per stage of the warm-up "
                            "search run before a generation is served", ["index", "stage"],
                            registry=r)
        self.generation = Gauge("indexer_index_generation", "generation served per index",
                                ["index"], registry=r)
