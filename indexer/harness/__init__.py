"""The harness: code that runs the system and judges it (baselines, bench orchestration,
sweeps). It sits on top of the index; nothing in the index imports it."""
