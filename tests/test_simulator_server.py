"""The simulator over HTTP, started in a child process by `running()` on a free port."""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from pybench.errors import ToolError, UnknownAccelerator
from pybench.simulator import TOKENIZER_DIR, running
from pybench.simulator.vocab import CHAT_REPLY_PRIMING_TOKENS, CHAT_TOKENS_PER_MESSAGE

MODEL = "pybench/sim-llama-3.1-8b"
FAST = {"ttft_ms": 1, "decode_base_ms": 1, "decode_ms_per_seq": 0}


@pytest.fixture(scope="module")
def url():
    with running("nvidia-l4", overrides=FAST) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def hf_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(TOKENIZER_DIR)


def count(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False).input_ids)


def post(url: str, path: str, body) -> tuple[int, bytes, str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("Content-Type", "")


def sse_events(raw: bytes) -> list[str]:
    messages = raw.decode().split("\n\n")
    assert messages[-1] == "", "the stream must end with a complete message"
    assert all(m.startswith("data: ") for m in messages[:-1])
    return [m[len("data: "):] for m in messages[:-1]]


def get(url: str, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(url + path, timeout=10) as response:
        return response.status, response.read().decode()


def test_models_and_health(url):
    status, body = get(url, "/v1/models")
    assert status == 200 and [m["id"] for m in json.loads(body)["data"]] == [MODEL]
    assert get(url, "/health")[0] == 200


@pytest.mark.parametrize("chat", [False, True], ids=["completions", "chat"])
def test_streaming_one_token_per_message_with_usage_and_done(url, hf_tokenizer, chat):
    body = {"model": MODEL, "max_tokens": 40, "ignore_eos": True, "stream": True,
            "stream_options": {"include_usage": True}}
    prompt = "The quick brown fox jumps over the lazy dog near the river."
    body |= {"messages": [{"role": "user", "content": prompt}]} if chat else {"prompt": prompt}
    status, raw, content_type = post(url, "/v1/chat/completions" if chat else "/v1/completions", body)
    assert status == 200 and content_type.startswith("text/event-stream")
    events = sse_events(raw)
    assert events[-1] == "[DONE]"
    usage_chunk = json.loads(events[-2])
    assert usage_chunk["choices"] == []
    chunks = [json.loads(e) for e in events[:-2]]
    if chat:
        assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
        chunks = chunks[1:]
        pieces = [c["choices"][0]["delta"]["content"] for c in chunks]
        expected_prompt = count(hf_tokenizer, prompt) + CHAT_TOKENS_PER_MESSAGE + CHAT_REPLY_PRIMING_TOKENS
    else:
        pieces = [c["choices"][0]["text"] for c in chunks]
        expected_prompt = count(hf_tokenizer, prompt)
    assert len(pieces) == 40 and all(count(hf_tokenizer, p) == 1 for p in pieces)
    assert count(hf_tokenizer, "".join(pieces)) == 40
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None] * 39 + ["length"]
    assert usage_chunk["usage"] == {"prompt_tokens": expected_prompt, "completion_tokens": 40,
                                    "total_tokens": expected_prompt + 40}


def test_streaming_without_include_usage_has_no_usage_chunk(url):
    status, raw, _ = post(url, "/v1/completions", {"prompt": "hello", "max_tokens": 3, "ignore_eos": True,
                                                   "stream": True})
    events = sse_events(raw)
    assert status == 200 and events[-1] == "[DONE]" and len(events) == 4
    assert all("usage" not in json.loads(e) for e in events[:-1])


def test_non_streaming_completion(url, hf_tokenizer):
    prompt = [12, 400, 7, 9]  # token ids count as they are
    status, raw, _ = post(url, "/v1/completions", {"prompt": prompt, "max_tokens": 25, "ignore_eos": True})
    body = json.loads(raw)
    assert status == 200 and body["object"] == "text_completion"
    text = body["choices"][0]["text"]
    assert count(hf_tokenizer, text) == 25 and body["choices"][0]["finish_reason"] == "length"
    assert body["usage"] == {"prompt_tokens": 4, "completion_tokens": 25, "total_tokens": 29}


def test_non_streaming_chat_with_max_completion_tokens(url, hf_tokenizer):
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Name a river."}]}]
    status, raw, _ = post(url, "/v1/chat/completions", {"messages": messages, "max_completion_tokens": 12,
                                                        "ignore_eos": True})
    body = json.loads(raw)
    assert status == 200 and body["object"] == "chat.completion"
    assert count(hf_tokenizer, body["choices"][0]["message"]["content"]) == 12
    expected_prompt = (count(hf_tokenizer, "Be brief.") + count(hf_tokenizer, "Name a river.")
                       + 2 * CHAT_TOKENS_PER_MESSAGE + CHAT_REPLY_PRIMING_TOKENS)
    assert body["usage"]["prompt_tokens"] == expected_prompt


def test_without_ignore_eos_output_stops_early_but_deterministically(url):
    body = {"prompt": "Tell me a story about a dragon.", "max_tokens": 200}
    first = json.loads(post(url, "/v1/completions", body)[1])
    again = json.loads(post(url, "/v1/completions", body)[1])
    generated = first["usage"]["completion_tokens"]
    assert 1 <= generated <= 200 and first["choices"][0]["text"] == again["choices"][0]["text"]
    assert first["choices"][0]["finish_reason"] == ("length" if generated == 200 else "stop")


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        ("/v1/completions", {"max_tokens": 5}, 400, "Field required: prompt"),
        ("/v1/completions", {"prompt": ""}, 400, "prompt must be a non-empty"),
        ("/v1/completions", {"prompt": ["a", "b"]}, 400, "batched prompts"),
        ("/v1/completions", {"prompt": "hi", "max_tokens": 0}, 400, "max_tokens must be at least 1"),
        ("/v1/completions", {"prompt": "hi", "max_tokens": 10**6}, 400, "maximum context length is 16384"),
        ("/v1/completions", {"prompt": "hi", "stream": "yes"}, 400, "stream must be a boolean"),
        ("/v1/completions", {"prompt": "hi", "model": "other/model"}, 404, "The model `other/model` does not exist"),
        ("/v1/chat/completions", {"max_tokens": 5}, 400, "Field required: messages"),
        ("/v1/chat/completions", {"messages": [{"content": "x"}]}, 400, "string 'role'"),
        ("/v1/completions", b"{not json", 400, "not valid JSON"),
        ("/v1/completions", [1, 2], 400, "must be a JSON object"),
    ],
)
def test_bad_requests_get_openai_shaped_errors(url, path, body, status, message):
    got_status, raw, content_type = post(url, path, body)
    error = json.loads(raw)["error"]
    assert got_status == status and content_type == "application/json"
    assert message in error["message"] and error["code"] == status
    assert error["type"] == ("NotFoundError" if status == 404 else "BadRequestError")


def metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not exposed")


def test_metrics_use_vllm_names_and_move(url):
    before = get(url, "/metrics")[1]
    post(url, "/v1/completions", {"prompt": "one two three", "max_tokens": 7, "ignore_eos": True})
    after = get(url, "/metrics")[1]
    for name in ("vllm:num_requests_running", "vllm:num_requests_waiting"):
        assert f"# TYPE {name} gauge" in after and metric(after, name, model_name=MODEL) == 0
    assert metric(after, "vllm:request_success_total", model_name=MODEL, finished_reason="length") == 1 + metric(
        before, "vllm:request_success_total", model_name=MODEL, finished_reason="length")
    assert metric(after, "vllm:generation_tokens_total", model_name=MODEL) - metric(
        before, "vllm:generation_tokens_total", model_name=MODEL) == 7
    assert metric(after, "vllm:prompt_tokens_total", model_name=MODEL) > metric(
        before, "vllm:prompt_tokens_total", model_name=MODEL)
    assert metric(after, "vllm:time_to_first_token_seconds_count", model_name=MODEL) == 1 + metric(
        before, "vllm:time_to_first_token_seconds_count", model_name=MODEL)
    assert 'vllm:time_to_first_token_seconds_bucket{engine="0",model_name="' + MODEL + '",le="0.001"}' in after
    assert 'le="2560.0"' in after and 'le="+Inf"' in after


