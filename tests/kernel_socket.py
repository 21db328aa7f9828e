"""Talking to a served page's kernel over its websocket, as the page's own script (or a visitor's
crafted one) does: the widget protocol (ipywidgets 8) over Jupyter messages, JSON frames.

`KernelSocket(url, cookie)` records every message it receives (`received`), so a test can look
at everything the browser would get.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import websocket

CONTROL_PROTOCOL = "1.0.0"  # ipywidgets 8's jupyter.widget.control comm


def kernel_id(html: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html).group(1)


def ws_url(base_url: str, kernel: str) -> str:
    return base_url.replace("http://", "ws://", 1) + f"api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"


def _decode(frame: str | bytes) -> dict:
    if isinstance(frame, str):
        return json.loads(frame)
    # legacy binary frame (a message with buffers): n, n offsets, the JSON message, the buffers
    n = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(n)]
    return json.loads(frame[offsets[0] : offsets[1] if n > 1 else None])


class KernelSocket:
    def __init__(self, base_url: str, kernel: str, cookie: str, timeout: float = 10) -> None:
        self.ws = websocket.create_connection(ws_url(base_url, kernel), timeout=timeout, cookie=cookie)
        self.session = uuid.uuid4().hex
        self.received: list[dict] = []
        self.raw: list[str | bytes] = []
        self.control: str | None = None

    def close(self) -> None:
        self.ws.close()

    def send(self, msg_type: str, content: dict, channel: str = "shell", metadata: dict | None = None) -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "visitor", "session": self.session,
                  "version": "5.3", "date": ""}  # fmt: skip
        msg = {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content,
               "channel": channel, "buffers": []}  # fmt: skip
        self.ws.send(json.dumps(msg))
        return msg_id

    def recv_until(self, done, timeout: float = 120) -> dict:
        """Read messages until `done(msg)`; returns that message."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            if not frame:
                raise ConnectionError("the server closed the socket")
            self.raw.append(frame)
            msg = _decode(frame)
            self.received.append(msg)
            if done(msg):
                return msg
        raise TimeoutError("no such message")

    def settle(self, msg_id: str, timeout: float = 120) -> None:
        """Until the kernel is idle again after handling `msg_id` (everything it sent is in)."""
        self.recv_until(
            lambda m: (
                m["header"]["msg_type"] == "status"
                and m["parent_header"].get("msg_id") == msg_id
                and m["content"].get("execution_state") == "idle"
            ),
            timeout,
        )

    def comm_msg(self, comm_id: str, data: dict) -> str:
        return self.send("comm_msg", {"comm_id": comm_id, "data": data})

    def states(self, timeout: float = 120) -> dict[str, dict]:
        """Every widget's state the kernel holds ({model_id: {model_name, state, …}}), asked for as
        the page does when it loads: the jupyter.widget.control comm's request_states."""
        if self.control is None:
            self.control = uuid.uuid4().hex
            content = {"comm_id": self.control, "target_name": "jupyter.widget.control", "data": {}}
            self.send("comm_open", content, metadata={"version": CONTROL_PROTOCOL})
        self.comm_msg(self.control, {"method": "request_states"})
        reply = self.recv_until(
            lambda m: (
                m["header"]["msg_type"] == "comm_msg"
                and m["content"].get("comm_id") == self.control
                and m["content"].get("data", {}).get("method") == "update_states"
            ),
            timeout,
        )
        return reply["content"]["data"]["states"]

    def update(self, model_id: str, state: dict[str, Any]) -> str:
        return self.comm_msg(model_id, {"method": "update", "state": state, "buffer_paths": []})

    def click(self, model_id: str) -> str:
        return self.comm_msg(model_id, {"method": "custom", "content": {"event": "click"}})


def with_class(states: dict[str, dict], css: str) -> list[str]:
    """The model ids of the widgets having the CSS class `css`."""
    return [mid for mid, s in states.items() if css in (s["state"].get("_dom_classes") or ())]


def one(states: dict[str, dict], css: str) -> str:
    (mid,) = with_class(states, css)
    return mid
