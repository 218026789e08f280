#!/usr/bin/env python3
"""Writes the text seed corpora of Fuzz/Corpus from the repository's test fixtures and example configurations.

The GGUF seeds are written by the fuzz-gguf binary itself (see DEVELOPERS.md, "Fuzzing"). Each seed file is a
selector byte (which mode the target runs, see the target's source) followed by the payload. Deterministic, so
rerunning it changes nothing unless the fixtures changed.
"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parents[2]
corpus = root / "Fuzz" / "Corpus"
fixtures = root / "Tests" / "Fixtures"


def write(target, name, selector, payload):
    directory = corpus / target
    directory.mkdir(parents=True, exist_ok=True)
    data = (bytes([selector]) if selector is not None else b"") + payload.encode("utf-8")
    assert len(data) <= 64 << 10, f"{target}/{name} is over 64 KiB"
    (directory / name).write_bytes(data)


# Tokenizer: selector low bits 0 (specials parsed) / 1 (not) round trip, 2 decode ids, 3 vocabulary; the
# higher bits pick the pre-tokenizer (0 smollm, 1 llama-bpe, 2 qwen2).
entries = json.loads((fixtures / "tokenizer" / "corpus.json").read_text())["entries"]
by_category = {}
for entry in entries:
    by_category.setdefault(entry["category"], []).append(entry["text"])
for category, texts in sorted(by_category.items()):
    text = "\n".join(texts[:4])[:2048]
    for rule in range(3):
        write("fuzz-tokenizer", f"{category}-rule{rule}", rule << 2, text)
write("fuzz-tokenizer", "specials-unparsed", 1, "<|im_start|>user\nHi<|im_end|>\n<|endoftext|>")
write("fuzz-tokenizer", "decode-ids", 2, "\x00\x01\x00\x02\x01\x00\x01\x05\x7f\x7f\xff\xff")
write("fuzz-tokenizer", "vocabulary", 3, "<|endoftext|>\na\nb\nab\nabc\n\na b\nab c")

# Chat templates: selector bit 0 clear parses the payload as a template; set renders SmolLM2's template with
# one message per payload line (first byte picks the role). Bit 1: add_generation_prompt.
templates = json.loads((fixtures / "chat" / "other_templates.json").read_text())["templates"]
smollm2 = json.loads((fixtures / "chat" / "smollm2.json").read_text())["template"]
for index, template in enumerate(templates):
    write("fuzz-chat-template", f"template-{index}-{template['name']}", 2, template["template"])
write("fuzz-chat-template", "template-smollm2", 0, smollm2)
write("fuzz-chat-template", "template-constructs", 2,
      "{% set ns = namespace(n=0) %}{% for m in messages[1:] if m.role != 'tool' %}{% set ns.n = ns.n + 1 %}"
      "{{ loop.index0 }}/{{ loop.length }} {{ m['content'] | trim | upper }}{% if loop.last %}{% break %}{% endif %}"
      "{% else %}none{% endfor %}{{ ns.n ** 2 // 3 % 5 }}{{ 'a,b'.split(',') | join('-') }}{{ {'k': [1, 2.5, none]} | tojson }}"
      "{% if messages | length is even and not (date is undefined) %}{{ date ~ '!' }}{% elif true %}x{% endif %}"
      "{{- raise_exception('stop') if false else '' -}}{# comment #}{% generation %}g{% endgeneration %}")
write("fuzz-chat-template", "messages-smollm2", 3, "\x00You are terse.\n\x01What is 2+2?\n\x02Four.\n\x01Thanks!")
write("fuzz-chat-template", "messages-no-system", 1, "\x01Hello!")

# Configuration: the example configurations, and one in JSON.
for path in sorted((root / "Examples" / "configs").glob("*.yaml")):
    write("fuzz-configuration", path.stem + ".yaml", None, path.read_text())
write("fuzz-configuration", "sampling.json", None, json.dumps({
    "backend": "cpu", "threads": 2, "scorer": "shared-prefix",
    "decoder": {"name": "sampling", "parameters": {"temperature": 0.7, "topK": 5, "seed": 3}},
    "stop": {"maxNewTokens": 8, "stopStrings": ["\n"]}}))

# JSONL: selector 0 scoring requests, 1 conversations, 2 an output file being resumed, 3 a shard, 4 rank questions.
write("fuzz-jsonl", "scoring", 0, "\n".join(json.dumps(line) for line in [
    {"id": "a", "context": "Hello", "continuation": " world"},
    {"id": 7, "context_ids": [5, 6, 7], "continuation_ids": [8]},
    {"id": "c", "context": "The answer is", "continuation": " 123"},
]) + "\r\n  \n")
conversations = json.loads((fixtures / "conversations" / "conversations.json").read_text())["conversations"]
write("fuzz-jsonl", "conversations", 1, "\n".join(
    json.dumps({"id": c["name"], "messages": c["messages"]}) for c in conversations[:4]) + "\n")
write("fuzz-jsonl", "resume-output", 2, json.dumps({"id": "a", "logprob": -1.5}) + "\n" + '{"id": 2, "lo')
write("fuzz-jsonl", "shard", 3, "1/3")
write("fuzz-jsonl", "rank", 4, "\n".join(json.dumps(line) for line in [
    {"id": "q1", "context": "The capital of France is", "choices": ["Paris", "London"], "label": 0},
    {"id": 2, "context": "2 + 2 =", "choices": ["4", "5", "22"]},
]) + "\n")

# Grammars: selector 0 GBNF (llama.cpp's grammar files and the examples), 1 JSON Schema, 2 regex; +4 trims
# trailing whitespace.
for path in sorted((fixtures / "grammars").glob("*.gbnf")) + sorted((root / "Examples" / "grammars").glob("*.gbnf")):
    write("fuzz-grammar", path.stem + ".gbnf", 0, path.read_text())
for path in sorted((root / "Examples" / "grammars").glob("*.json")):
    write("fuzz-grammar", path.stem + ".json", 1 + 4, path.read_text())
write("fuzz-grammar", "schema-nested.json", 1, json.dumps({
    "type": "object", "required": ["a"], "additionalProperties": False,
    "properties": {"a": {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"enum": ["x", None, True]}]},
                         "minItems": 1, "maxItems": 3},
                   "b": {"$ref": "#/$defs/s"}}, "$defs": {"s": {"type": "string", "maxLength": 4}}}))
write("fuzz-grammar", "regex-date", 2, r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
write("fuzz-grammar", "regex-classes", 2, r"[^\d\s]{2,4}|(?:ab|c)*é+\.(com|org)?")
