"""Benchmarks of the whole assistant (``python -m benchmarks``, ``make bench``).

Figures are measured and printed, never asserted: the test suite checks behaviour, this package
measures speed and memory. Modules:

* :mod:`tests.support.instance` starts the assistant as ``make run`` does, in a fresh data directory;
* :mod:`benchmarks.citizens` writes each simulated citizen's conversation from a fixed seed;
* :mod:`benchmarks.questions` picks the knowledge questions the citizens ask;
* :mod:`benchmarks.assistant` drives N citizens at once through the REST channel;
* :mod:`benchmarks.servers` finds the servers' processes and samples their memory and CPU;
* :mod:`benchmarks.retrieval` runs ``index.bench`` and reads its figures;
* :mod:`benchmarks.report` prints the table and writes the JSON;
* :mod:`benchmarks.memory` (``python -m benchmarks.memory [--rebuild] [--standby]``) starts the
  assistant with ``python -m launch.launcher run`` and prints each process's resident memory after
  every part that needs the embedding model has been used.
"""
