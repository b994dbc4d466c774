"""Speed and memory measurements against reference implementations (the perf suite)."""
