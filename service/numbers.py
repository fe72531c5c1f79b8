"""Numbers as people read them: the page, the CLI's tables and the charts' labels say the same."""

from __future__ import annotations


def percent(p: float, decimals: int = 0) -> str:
    """A probability as a person reads it, rounded honestly: 0.996 is ">99%", never "100%"
    (which would say certain), and 0.003 is "<1%", never "0%"."""
    step = 10.0**-decimals
    shown = round(100 * p, decimals)
    if 0 < p < 1 and shown >= 100:
        return f">{100 - step:.{decimals}f}%"
    if 0 < p < 1 and shown <= 0:
        return f"<{step:.{decimals}f}%"
    return f"{shown:.{decimals}f}%"
