#!/usr/bin/env python3
"""End-to-end check of a running `sequitur serve` through the official `openai` Python client.

Every figure the server returns is compared with what the `sequitur` command prints for the same input on the
same model (both are the same float32 numbers, so they agree to the printed precision, or within 1e-6):

  a. legacy completions on a token-id prompt with echo, logprobs=1 and max_tokens 0 and 1 (lm-evaluation-harness's
     log-likelihood request) against `sequitur score` on the same context and continuation ids;
  b. a string-prompt completion at temperature 0 against `sequitur generate` (greedy);
  c. a streamed chat completion against the same request unstreamed (and `sequitur generate --chat`);
  d. the errors: unknown field, wrong type, out-of-vocabulary id, too long a prompt, missing or wrong API key,
     unknown route, unknown model;
  e. POST /v1/score, and vLLM's /tokenize, /detokenize and /tokenizer_info (what lm-eval's remote tokenizer reads).

Run (the server already listening):
  python scripts/interop/openai_e2e.py --base-url http://127.0.0.1:8080 --api-key KEY --sequitur .build/release/sequitur
The key may come from SEQUITUR_API_KEY or OPENAI_API_KEY instead. Exits 1 naming the first check that failed and the
two values it compared; prints one line per check otherwise.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import openai

try:
    import httpx
except ImportError:  # current openai releases depend on httpx2, which keeps httpx's API under another name
    import httpx2 as httpx

TOL = 1e-6


class CheckFailed(Exception):
    pass


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def same_logprob(a, b):
    """Equal as float32 numbers (what both sides computed), or within TOL."""
    if a is None or b is None:
        return a is b
    return f32(a) == f32(b) or abs(a - b) <= TOL


def expect(cond, what, got=None, want=None):
    if not cond:
        detail = "" if got is None and want is None else f": server {got!r}, expected {want!r}"
        raise CheckFailed(f"{what}{detail}")


def expect_logprobs(got, want, what):
    expect(len(got) == len(want), f"{what}: length", len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        expect(same_logprob(g, w), f"{what}[{i}]", g, w)


class Sequitur:
    """The command line on the same model: the reference figures."""

    def __init__(self, binary, model=None):
        self.binary = binary
        self.model_args = ["--model", model] if model else []
        self.work = tempfile.mkdtemp(prefix="openai-e2e-")

    def run(self, *args):
        out = subprocess.run([self.binary, *args, *self.model_args], check=True, capture_output=True, text=True)
        return out.stdout

    def tokenize(self, text):
        return json.loads(self.run("tokenize", "--json", text))["ids"]

    def score_lines(self, lines):
        """`sequitur score --input`: {id: output line} for {"id", "context"/"context_ids", ...} lines."""
        src, dst = os.path.join(self.work, "in.jsonl"), os.path.join(self.work, "out.jsonl")
        with open(src, "w") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
        if os.path.exists(dst):
            os.remove(dst)
        self.run("score", "--input", src, "--output", dst)
        return {l["id"]: l for l in map(json.loads, open(dst))}

    def score(self, context, continuation):
        return json.loads(self.run("score", "--json", context, continuation))

    def generate(self, prompt, max_new_tokens, chat=False):
        args = ["generate", "--json", "--max-new-tokens", str(max_new_tokens)] + (["--chat"] if chat else []) + [prompt]
        return json.loads(self.run(*args))["hypotheses"][0]


class E2E:
    def __init__(self, base_url, api_key, cli):
        self.base = base_url.rstrip("/")
        self.key = api_key
        self.cli = cli
        self.client = openai.OpenAI(base_url=self.base + "/v1", api_key=api_key or "none", max_retries=0, timeout=120)
        self.http = httpx.Client(base_url=self.base, timeout=120)
        self.passed = []

    def headers(self, key=None):
        key = self.key if key is None else key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path, **kw):
        return self.http.get(path, headers=kw.pop("headers", self.headers()), **kw)

    def post(self, path, body, **kw):
        return self.http.post(path, json=body, headers=kw.pop("headers", self.headers()), **kw)

    def ok(self, name, detail=""):
        self.passed.append(name)
        print(f"  ok  {name}{': ' + detail if detail else ''}")

    # -- setup ---------------------------------------------------------------------------------------------------

    def models(self):
        r = self.http.get("/health")
        expect(r.status_code == 200 and r.json() == {"status": "ok"}, "GET /health (no key)", (r.status_code, r.text), 200)
        listing = self.client.models.list()
        data = listing.data
        expect(len(data) == 1, "GET /v1/models: one model", len(data), 1)
        self.model = data[0].id
        raw = self.get("/v1/models").json()["data"][0]
        self.ctx = raw.get("max_model_len")
        expect(isinstance(self.ctx, int) and self.ctx > 0, "GET /v1/models: max_model_len", self.ctx, "a positive int")
        expect(raw.get("object") == "model" and raw.get("owned_by") == "sequitur", "GET /v1/models: object/owned_by", raw, "model/sequitur")
        self.ok("health and models", f"model {self.model!r}, max_model_len {self.ctx}")

    # -- a: token-id prompt, echo + logprobs -----------------------------------------------------------------------

    def completion_json(self, **kw):
        raw = self.client.completions.with_raw_response.create(model=self.model, **kw)
        parsed = raw.parse()  # the client's own types accept the response
        expect(parsed.object == "text_completion", "completion object", parsed.object, "text_completion")
        return json.loads(raw.http_response.text)

    def echo_logprobs(self):
        pairs = [("The capital of France is", " Paris"), ("Roses are red,", " violets are blue"),
                 ("2 + 2 =", " 4, and 3 + 3 = 6."), ("Line one\r\nLine two", "\r\nLine three")]
        lines = []
        for i, (context, continuation) in enumerate(pairs):
            ctx_ids = self.cli.tokenize(context)
            whole = self.cli.tokenize(context + continuation)
            expect(whole[:len(ctx_ids)] == ctx_ids, f"pair {i}: context is a prefix of the whole")
            lines.append({"id": str(i), "context_ids": ctx_ids, "continuation_ids": whole[len(ctx_ids):]})
        want = self.cli.score_lines(lines)
        for line, (context, continuation) in zip(lines, pairs):
            line["text"] = context + continuation
        for line in lines:
            i, ctx_ids, cont_ids = line["id"], line["context_ids"], line["continuation_ids"]
            prompt = ctx_ids + cont_ids
            ref = want[i]["token_logprobs"]
            for max_tokens in (0, 1):
                what = f"a: echo logprobs, pair {i}, max_tokens {max_tokens}"
                d = self.completion_json(prompt=prompt, echo=True, logprobs=1, max_tokens=max_tokens, temperature=0)
                expect(len(d["choices"]) == 1, f"{what}: one choice", len(d["choices"]), 1)
                c = d["choices"][0]
                lp = c["logprobs"]
                n = len(prompt) + max_tokens
                for field in ("tokens", "token_logprobs", "top_logprobs", "text_offset", "token_ids"):
                    expect(field in lp and len(lp[field]) == n, f"{what}: logprobs.{field} has {n} entries",
                           len(lp.get(field) or []), n)
                expect(lp["token_ids"][:len(prompt)] == prompt, f"{what}: echoed token_ids", lp["token_ids"][:len(prompt)], prompt)
                expect(lp["token_logprobs"][0] is None and lp["top_logprobs"][0] is None,
                       f"{what}: first position is null", (lp["token_logprobs"][0], lp["top_logprobs"][0]), (None, None))
                # lm-eval's parse_logprobs: sum(token_logprobs[ctxlen:-1]) with max_tokens=1.
                cont = lp["token_logprobs"][len(ctx_ids):len(prompt)]
                expect_logprobs(cont, ref, f"{what}: continuation token_logprobs vs sequitur score")
                expect(abs(sum(cont) - want[i]["logprob"]) <= 1e-5, f"{what}: summed log-prob", sum(cont), want[i]["logprob"])
                tops = lp["top_logprobs"][len(ctx_ids):len(prompt)]
                expect(all(isinstance(t, dict) and len(t) == 1 for t in tops), f"{what}: one top_logprobs entry per position", tops, "1 each")
                greedy = all(same_logprob(tok, max(top.values())) for tok, top in zip(cont, tops))
                expect(greedy == want[i]["is_greedy"], f"{what}: is_greedy as lm-eval computes it", greedy, want[i]["is_greedy"])
                for j, (tok, top) in enumerate(zip(lp["token_logprobs"][1:], lp["top_logprobs"][1:])):
                    expect(max(top.values()) >= tok - TOL, f"{what}: top_logprobs[{j + 1}] below the token's own", top, tok)
                ids_tops = lp.get("top_logprobs_ids") or []
                expect(len(ids_tops) == n and ids_tops[0] is None, f"{what}: top_logprobs_ids", len(ids_tops), n)
                # With echo the text starts with the prompt's; the texts here are ASCII, so tokens and offsets add up.
                expect(c["text"].startswith(line["text"]), f"{what}: text starts with the prompt", c["text"], line["text"])
                if max_tokens == 0:
                    expect(c["text"] == line["text"], f"{what}: text is the prompt", c["text"], line["text"])
                joined = "".join(lp["tokens"][:len(prompt)])
                expect(joined == line["text"], f"{what}: echoed tokens spell the prompt", joined, line["text"])
                offsets = [len("".join(lp["tokens"][:k])) for k in range(n)]
                expect(lp["text_offset"] == offsets, f"{what}: text_offset", lp["text_offset"], offsets)
                if max_tokens == 0:
                    expect(c["finish_reason"] == "length", f"{what}: finish_reason", c["finish_reason"], "length")
                    expect(d["usage"]["completion_tokens"] == 0 and d["usage"]["prompt_tokens"] == len(prompt),
                           f"{what}: usage", d["usage"], {"prompt_tokens": len(prompt), "completion_tokens": 0})
                else:
                    # At temperature 0 the one generated token is the argmax: its log-prob is its row's top.
                    gen = lp["token_logprobs"][-1]
                    expect(same_logprob(gen, max(lp["top_logprobs"][-1].values())), f"{what}: greedy token is the top",
                           gen, lp["top_logprobs"][-1])
                    expect(d["usage"]["completion_tokens"] == 1, f"{what}: usage.completion_tokens", d["usage"], 1)
        self.ok("a: echo + logprobs on token ids (max_tokens 0 and 1) = sequitur score", f"{len(pairs)} pairs")

    def echo_end_token(self):
        """lm-eval's request when the one generated token is the end token: it must still be listed last, as
        lm-eval drops the last position (token_logprobs[ctxlen:-1]) whatever it is."""
        question = "What is the capital of France?"
        want = self.cli.generate(question, 24, chat=True)
        expect(want["finish_reason"] == "eos", "a: sequitur generate --chat ends on the end token", want["finish_reason"], "eos")
        chat = self.post("/tokenize", {"messages": [{"role": "user", "content": question}], "add_generation_prompt": True}).json()
        prompt = chat["tokens"] + want["ids"][:-1]
        d = self.completion_json(prompt=prompt, echo=True, logprobs=1, max_tokens=1, temperature=0)
        c = d["choices"][0]
        lp = c["logprobs"]
        what = "a: echo + max_tokens 1 where the next token is the end token"
        expect(lp["token_ids"] == prompt + want["ids"][-1:], f"{what}: token_ids end with it", lp["token_ids"][-3:], want["ids"][-3:])
        expect(len(lp["token_logprobs"]) == len(prompt) + 1, f"{what}: one position per token", len(lp["token_logprobs"]), len(prompt) + 1)
        expect_logprobs(lp["token_logprobs"][len(chat["tokens"]):], want["token_logprobs"],
                        f"{what}: the answer's and the end token's log-probs vs sequitur generate --chat")
        expect(c["finish_reason"] == "stop", f"{what}: finish_reason", c["finish_reason"], "stop")
        expect(d["usage"]["completion_tokens"] == 1, f"{what}: usage.completion_tokens", d["usage"]["completion_tokens"], 1)
        self.ok("a: echo + max_tokens 1 lists a generated end token (lm-eval drops the last position)")

    # -- b: greedy string prompt -----------------------------------------------------------------------------------

    def greedy(self):
        for prompt in ["The capital of France is", "Once upon a time"]:
            want = self.cli.generate(prompt, 8)
            d = self.completion_json(prompt=prompt, temperature=0, max_tokens=8, logprobs=0)
            c = d["choices"][0]
            what = f"b: greedy {prompt!r}"
            expect(c["text"] == want["text"], f"{what}: text vs sequitur generate", c["text"], want["text"])
            expect(c["finish_reason"] == ("stop" if want["finish_reason"] == "eos" else want["finish_reason"]),
                   f"{what}: finish_reason", c["finish_reason"], want["finish_reason"])
            lp = c["logprobs"]
            expect(lp["token_ids"] == want["ids"], f"{what}: token ids", lp["token_ids"], want["ids"])
            expect_logprobs(lp["token_logprobs"], want["token_logprobs"], f"{what}: token_logprobs")
            expect(d["usage"]["completion_tokens"] == len(want["ids"]), f"{what}: usage.completion_tokens",
                   d["usage"]["completion_tokens"], len(want["ids"]))
            # Without logprobs the text is the same.
            plain = self.client.completions.create(model=self.model, prompt=prompt, temperature=0, max_tokens=8)
            expect(plain.choices[0].text == want["text"] and plain.choices[0].logprobs is None,
                   f"{what}: without logprobs", (plain.choices[0].text, plain.choices[0].logprobs), (want["text"], None))
        self.ok("b: temperature-0 completion = sequitur generate (text, ids, log-probs)")

    # -- c: chat, streamed and not ---------------------------------------------------------------------------------

    def chat_stream(self):
        question = "What is the capital of France?"
        messages = [{"role": "user", "content": question}]
        whole = self.client.chat.completions.create(model=self.model, messages=messages, temperature=0, max_tokens=24)
        expect(whole.object == "chat.completion", "c: object", whole.object, "chat.completion")
        text = whole.choices[0].message.content
        expect(whole.choices[0].message.role == "assistant", "c: role", whole.choices[0].message.role, "assistant")
        pieces, finish, roles, objects, ids = [], [], [], set(), set()
        stream = self.client.chat.completions.create(model=self.model, messages=messages, temperature=0, max_tokens=24,
                                                     stream=True)
        for chunk in stream:
            objects.add(chunk.object)
            ids.add(chunk.id)
            for ch in chunk.choices:
                if ch.delta.role:
                    roles.append(ch.delta.role)
                if ch.delta.content:
                    pieces.append(ch.delta.content)
                if ch.finish_reason:
                    finish.append(ch.finish_reason)
        expect(objects == {"chat.completion.chunk"}, "c: chunk object", objects, {"chat.completion.chunk"})
        expect(len(ids) == 1, "c: one id for all chunks", ids, "one")
        expect(roles == ["assistant"], "c: the first chunk carries the role", roles, ["assistant"])
        expect("".join(pieces) == text, "c: streamed chunks concatenate to the unstreamed message", "".join(pieces), text)
        expect(finish == [whole.choices[0].finish_reason], "c: one finish_reason, the unstreamed one", finish,
               [whole.choices[0].finish_reason])
        want = self.cli.generate(question, 24, chat=True)
        expect(text == want["text"], "c: chat message vs sequitur generate --chat", text, want["text"])
        # The stream ends with data: [DONE] (the client stops on it; read the bytes to see it).
        with self.http.stream("POST", "/v1/chat/completions", headers=self.headers(),
                              json={"model": self.model, "messages": messages, "temperature": 0, "max_tokens": 4,
                                    "stream": True}) as r:
            expect(r.status_code == 200 and r.headers.get("content-type", "").startswith("text/event-stream"),
                   "c: stream status and content type", (r.status_code, r.headers.get("content-type")), (200, "text/event-stream"))
            body = "".join(r.iter_text())
        events = [e for e in body.split("\n\n") if e.strip()]
        expect(events[-1].strip() == "data: [DONE]", "c: stream ends with data: [DONE]", events[-1:], "data: [DONE]")
        self.ok("c: streamed chat = unstreamed chat = sequitur generate --chat", repr(text))

    # -- d: errors --------------------------------------------------------------------------------------------------

    def expect_error(self, what, status, call, param=None, code=None, etype=None, soft_param=None):
        try:
            call()
        except openai.APIStatusError as e:
            body = e.body if isinstance(e.body, dict) else {}
            expect(e.status_code == status, f"d: {what}: status", (e.status_code, e.body), status)
            expect({"message", "type", "param", "code"} <= set(body), f"d: {what}: error has message/type/param/code", body,
                   "all four")
            if param is not None:
                expect(e.param == param, f"d: {what}: error.param", e.param, param)
            if soft_param is not None and e.param != soft_param:
                print(f"  note d: {what}: error.param is {e.param!r}, {soft_param!r} would say where")
            if code is not None:
                expect(e.code == code, f"d: {what}: error.code", e.code, code)
            if etype is not None:
                expect(e.type == etype, f"d: {what}: error.type", e.type, etype)
            return body
        raise CheckFailed(f"d: {what}: the request succeeded, expected {status}")

    def expect_http_error(self, what, response, status, code=None, etype=None):
        expect(response.status_code == status, f"d: {what}: status", (response.status_code, response.text), status)
        err = response.json().get("error", {})
        if code is not None:
            expect(err.get("code") == code, f"d: {what}: error.code", err, code)
        if etype is not None:
            expect(err.get("type") == etype, f"d: {what}: error.type", err, etype)

    def errors(self):
        c = self.client.completions
        m = self.model
        self.expect_error("unknown field", 400, lambda: c.create(model=m, prompt="Hi", max_tokens=1,
                                                                 extra_body={"temprature": 0.5}),
                          param="temprature", etype="invalid_request_error")
        self.expect_error("unknown field in a message", 400, lambda: self.client.chat.completions.create(
            model=m, max_tokens=1, messages=[{"role": "user", "content": "Hi", "mood": "glad"}]), param="messages[0].mood")
        self.expect_error("wrong type", 400, lambda: c.create(model=m, prompt="Hi", max_tokens="ten"),
                          soft_param="max_tokens", etype="invalid_request_error")
        self.expect_error("out-of-range value", 400, lambda: c.create(model=m, prompt="Hi", max_tokens=1, temperature=-1),
                          soft_param="temperature")
        self.expect_error("out-of-vocabulary token id", 400, lambda: c.create(model=m, prompt=[504, 49152], max_tokens=1),
                          param="prompt", etype="invalid_request_error")
        self.expect_error("negative token id", 400, lambda: c.create(model=m, prompt=[504, -1], max_tokens=1), param="prompt")
        self.expect_error("prompt + max_tokens past the context", 400,
                          lambda: c.create(model=m, prompt=[504, 3575], max_tokens=self.ctx),
                          code="context_length_exceeded")
        self.expect_error("prompt longer than the context", 400,
                          lambda: c.create(model=m, prompt=[504] * (self.ctx + 1), max_tokens=0),
                          code="context_length_exceeded")
        self.expect_error("unknown model", 404, lambda: c.create(model="no-such-model", prompt="Hi", max_tokens=1),
                          param="model", code="model_not_found")
        r = self.http.post("/v1/completions", content=b'{"prompt": "Hi",', headers={**self.headers(), "Content-Type": "application/json"})
        self.expect_http_error("malformed JSON", r, 400, etype="invalid_request_error")
        big = b'{"prompt": "' + b"a" * (4 << 20) + b'", "max_tokens": 1}'  # over the default --max-body-bytes 4194304
        r = self.http.post("/v1/completions", content=big, headers={**self.headers(), "Content-Type": "application/json"})
        self.expect_http_error("a body over --max-body-bytes", r, 413, code="body_too_large", etype="invalid_request_error")
        if self.key:
            wrong = openai.OpenAI(base_url=self.base + "/v1", api_key=self.key + "-wrong", max_retries=0)
            self.expect_error("wrong API key", 401, lambda: wrong.completions.create(model=m, prompt="Hi", max_tokens=1),
                              code="invalid_api_key", etype="authentication_error")
            for path in ("/v1/models", "/v1/completions", "/tokenizer_info", "/metrics"):
                r = self.http.get(path) if path in ("/v1/models", "/tokenizer_info", "/metrics") else \
                    self.http.post(path, json={"prompt": "Hi", "max_tokens": 1})
                self.expect_http_error(f"no API key on {path}", r, 401, code="invalid_api_key", etype="authentication_error")
        else:
            print("  --  no API key given: the 401 checks are skipped")
        self.expect_error("unknown route", 404, lambda: self.client.get("/no/such/route", cast_to=object),
                          etype="not_found_error")
        r = self.get("/v1/nonexistent")
        self.expect_http_error("unknown route (GET)", r, 404, etype="not_found_error")
        self.ok("d: errors (400 unknown field/type/range/vocabulary/length, 401, 404)")

    # -- e: /v1/score and the tokenizer routes ---------------------------------------------------------------------

    def score_and_tokenizer(self):
        context = "The capital of France is"
        conts = [" Paris", " London", " a city of light"]
        r = self.post("/v1/score", {"model": self.model, "context": context, "continuations": conts})
        expect(r.status_code == 200, "e: POST /v1/score status", (r.status_code, r.text), 200)
        d = r.json()
        expect(d.get("object") == "score" and len(d["results"]) == len(conts), "e: /v1/score shape", d, f"{len(conts)} results")
        for i, (cont, res) in enumerate(zip(conts, sorted(d["results"], key=lambda x: x["index"]))):
            want = self.cli.score(context, cont)
            what = f"e: /v1/score {cont!r}"
            expect(res["index"] == i, f"{what}: index", res["index"], i)
            expect_logprobs(res["token_logprobs"], want["token_logprobs"], f"{what}: token_logprobs vs sequitur score")
            expect(abs(res["logprob"] - want["logprob"]) <= 1e-5, f"{what}: logprob", res["logprob"], want["logprob"])
            expect(res["is_greedy"] == want["is_greedy"], f"{what}: is_greedy", res["is_greedy"], want["is_greedy"])
            whole = self.cli.tokenize(context + cont)
            expect(res["tokens"] == whole[len(self.cli.tokenize(context)):], f"{what}: tokens (lm-eval's split)",
                   res["tokens"], whole[len(self.cli.tokenize(context)):])
            expect(len(res["token_strs"]) == len(res["tokens"]), f"{what}: token_strs", res["token_strs"], res["tokens"])
        # Token-id context and continuations score the same.
        ctx_ids = self.cli.tokenize(context)
        ids = self.post("/v1/score", {"context": ctx_ids, "continuations": [d["results"][0]["tokens"]]}).json()
        expect(ids["results"][0]["token_logprobs"] == d["results"][0]["token_logprobs"], "e: /v1/score on ids = on text",
               ids["results"][0]["token_logprobs"], d["results"][0]["token_logprobs"])

        text = "Hello world, the capital of France is Paris."
        want = self.cli.tokenize(text)
        t = self.post("/tokenize", {"model": self.model, "prompt": text}).json()
        expect(t.get("tokens") == want and t.get("count") == len(want), "e: /tokenize vs sequitur tokenize", t, want)
        expect(t.get("max_model_len") == self.ctx, "e: /tokenize max_model_len", t.get("max_model_len"), self.ctx)
        t2 = self.post("/tokenize", {"prompt": text, "add_special_tokens": False, "return_token_strs": True}).json()
        expect(t2["tokens"] == want and isinstance(t2.get("token_strs"), list) and len(t2["token_strs"]) == len(want),
               "e: /tokenize add_special_tokens false, return_token_strs", t2, want)
        back = self.post("/detokenize", {"model": self.model, "tokens": want}).json()
        expect(back == {"prompt": text}, "e: /detokenize round trip", back, {"prompt": text})
        info_r = self.get("/tokenizer_info")
        expect(info_r.status_code == 200, "e: GET /tokenizer_info status", (info_r.status_code, info_r.text), 200)
        info = info_r.json()
        for key in ("tokenizer_class", "model_max_length", "eos_token", "bos_token", "pad_token", "chat_template", "vocab_size"):
            expect(key in info, f"e: /tokenizer_info has {key}", sorted(info), key)
        expect(info["model_max_length"] == self.ctx, "e: /tokenizer_info model_max_length", info["model_max_length"], self.ctx)
        expect(isinstance(info["vocab_size"], int) and info["vocab_size"] > max(want), "e: /tokenizer_info vocab_size", info["vocab_size"], "> ids")
        # lm-eval's RemoteTokenizer: eos_token_id = encode(eos_token)[0] with add_special_tokens false, so special
        # tokens are matched in the text whatever add_special_tokens says (it only adds BOS/EOS, as in transformers).
        for name in ("eos_token", "bos_token"):
            if info[name] is None:
                continue
            enc = self.post("/tokenize", {"prompt": info[name], "add_special_tokens": False}).json()["tokens"]
            expect(enc == self.cli.tokenize(info[name]) and len(enc) == 1, f"e: /tokenize of {name} {info[name]!r} is one id",
                   enc, self.cli.tokenize(info[name]))
        msgs = [{"role": "user", "content": "Hi"}]
        chat = self.post("/tokenize", {"messages": msgs}).json()
        expect(chat["count"] == len(chat["tokens"]) > 2, "e: /tokenize messages", chat, "tokens")
        rendered = self.post("/detokenize", {"tokens": chat["tokens"]}).json()["prompt"]
        expect("Hi" in rendered and rendered.rstrip().endswith("assistant"), "e: /tokenize messages renders the template "
               "with the generation prompt", rendered, "…user Hi…assistant")
        bad = self.post("/detokenize", {"tokens": [info["vocab_size"]]})
        self.expect_http_error("/detokenize out-of-vocabulary id", bad, 400, etype="invalid_request_error")
        self.ok("e: /v1/score = sequitur score; /tokenize, /detokenize, /tokenizer_info")

    def text_offsets(self):
        """text_offset indexes `text` as Python (and every OpenAI client) indexes strings, by code point: each token
        whose text is whole characters is found at its offset. Combining marks, Devanagari and emoji sequences are
        where code points and grapheme clusters part."""
        for text in ["e\u0301te\u0301 cafe\u0301", "नमस्ते दुनिया किताब", "ok 👍🏽 👨\u200d👩\u200d👧 done"]:
            d = self.completion_json(prompt=text, echo=True, logprobs=0, max_tokens=0)
            c = d["choices"][0]
            lp = c["logprobs"]
            what = f"text_offset in {text!r}"
            expect(c["text"] == text, f"{what}: echoed text", c["text"], text)
            offsets = lp["text_offset"]
            expect(offsets == sorted(offsets) and all(0 <= o <= len(text) for o in offsets), f"{what}: increasing, within the text",
                   offsets, f"0...{len(text)}")
            for k, (tok, off) in enumerate(zip(lp["tokens"], offsets)):
                if "\ufffd" not in tok:
                    expect(text[off:off + len(tok)] == tok, f"{what}: token {k} {tok!r} at offset {off}",
                           text[off:off + len(tok)], tok)
        self.ok("text_offset counts code points (combining marks, Devanagari, emoji sequences)")

    def metrics(self):
        r = self.get("/metrics")
        expect(r.status_code == 200, "metrics status", r.status_code, 200)
        for name in ("sequitur_requests_total", "sequitur_queue_depth", "sequitur_batch_size", "sequitur_generated_tokens_total",
                     "sequitur_tokens_per_second", "sequitur_kv_blocks_in_use", "sequitur_requests_in_flight"):
            expect(name in r.text, f"GET /metrics has {name}", None, None)
        self.ok("GET /metrics lists every gauge")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", default=os.environ.get("SEQUITUR_BASE_URL", "http://127.0.0.1:8080"),
                   help="the server's root, without /v1")
    p.add_argument("--api-key", default=os.environ.get("SEQUITUR_API_KEY") or os.environ.get("OPENAI_API_KEY"))
    p.add_argument("--sequitur", default=os.environ.get("SEQUITUR_BIN", ".build/release/sequitur"),
                   help="the sequitur binary that gives the reference figures")
    p.add_argument("--model", help="GGUF file the server runs (default: the cached default model)")
    args = p.parse_args()
    e = E2E(args.base_url, args.api_key, Sequitur(args.sequitur, args.model))
    print(f"openai_e2e: openai {openai.__version__} against {args.base_url}")
    try:
        e.models()  # the model id and context every later step uses
    except (CheckFailed, openai.APIError, httpx.HTTPError) as err:
        print(f"openai_e2e: FAILED: {err} {getattr(err, 'body', '') or ''}", file=sys.stderr)
        sys.exit(1)
    # Each step stops at its first failed check; the steps after it still run, so one run lists every failure.
    failures = []
    for step in (e.echo_logprobs, e.echo_end_token, e.greedy, e.chat_stream, e.errors, e.score_and_tokenizer,
                 e.text_offsets, e.metrics):
        try:
            step()
        except CheckFailed as err:
            failures.append(str(err))
        except (openai.APIError, httpx.HTTPError) as err:
            failures.append(f"request error in {step.__name__}: {err!r} {getattr(err, 'body', None)!r}")
        else:
            continue
        print(f"  FAIL {failures[-1]}", file=sys.stderr)
    print(f"openai_e2e: {len(e.passed)} passed, {len(failures)} failed")
    if failures:
        print("openai_e2e: FAILED: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
