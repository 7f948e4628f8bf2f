"""Tables for the terminal and the JSON file: formatting only, no measuring.

>>> print(table(["a", "bb"], [["1", "2.50"]]))
a    bb
-  ----
1  2.50
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OURS = "tinygrad_rnn"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain, aligned text table: first column left-aligned, the rest right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: list[str]) -> str:
        parts = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def fmt_ms(entry: dict[str, Any]) -> str:
    """A median in ms, or why there is none ("not installed", "error ...")."""
    if "median_ms" in entry:
        value = entry["median_ms"]
        return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.1f}"
    return entry.get("status", "error")


def _others(systems: list[str]) -> list[str]:
    """Every system but ours, the floor first."""
    rest = [s for s in systems if s != OURS]
    return sorted(rest, key=lambda s: s != "numpy floor")


def _column(system: str) -> str:
    return f"ours/{'floor' if system == 'numpy floor' else system}"


def ratio_columns(systems: list[str]) -> list[str]:
    """``ours/floor``, ``ours/torch fused``, ...: tinygrad_rnn against every other system."""
    return [_column(s) for s in _others(systems)]


def ratios(entries: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """tinygrad_rnn's median over each other system's (None where either is missing)."""
    ours = entries.get(OURS, {}).get("median_ms")
    out: dict[str, float | None] = {}
    for name in _others(list(entries)):
        theirs = entries[name].get("median_ms")
        out[_column(name)] = ours / theirs if ours and theirs else None
    return out


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def timing_table(rows: list[dict[str, Any]], key: str) -> str:
    """The training or inference table: one line per (cell, config), systems then ratios."""
    systems = list(rows[0][key]) if rows else []
    headers = ["cell / config", *systems, *ratio_columns(systems)]
    body = []
    for row in rows:
        entries = row[key]
        body.append(
            [f"{row['cell']} {row['config']}"]
            + [fmt_ms(entries[s]) for s in systems]
            + [fmt_ratio(v) for v in row["ratios" if key == "systems" else "inference_ratios"].values()]
        )
    return table(headers, body)


def overhead_table(overhead: dict[str, dict[str, float]]) -> str:
    headers = ["system", "record µs", "forward+backward µs", "no_grad µs"]
    body = [
        [name, f"{v['record_us']:.2f}", f"{v['forward_backward_us']:.2f}", f"{v['no_grad_us']:.2f}"]
        for name, v in overhead.items()
    ]
    return table(headers, body)


def scaling_table(scaling: dict[str, Any]) -> str:
    headers = ["T", "ours fwd ms", "ours bwd ms", "ours bwd µs/step", "floor fwd ms", "floor bwd ms"]
    headers += ["fwd ours/floor", "bwd ours/floor", "reps"]
    body = []
    for row in scaling["rows"]:
        ours, floor = row["tinygrad_rnn"], row["numpy floor"]
        body.append(
            [
                str(row["T"]),
                *_phase_cells(ours),
                f"{ours['backward_ms'] * 1e3 / row['T']:.0f}" if "backward_ms" in ours else "—",
                *_phase_cells(floor),
                *(_phase_ratio(ours, floor, phase) for phase in ("forward_ms", "backward_ms")),
                str(row["reps"]),
            ]
        )
    text = table(headers, body)
    ratio = scaling.get("ratios", {})
    if ratio:
        short, long = ratio["pair"]
        parts = [f"{name} {ratio[name]:.2f}" for name in ("tinygrad_rnn", "numpy floor") if name in ratio]
        text += f"\nbackward t({long})/t({short}): {', '.join(parts)}  (4.00 = linear in T)"
        if "ours/floor" in ratio:
            text += f"; ours/floor's: {ratio['ours/floor']:.2f}"
    return text


def user_scaling_table(users: dict[str, Any]) -> str:
    text = table(["T", "µs per step"], [[str(row["T"]), f"{row['us_per_step']:.0f}"] for row in users["rows"]])
    short, long = users["pair"]
    return text + f"\nwhole step t({long})/t({short}): {users['ratio']:.2f}  (4.00 = linear in T)"


def _phase_ratio(ours: dict[str, Any], floor: dict[str, Any], phase: str) -> str:
    """Ours over the floor's time for one phase at one T (— where either failed)."""
    return fmt_ratio(ours[phase] / floor[phase] if phase in ours and phase in floor else None)


def _phase_cells(entry: dict[str, Any]) -> list[str]:
    if "error" in entry:
        return [entry["error"][:40], "—"]
    return [f"{entry['forward_ms']:.1f}", f"{entry['backward_ms']:.1f}"]


def memory_table(memory: dict[str, Any]) -> str:
    headers = ["system", "peak RSS growth MB", "tracemalloc peak MB"]
    body = []
    for name in ("tinygrad_rnn", "numpy floor", "torch fused"):
        entry = memory.get(name, {})
        if "peak_mb" in entry:
            traced = entry.get("traced_mb")
            body.append([name, f"{entry['peak_mb']:.1f}", f"{traced:.1f}" if traced else "—"])
        else:
            body.append([name, entry.get("status") or entry.get("error", "—"), "—"])
    text = table(headers, body)
    if memory.get("ratios"):
        text += "\n" + ", ".join(f"{k}: {v:.2f}x" for k, v in memory["ratios"].items())
    return text


def write_json(path: str | Path, report: dict[str, Any]) -> None:
    """The whole report as indented JSON."""
    Path(path).write_text(json.dumps(report, indent=2, default=str) + "\n")
