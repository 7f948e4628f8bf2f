"""Finding the carry path: the route from s_{t−1} to s_t through ⊙ and + alone.

For the LSTM that route is the cell state's conveyor belt, c_{t−1} → f_t ⊙ c_{t−1}
→ c_t; for PyTorch's GRU it is h_{t−1} → z_t ⊙ h_{t−1} → h_t. A gradient on it
is only multiplied by a gate, never by a weight matrix or a squashing
derivative. The vanilla RNN has no such route (h_{t−1} goes through W_hh and
tanh), so nothing is marked for it. The state is the op tagged with role
"cell state" where a step has one, else "hidden state".
"""

from __future__ import annotations

from collections.abc import Mapping

from ..autograd import Function
from ..ops.arithmetic import Add, Mul, Sub
from ..ops.joining import Split
from ..study.graph import Graph, Place, record_of

CARRY_OPS = (Mul, Add, Sub)  # ops that pass a gradient on scaled by a gate, or unchanged


def step_state(nodes: list[Function]) -> Function | None:
    """The op that makes s_t in one step: the cell state if tagged, else the hidden state."""
    for role in ("cell state", "hidden state"):
        for node in nodes:
            if record_of(node).role == role:
                return node
    return None


def _signature(node: Function, members: set[int]) -> tuple:
    """What an op is, by its class, its tag and those of its inputs inside the step."""
    inside = []
    for edge in node.inputs:
        if type(edge) is tuple and id(edge[0]) in members:
            inside.append((type(edge[0]), record_of(edge[0]).output(edge[1])[0]))
    return (type(node), record_of(node).name, tuple(inside))


def carry_nodes(graph: Graph, steps: Mapping[Place, list[Function]]) -> set[int]:
    """Ids of the ops on each step's carry path (state included)."""
    belt: set[int] = set()
    signatures: set[tuple] = set()
    unresolved = []
    for place, nodes in steps.items():
        state = step_state(nodes)
        if state is None:
            continue
        before = steps.get(place.previous())
        prev_state = step_state(before) if before else None
        if prev_state is None or record_of(prev_state).role != record_of(state).role:
            unresolved.append((nodes, state))
            continue
        members = {id(n) for n in nodes}
        found = _paths(graph, prev_state, state, members)
        belt |= found
        signatures |= {_signature(n, members) for n in nodes if id(n) in found}
    # the first step's s_{t−1} is the initial state (often a constant, which the graph
    # does not record); its carry ops look like the next steps' ones, so match them
    for nodes, state in unresolved:
        members = {id(n) for n in nodes}
        matched = {id(n) for n in nodes if _signature(n, members) in signatures}
        if matched:
            belt |= matched | {id(state)}
    return belt


def _paths(graph: Graph, start: Function, goal: Function, members: set[int]) -> set[int]:
    """Ops in ``members`` on an elementwise path from ``start``'s output to ``goal``."""
    on_path: dict[int, bool] = {}

    def reaches(node: Function) -> bool:  # depth is a handful of ops: recursion is fine here
        key = id(node)
        if key not in on_path:
            on_path[key] = False
            if node is goal:
                on_path[key] = True
            elif isinstance(node, CARRY_OPS):
                on_path[key] = any(id(e.head) in members and reaches(e.head) for e in graph.users(node))
        return on_path[key]

    # in a packed batch the state of step t−1 may first be split (the sequences that end leave it)
    carried = [start] + [e.head for e in graph.users(start) if isinstance(e.head, Split)]
    for node in carried:
        for e in graph.users(node):
            if id(e.head) in members:
                reaches(e.head)
    return {k for k, v in on_path.items() if v}