def test_gauges_show_running_and_waiting_requests():
    overrides = {"ttft_ms": 0, "decode_base_ms": 20, "max_num_seqs": 1}
    with running("nvidia-h100-80gb", model="sim/queue", overrides=overrides) as base_url:
        body = {"prompt": "a long answer please", "max_tokens": 100, "ignore_eos": True}
        threads = [threading.Thread(target=post, args=(base_url, "/v1/completions", body)) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = get(base_url, "/metrics")[1]
            if metric(text, "vllm:num_requests_waiting", model_name="sim/queue") == 1:
                assert metric(text, "vllm:num_requests_running", model_name="sim/queue") == 1
                break
            time.sleep(0.02)
        else:
            pytest.fail("never saw one request running and one waiting")
        for thread in threads:
            thread.join()


def test_known_ttft_is_honoured():
    overrides = {"ttft_ms": 300, "decode_base_ms": 1, "prefill_tokens_per_s": 1e9}
    with running("nvidia-l4", overrides=overrides) as base_url:
        request = urllib.request.Request(
            base_url + "/v1/completions",
            data=json.dumps({"prompt": "hi", "max_tokens": 2, "stream": True, "ignore_eos": True}).encode(),
            headers={"Content-Type": "application/json"},
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as response:
            response.readline()  # the first SSE line arrives with the first token
            ttft = time.perf_counter() - start
    assert 0.3 <= ttft < 1.5


def test_running_stops_the_child_and_checks_arguments():
    with running("tpu-v5-lite-podslice", overrides=FAST) as base_url:
        assert get(base_url, "/health")[0] == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(base_url + "/health", timeout=2)
    with pytest.raises(UnknownAccelerator), running("nvidia-k80"):
        pass


def test_running_reports_a_child_that_cannot_listen(url):
    port = int(url.rsplit(":", 1)[1])
    expected = "(?s)exited with code 1.*cannot listen on 127.0.0.1"
    with pytest.raises(ToolError, match=expected), running("nvidia-l4", port=port):
        pass


def test_a_client_that_goes_away_is_aborted():
    import http.client

    with running("nvidia-l4", model="sim/abort", overrides={"ttft_ms": 0, "decode_base_ms": 10}) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        body = json.dumps({"prompt": "go on", "max_tokens": 1000, "ignore_eos": True, "stream": True})
        connection.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200 and response.readline().startswith(b"data: ")
        connection.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = get(base_url, "/metrics")[1]
            if metric(text, "vllm:request_success_total", finished_reason="abort") == 1:
                assert metric(text, "vllm:num_requests_running", model_name="sim/abort") == 0
                break
            time.sleep(0.05)
        else:
            pytest.fail("the abandoned request was not aborted")


def test_vllm_v1_metrics_are_exposed_with_their_types(url):
    text = get(url, "/metrics")[1]
    for name, kind in [("vllm:kv_cache_usage_perc", "gauge"), ("vllm:num_preemptions_total", "counter"),
                       ("vllm:prefix_cache_queries_total", "counter"), ("vllm:prefix_cache_hits_total", "counter"),
                       ("vllm:inter_token_latency_seconds", "histogram"),
                       ("vllm:time_per_output_token_seconds", "histogram"),
                       ("vllm:request_time_per_output_token_seconds", "histogram"),
                       ("vllm:e2e_request_latency_seconds", "histogram"),
                       ("vllm:request_queue_time_seconds", "histogram"),
                       ("vllm:request_prefill_time_seconds", "histogram"),
                       ("vllm:request_prompt_tokens", "histogram"), ("vllm:iteration_tokens_total", "histogram")]:
        assert f"# TYPE {name} {kind}" in text, name
    assert 0 <= metric(text, "vllm:kv_cache_usage_perc", model_name=MODEL) <= 1
    assert 'vllm:cache_config_info{block_size="16"' in text


def test_a_repeated_prompt_hits_the_prefix_cache_and_tokens_are_timed(url):
    before = get(url, "/metrics")[1]
    prompt = " ".join(["garden river stone"] * 30)
    for _ in range(2):
        post(url, "/v1/completions", {"prompt": prompt, "max_tokens": 4, "ignore_eos": True})
    after = get(url, "/metrics")[1]

    def delta(name):
        return metric(after, name, model_name=MODEL) - metric(before, name, model_name=MODEL)

    assert delta("vllm:prefix_cache_queries_total") == delta("vllm:prompt_tokens_total")  # tokens looked up
    assert delta("vllm:prefix_cache_hits_total") >= 16  # the second request reused the first one's full blocks
    assert delta("vllm:inter_token_latency_seconds_count") == 2 * 3  # tokens after each first token


def test_debug_requests_needs_a_trace(url):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(url + "/debug/requests", timeout=10)
    assert error.value.code == 404 and "--trace" in json.loads(error.value.read())["error"]["message"]


def test_the_trace_records_each_requests_true_times(tmp_path):
    from pybench.simulator.trace import load

    trace = tmp_path / "truth.jsonl"
    overrides = {"ttft_ms": 50, "decode_base_ms": 20, "decode_ms_per_seq": 0, "prefill_tokens_per_s": 1e6}
    with running("nvidia-l4", overrides=overrides, trace=trace) as base_url:
        request = urllib.request.Request(
            base_url + "/v1/completions", headers={"Content-Type": "application/json"},
            data=json.dumps({"prompt": "a b c", "max_tokens": 5, "stream": True, "ignore_eos": True}).encode())
        start = time.monotonic()
        with urllib.request.urlopen(request, timeout=10) as response:
            request_id = response.headers["X-Request-Id"]
            response.read()
        done = time.monotonic()
        post(base_url, "/v1/completions", {"prompt": "unary", "max_tokens": 2, "ignore_eos": True})
        recent = json.loads(get(base_url, "/debug/requests")[1])
    records = load(trace)
    assert [r["id"] for r in records] == [r["id"] for r in recent] and records[0]["id"] == request_id
    streamed, unary = records
    assert start <= streamed["arrival"] < streamed["first_token"] <= streamed["token_times"][-1] <= done  # one clock
    assert streamed["token_times"][-1] <= streamed["end"] < done + 0.1
    assert len(streamed["token_times"]) == 5 and streamed["token_times"] == sorted(streamed["token_times"])
    assert 0.07 <= streamed["first_token"] - streamed["arrival"] < 0.3  # 50 ms overhead + a 20 ms step
    gaps = [b - a for a, b in zip(streamed["token_times"], streamed["token_times"][1:])]
    assert all(0.015 <= g < 0.1 for g in gaps)
    assert unary["stream"] is False and unary["token_times"] == [] and unary["output_tokens"] == 2
