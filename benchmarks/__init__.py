"""tinygrad_rnn's benchmark suite: the RNN/LSTM/GRU training step against PyTorch and a NumPy floor.

Run it with ``python -m benchmarks`` (``--help`` lists the options); see docs/benchmarks.md.

Modules, one job each:

- ``workloads``: configs, the shared input and weights, the tinygrad_rnn and floor systems;
- ``numpy_floor``: forward and hand-derived BPTT, NumPy or CuPy, no autograd;
- ``torch_systems``: torch's fused layers and the same cells composed from torch primitives;
- ``suite``: checks every system against the floor, then times them interleaved;
- ``timing``: round-robin repetitions and medians;
- ``overhead``, ``scaling``, ``memory``, ``profiling``: the other measurements;
- ``environment``: the header (load, versions, BLAS, threads) and thread pinning;
- ``report``: tables and JSON.
"""
