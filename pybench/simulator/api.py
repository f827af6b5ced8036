"""Parsing and validating OpenAI-style request bodies, with errors in OpenAI's shape and vLLM's status codes."""

from dataclasses import dataclass
from typing import Any

from pybench.simulator.vocab import chat_overhead, message_texts

try:
    import orjson

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)

    loads = orjson.loads
except ImportError:  # orjson is optional; it only makes parsing faster
    import json

    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    def loads(raw: bytes) -> Any:  # type: ignore[misc]
        return json.loads(raw)

COMPLETIONS_DEFAULT_MAX_TOKENS = 16  # vLLM's default for /v1/completions


class ApiError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param

    def body(self) -> bytes:
        kind = {404: "NotFoundError"}.get(self.status, "BadRequestError")
        return dumps({"error": {"message": self.message, "type": kind, "param": self.param, "code": self.status}})


@dataclass(slots=True)
class GenerationRequest:
    chat: bool
    texts: list[str]  # text to tokenize: the prompt, or the messages' text content
    known_prompt_tokens: int  # tokens already counted: token-id prompts, chat template overhead
    prompt_ids: list[int] | None  # a completion prompt given as token ids
    max_tokens: int | None  # None: up to the context length (chat's default)
    ignore_eos: bool
    stream: bool
    include_usage: bool


def parse_body(raw: bytes, served_model: str, chat: bool) -> GenerationRequest:
    try:
        body = loads(raw)
    except ValueError as e:
        raise ApiError(400, f"The request body is not valid JSON: {e}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    model = body.get("model")
    if model is not None and model != served_model:
        raise ApiError(404, f"The model `{model}` does not exist.", "model")
    if body.get("n", 1) != 1:
        raise ApiError(400, "pybench-sim supports only n=1.", "n")
    texts, known = _chat_prompt(body) if chat else _completion_prompt(body)
    prompt_ids = body["prompt"] if not chat and not texts else None
    if isinstance(prompt_ids, list) and len(prompt_ids) == 1 and isinstance(prompt_ids[0], list):
        prompt_ids = prompt_ids[0]
    max_tokens = _max_tokens(body, chat)
    stream = _flag(body, "stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise ApiError(400, "stream_options must be an object.", "stream_options")
    include_usage = bool(options.get("include_usage", False))
    if include_usage and not stream:
        raise ApiError(400, "Stream options can only be defined when `stream=True`.", "stream_options")
    return GenerationRequest(chat, texts, known, prompt_ids, max_tokens, _flag(body, "ignore_eos"), stream,
                             include_usage)


def _completion_prompt(body: dict[str, Any]) -> tuple[list[str], int]:
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], (str, list)):
        prompt = prompt[0]  # a batch of one
    if isinstance(prompt, str) and prompt:
        return [prompt], 0
    if isinstance(prompt, list) and prompt and all(isinstance(t, int) and not isinstance(t, bool) for t in prompt):
        return [], len(prompt)
    if prompt is None:
        raise ApiError(400, "Field required: prompt.", "prompt")
    if isinstance(prompt, list) and len(prompt) > 1 and all(isinstance(p, (str, list)) for p in prompt):
        raise ApiError(400, "pybench-sim does not support batched prompts; send one prompt per request.", "prompt")
    raise ApiError(400, "prompt must be a non-empty string or a non-empty list of token ids.", "prompt")


def _chat_prompt(body: dict[str, Any]) -> tuple[list[str], int]:
    messages = body.get("messages")
    if messages is None:
        raise ApiError(400, "Field required: messages.", "messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "messages must be a non-empty list.", "messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise ApiError(400, f"messages[{i}] must be an object with a string 'role'.", "messages")
    return message_texts(messages), chat_overhead(len(messages))


def _max_tokens(body: dict[str, Any], chat: bool) -> int | None:
    name = "max_completion_tokens" if chat and body.get("max_completion_tokens") is not None else "max_tokens"
    value = body.get(name)
    if value is None:
        return None if chat else COMPLETIONS_DEFAULT_MAX_TOKENS
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ApiError(400, f"{name} must be at least 1, got {value!r}.", name)
    return value


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ApiError(400, f"{name} must be a boolean.", name)
    return value


def resolve_max_tokens(request: GenerationRequest, prompt_tokens: int, max_model_len: int) -> int:
    """The request's output budget, or a 400 when prompt plus output exceed the context length (as vLLM does)."""
    if request.max_tokens is None:
        if prompt_tokens >= max_model_len:
            raise ApiError(400, _too_long(max_model_len, prompt_tokens, 0), "messages")
        return max_model_len - prompt_tokens
    if prompt_tokens + request.max_tokens > max_model_len:
        raise ApiError(400, _too_long(max_model_len, prompt_tokens, request.max_tokens), "max_tokens")
    return request.max_tokens


def _too_long(max_model_len: int, prompt_tokens: int, max_tokens: int) -> str:
    return (
        f"This model's maximum context length is {max_model_len} tokens. However, you requested "
        f"{prompt_tokens + max_tokens} tokens ({prompt_tokens} in the messages, {max_tokens} in the completion). "
        "Please reduce the length of the messages or completion."
    )
