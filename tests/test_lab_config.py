"""The course's JupyterLab server settings (.jupyter/jupyter_server_config.py): kernel messages leave at once."""
import filecmp
import logging
import sys
from pathlib import Path

import pytest

pytest.importorskip("jupyter_server")
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection  # noqa: E402
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

CONFIG = Path(__file__).resolve().parent.parent / ".jupyter" / "jupyter_server_config.py"


class _Handler:
    """A stand-in for the server's kernel websocket handler: records set_nodelay."""
    nodelay = None

    def set_nodelay(self, value):
        self.nodelay = value


def _connection_class():
    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()  # as Jupyter loads it
    return config.ServerApp.kernel_websocket_connection_class


def test_the_server_uses_a_kernel_connection_that_sets_tcp_nodelay(monkeypatch, caplog):
    cls = _connection_class()
    assert isinstance(cls, type) and issubclass(cls, ZMQChannelsWebsocketConnection)
    connected = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: connected.append(self) or "done")
    monkeypatch.setattr(cls, "kernel_id", "k1", raising=False)
    connection = cls(log=logging.getLogger("lab-config-test"))
    handler = _Handler()
    connection._trait_values["websocket_handler"] = handler  # the server passes its handler; a stand-in here
    with caplog.at_level(logging.INFO, logger="lab-config-test"):
        assert connection.connect() == "done"  # the server's own connect still runs, and its result is returned
    assert handler.nodelay is True and connected == [connection]
    assert "TCP_NODELAY" in caplog.text and "k1" in caplog.text


def test_an_installed_copy_is_the_current_one():
    """`make setup` copies the settings into the environment; a copy there must not be stale."""
    installed = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.py"
    if not installed.exists():
        pytest.skip("the settings are not installed in this environment (only `make setup` installs them)")
    assert filecmp.cmp(installed, CONFIG, shallow=False), f"{installed} differs from {CONFIG}: run `make setup`"
