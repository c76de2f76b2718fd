"""Unrolled's reference implementations, figures and widgets.

The package is layered; a module imports only from its own layer or the ones below it.

1. core          numerics, gradcheck, shapes, seeding, environment
2. models        dense, conv, rnn, lstm, losses, scalar_rnn, attention, transformer_layers, transformer
3. training      datasets, optim, tasks, gradflow, score_scaling, seq2seq, seq2seq_training, translation_batch,
                 transformer_training, translation, rnn_translator, sentences; exercises/ (the exercises' checks)
4. presentation  plots/ and widgets/, one module per topic (the only code that imports matplotlib / ipywidgets)

Where to start reading: the step functions, ``rnn.step_forward`` / ``rnn.step_backward`` and
``lstm.step_forward`` / ``lstm.step_backward``, are the equations written out for one time step; the sequence
functions (``rnn.forward``, ``lstm.forward``) are the same equations, fused and vectorised for speed.

Import what you need by name, e.g. ``from helpers.numerics import sigmoid``. Importing ``helpers``
itself loads nothing else, so layers 1-3 work without matplotlib or ipywidgets installed.
"""

__version__ = "0.1.0"
