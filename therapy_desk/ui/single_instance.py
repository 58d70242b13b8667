"""One app per vault: a second start on a vault already open can bring the first app's window forward.

The app that shows a vault listens on a local socket whose name is a hash of the vault folder and the
user's name, so it says nothing about either. A second app that finds the vault in use (the vault lock
tells, `storage.lock.is_in_use`) connects and sends one fixed word; the first raises its current window
and answers with another fixed word. Nothing else is ever sent, and anything else received is dropped.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW = b"show\n"
SHOWN = b"shown\n"
MAX_MESSAGE = 64  # both words are shorter; a peer sending more is not one of ours
TIMEOUT_MS = 3000
_PROBE_MS = 300


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a container): the id still tells users apart
        return str(os.getuid()) if hasattr(os, "getuid") else ""


def server_name(folder: Path) -> str:
    """The local socket name for `folder`: the same for every app of this user on this vault, and opaque."""
    where = os.path.realpath(folder)
    digest = hashlib.sha256(f"therapy-desk\0{_user()}\0{where}".encode("utf-8", "surrogateescape"))
    return f"therapy-desk-{digest.hexdigest()[:32]}"


def _answers(name: str) -> bool:
    """Whether a live server holds `name` (a socket file left by a crashed app does not)."""
    probe = QLocalSocket()
    probe.connectToServer(name)
    alive = probe.waitForConnected(_PROBE_MS)
    probe.abort()
    return alive


class InstanceServer(QObject):
    """Listens for the vault this app shows; `show_requested` fires when a second app asks to see it."""

    show_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server: QLocalServer | None = None

    @property
    def name(self) -> str | None:
        """The name listened on, or None."""
        server = self._server
        return server.serverName() if server is not None and server.isListening() else None

    def listen(self, folder: Path, *, take_over: bool = False) -> bool:
        """Answer for `folder` from now on; True if listening.

        The name may already be held: by an app that crashed (its socket file is taken over), or by another
        app showing the same vault's unlock window. That one keeps it unless `take_over` (this app has just
        opened the vault, so a second start must find this app).
        """
        name = server_name(folder)
        if self.name == name and not take_over:
            return True
        self.close()  # on taking over, listen anew: another app may have replaced this one's socket
        if not take_over and _answers(name):
            return False
        server = QLocalServer(self)
        # This user only. On Unix Qt then makes the socket aside and renames it into place, replacing
        # whatever was there: a file a crashed app left, or (with `take_over`) another app's socket.
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.setMaxPendingConnections(4)
        listening = server.listen(name)
        if not listening and server.serverError() == QAbstractSocket.SocketError.AddressInUseError:
            QLocalServer.removeServer(name)  # nobody answered on it (checked above), or this app takes it over
            listening = server.listen(name)
        if not listening:
            log.info("another app answers for this vault, or local sockets are unavailable")
            server.deleteLater()
            return False
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def close(self) -> None:
        """Stop listening (the socket name is freed)."""
        server, self._server = self._server, None
        if server is not None and shiboken6.isValid(server):
            server.close()
            server.deleteLater()

    @Slot()
    def _accept(self) -> None:
        server = self._server
        while server is not None and (socket := server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            QTimer.singleShot(TIMEOUT_MS, socket, socket.abort)  # a peer that says nothing is not kept

    def _read(self, socket: QLocalSocket) -> None:
        if socket.bytesAvailable() > MAX_MESSAGE:
            socket.abort()
            return
        if not socket.canReadLine():
            return
        message = bytes(socket.readLine(MAX_MESSAGE).data())
        if message != SHOW:
            socket.abort()
            return
        self.show_requested.emit()
        socket.write(SHOWN)
        socket.flush()
        socket.disconnectFromServer()


class ShowRequest(QObject):
    """Asks the app showing `folder` to bring its window forward; `finished(bool)` says whether it did."""

    finished = Signal(bool)

    def __init__(self, folder: Path, parent: QObject | None = None, *, timeout_ms: int = TIMEOUT_MS) -> None:
        super().__init__(parent)
        self._name = server_name(folder)
        self._socket = QLocalSocket(self)
        self._socket.connected.connect(self._connected)
        self._socket.readyRead.connect(self._read)
        self._socket.errorOccurred.connect(self._failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self._failed)
        self._done = False

    def start(self) -> None:
        self._timer.start()
        self._socket.connectToServer(self._name)

    @Slot()
    def _connected(self) -> None:
        self._socket.write(SHOW)
        self._socket.flush()

    @Slot()
    def _read(self) -> None:
        if self._socket.canReadLine():
            self._finish(bytes(self._socket.readLine(MAX_MESSAGE).data()) == SHOWN)
        elif self._socket.bytesAvailable() > MAX_MESSAGE:
            self._finish(False)

    @Slot()
    def _failed(self) -> None:
        if self._socket.canReadLine():  # the answer came with the other side's goodbye
            self._read()
        self._finish(False)

    def _finish(self, shown: bool) -> None:
        if self._done:
            return
        self._done = True
        self._timer.stop()
        self._socket.abort()
        self.finished.emit(shown)
