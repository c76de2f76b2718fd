"""JupyterLab server settings for the course: `make lab` installs this file into the course's environment
(.venv/etc/jupyter/), and the browser test serves the notebooks with it.

An explorer's figure comes back from the kernel as a few websocket messages in quick succession (the kernel busy,
the new image, the kernel idle). On a TCP socket with Nagle's algorithm on, which is the default for the server's
kernel websockets, a small message that follows one not yet acknowledged waits for the acknowledgement, and the
browser delays that by up to 40 ms: every slider move after the first then took about 50 ms even when the kernel
did nothing (benchmarks/bench_browser.py's baseline: median 48 ms, 11 ms with this setting). The connection below
is the server's own, with TCP_NODELAY set when a notebook connects, so each message leaves at once.
"""
try:
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
except ImportError:  # a jupyter_server without this class (before 2.0): keep its own connection, a little slower
    ZMQChannelsWebsocketConnection = None

if ZMQChannelsWebsocketConnection is not None:

    class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
        """The server's kernel websocket connection, sending each message at once (TCP_NODELAY)."""

        def connect(self):
            self.websocket_handler.set_nodelay(True)
            self.log.info("Kernel %s: websocket messages sent without delay (TCP_NODELAY).", self.kernel_id)
            return super().connect()

    c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)
    c.ServerApp.kernel_websocket_connection_class = NoDelayKernelConnection
