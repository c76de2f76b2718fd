"""Unrolled's reference implementations, figures and widgets.

The package is layered; a module imports only from its own layer or the ones below it.

1. core        numerics, gradcheck, shapes, seeding, environment
2. models      dense, conv  (later: rnn, lstm, attention, transformer)
3. training    datasets     (later: optim, tasks)
4. presentation plots, widgets   (the only modules that import matplotlib / ipywidgets)

Import what you need by name, e.g. ``from helpers.numerics import sigmoid``. Importing ``helpers``
itself loads nothing else, so layers 1-3 work without matplotlib or ipywidgets installed.
"""

__version__ = "0.1.0"
