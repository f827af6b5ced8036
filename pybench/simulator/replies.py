"""Response bodies in vLLM's OpenAI-compatible shapes, and the sinks the engine loop delivers tokens to.

Streaming is the hot path: each request precomputes its SSE byte templates once, each token becomes
`head + word + tail`, and the engine loop writes it straight to the connection with HTTP chunked framing. No JSON is
encoded per token and no per-request task is woken per token.
"""

import asyncio
import time
from dataclasses import dataclass
from time import monotonic
from typing import Any

from pybench.simulator.api import dumps
from pybench.simulator.engine import Sequence

DONE = b"data: [DONE]\n\n"


@dataclass(slots=True)
class ReplyContext:
    chat: bool
    request_id: str
    model: str
    created: int
    prompt_tokens: int
    max_tokens: int
    word_ids: list[int]

    @classmethod
    def new(cls, chat: bool, number: int, model: str, prompt_tokens: int, max_tokens: int, word_ids: list[int]):
        request_id = f"{'chatcmpl' if chat else 'cmpl'}-sim{number:012x}"
        return cls(chat, request_id, model, int(time.time()), prompt_tokens, max_tokens, word_ids)

    def finish_reason(self, generated: int) -> str:
        return "length" if generated >= self.max_tokens else "stop"

    def usage(self, generated: int) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "total_tokens": self.prompt_tokens + generated,
            "completion_tokens": generated,
        }

    def envelope(self) -> dict[str, Any]:
        kind = "chat.completion.chunk" if self.chat else "text_completion"
        return {"id": self.request_id, "object": kind, "created": self.created, "model": self.model}


def unary_body(ctx: ReplyContext, text: str, generated: int) -> bytes:
    reason = ctx.finish_reason(generated)
    if ctx.chat:
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": text, "tool_calls": []},
            "logprobs": None,
            "finish_reason": reason,
            "stop_reason": None,
        }
    else:
        choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": reason, "stop_reason": None}
    body = ctx.envelope() | {"choices": [choice], "usage": ctx.usage(generated)}
    body["object"] = "chat.completion" if ctx.chat else "text_completion"
    return dumps(body)


def _split_template(message: dict[str, Any], marker: str) -> tuple[bytes, bytes]:
    encoded = b"data: " + dumps(message) + b"\n\n"
    head, _, tail = encoded.partition(dumps(marker))
    return head, tail


class StreamReply:
    """Writes a streaming request's SSE messages, one token each, to its connection."""

    __slots__ = ("ctx", "done", "head", "include_usage", "last_tail", "preamble", "tail", "trace", "transport", "words")

    def __init__(self, transport: asyncio.Transport | None, done: asyncio.Future, ctx: ReplyContext, words_json: list[bytes],
                 include_usage: bool, trace: Any = None):
        self.transport = transport
        self.trace = trace  # a trace.RequestTrace when the simulator records ground truth
        self.done = done
        self.ctx = ctx
        self.words = words_json
        self.include_usage = include_usage
        marker = "\x00word\x00"
        envelope = ctx.envelope()
        if ctx.chat:
            delta = {"content": marker}
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
            role = {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
            self.preamble = b"data: " + dumps(envelope | {"choices": [role]}) + b"\n\n"
        else:
            choice = {"index": 0, "text": marker, "logprobs": None, "finish_reason": None, "stop_reason": None}
            self.preamble = b""
        self.head, self.tail = _split_template(envelope | {"choices": [choice]}, marker)
        choice["finish_reason"] = ctx.finish_reason(len(ctx.word_ids))
        _, self.last_tail = _split_template(envelope | {"choices": [choice]}, marker)

    def deliver(self, seq: Sequence) -> bool:
        """Write the token the engine just produced; False when the client has gone (the caller aborts the request)."""
        transport = self.transport
        if transport is None or transport.is_closing():
            if not self.done.done():
                self.done.set_result(False)
            return False
        k = seq.generated - 1
        word = self.words[self.ctx.word_ids[k]]
        if seq.finished_at is None:
            payload = self.head + word + self.tail
        else:
            payload = self.head + word + self.last_tail
            if self.include_usage:
                payload += b"data: " + dumps(self.ctx.envelope() | {"choices": [], "usage": self.ctx.usage(k + 1)})
                payload += b"\n\n"
            payload += DONE
        if k == 0 and self.preamble:
            payload = self.preamble + payload
        transport.write(b"%x\r\n%b\r\n" % (len(payload), payload))
        if self.trace is not None:
            self.trace.token_times.append(monotonic())
        if seq.finished_at is not None and not self.done.done():
            self.done.set_result(True)
        return True


class UnaryReply:
    """Waits for the whole output; the handler renders the body once the sequence has finished."""

    __slots__ = ("ctx", "done", "trace")

    def __init__(self, done: asyncio.Future, ctx: ReplyContext, trace: Any = None):
        self.done = done
        self.ctx = ctx
        self.trace = trace

    def deliver(self, seq: Sequence) -> bool:
        if seq.finished_at is not None and not self.done.done():
            self.done.set_result(True)
        return True
