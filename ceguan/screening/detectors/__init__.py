"""Built-in detectors, one module per family; importing this package registers them all.

Each module registers its detectors with :func:`ceguan.screening.registry.register`, exactly as
an add-on would (style.md §14). ``docs/detectors.md`` documents every rule id.
"""

from ceguan.screening.detectors import (
    ambient,
    bunching,
    clock,
    constant,
    copies,
    coupling,
    exceedance,
    gaps,
    hidden,
    inspection,
    jumps,
    marking,
    oxygen,
    ranges,
    rewrites,
    steps,
    stopped,
    texture,
    variance,
    zeros,
)

#: The built-in detector modules, in the order of issue 4's list.
BUILTIN_MODULES = (
    exceedance,
    constant,
    zeros,
    ranges,
    gaps,
    steps,
    copies,
    variance,
    bunching,
    oxygen,
    ambient,
    coupling,
    stopped,
    texture,
    jumps,
    marking,
    hidden,
    rewrites,
    clock,
    inspection,
)

__all__ = ["BUILTIN_MODULES"]
