"""Storage: what an index is on disk.

The manifest that names the current generation, atomically replaced (`manifest`), the SQLite
chunk store (`store`), safe `.npy` reading (`npy`), and the integrity check (`check`)."""
