#!/usr/bin/env python3
"""Chat-template fixtures: exact renderings that Sequitur's ChatTemplate must reproduce character for character.

Writes Tests/Fixtures/chat/smollm2.json (the default model's template, rendered by transformers'
`apply_chat_template(tokenize=False)` on the tokenizer loaded from the GGUF) and
Tests/Fixtures/chat/other_templates.json (well-known templates written out here, rendered by the very Jinja
environment transformers compiles chat templates with, so trim_blocks/lstrip_blocks/loopcontrols match).

    HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/chat_templates.py --templates DIR

It also writes Tests/Fixtures/chat/family_templates.json: the chat templates of the model families Sequitur
loads (Qwen2.5, Qwen3 with thinking on and off, Gemma 2, Phi-3.5), copied from the `models/templates/` folder of
the llama-cpp-python==0.3.36 source package (llama.cpp keeps them verbatim from each model's
tokenizer_config.json; pass that folder as DIR), rendered the same way.
"""
import argparse
import json
import os
from pathlib import Path

from transformers import AutoTokenizer
from transformers.utils.chat_template_utils import _compile_jinja_template

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "chat"
MODEL_DIR = Path(os.environ.get("SEQUITUR_HOME", Path.home() / ".cache" / "sequitur"))
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def m(role, content):
    return {"role": role, "content": content}


# Conversations covering: with/without system message, 1-4 rounds, unicode, empty and multi-line content, and
# content that looks like template syntax or markup (it must pass through verbatim).
CONVERSATIONS = [
    ("single user", [m("user", "Hello!")]),
    ("system and user", [m("system", "You are terse."), m("user", "What is 2+2?")]),
    ("one round", [m("user", "Hi"), m("assistant", "Hello! How can I help?")]),
    ("one round with system", [m("system", "Be kind."), m("user", "Hi"), m("assistant", "Hi there.")]),
    ("two rounds", [m("user", "Name a colour."), m("assistant", "Blue."), m("user", "Another?"),
                    m("assistant", "Green.")]),
    ("three rounds with system", [m("system", "Answer in one word."), m("user", "Sky?"), m("assistant", "Blue"),
                                  m("user", "Grass?"), m("assistant", "Green"), m("user", "Snow?"),
                                  m("assistant", "White")]),
    ("four rounds", [m("user", "1"), m("assistant", "2"), m("user", "3"), m("assistant", "4"), m("user", "5"),
                     m("assistant", "6"), m("user", "7"), m("assistant", "8")]),
    ("ends with user after rounds", [m("user", "Tell me a joke."), m("assistant", "Why did the chicken..."),
                                     m("user", "Go on.")]),
    ("unicode", [m("user", "Ça va? 你好 👋🏽 — naïve café"), m("assistant", "Très bien! 谢谢 🙂")]),
    ("empty content", [m("user", ""), m("assistant", "")]),
    ("empty system", [m("system", ""), m("user", "x")]),
    ("multi-line", [m("user", "Line one\nLine two\n\n  indented\n"), m("assistant", "A\n\nB\n")]),
    ("template-looking text", [m("user", "Print {{ x }} and {% if y %}z{% endif %} {# c #}"),
                               m("assistant", "Literally: {{ x }} {%- raw -%}")]),
    ("markup in content", [m("user", "What does <|im_end|> mean?"),
                           m("assistant", "<|im_start|>assistant\nIt ends a turn.<|im_end|>\n")]),
    ("whitespace content", [m("user", "   leading and trailing   "), m("assistant", "\t tab \t")]),
    ("quotes and backslashes", [m("user", "He said \"hi\" and 'bye' \\n \\\\"), m("assistant", "ok\\")]),
    ("tool message", [m("user", "Weather?"), m("assistant", "Calling tool."), m("tool", "{\"temp\": 21}"),
                      m("assistant", "It is 21 degrees.")]),
    ("system not first", [m("user", "Hi"), m("system", "Late system message."), m("assistant", "Hello")]),
]

# Llama 3 Instruct's template (Meta-Llama-3-8B-Instruct): filter binding (`message['content'] | trim`),
# `set` inside a loop, loop.index0 and bos_token.
LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim"
    " + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)

# Mistral 7B Instruct v0.1's template: role alternation enforced with raise_exception, `%`, `!=` on booleans.
MISTRAL = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)

# A multi-line ChatML template in the style of Qwen2.5 / SmolLM3 templates: trim_blocks and lstrip_blocks on
# indented tags, `-` whitespace control, namespace() carried out of a loop, messages[1:], `is defined`,
# `not in`, `~`, `tojson`, string methods, elif, loop.last and a comment.
CHATML_MULTILINE = """{#- A ChatML template written across lines, as templates on the Hub often are -#}
{%- set ns = namespace(system='You are a helpful assistant.', count=0) %}
{%- if messages and messages[0]['role'] == 'system' %}
    {%- set ns.system = messages[0]['content'] | trim %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
<|im_start|>system
{{ ns.system }}<|im_end|>
{% for message in loop_messages %}
    {% if message.role not in ['user', 'assistant', 'tool'] %}
        {{ raise_exception('Unexpected role ' ~ message.role ~ ' at ' ~ loop.index0) }}
    {% elif message.role == 'tool' %}
<|im_start|>tool
{{ {'name': 'tool', 'output': message.content, 'turn': loop.index} | tojson }}<|im_end|>
    {% else %}
        {% set ns.count = ns.count + 1 %}
<|im_start|>{{ message['role'] }}
{{ message.content.strip() if message.role == 'assistant' else message.content }}<|im_end|>
    {% endif %}
    {%- if loop.last and add_generation_prompt is defined and add_generation_prompt %}
<|im_start|>assistant
    {% endif %}
{% endfor %}
{# turns: {{ ns.count }} #}
{{- '' if ns.count else '(no turns)' -}}
"""

OTHER = {"llama3": LLAMA3, "mistral": MISTRAL, "chatml_multiline": CHATML_MULTILINE}

# name -> (template file in llama.cpp's models/templates, bos_token, eos_token, extra template variables)
FAMILY = {
    "qwen2.5": ("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>", {}),
    "qwen3": ("Qwen-Qwen3-0.6B.jinja", "", "<|im_end|>", {}),
    "qwen3-thinking-on": ("Qwen-Qwen3-0.6B.jinja", "", "<|im_end|>", {"enable_thinking": True}),
    "qwen3-thinking-off": ("Qwen-Qwen3-0.6B.jinja", "", "<|im_end|>", {"enable_thinking": False}),
    "gemma2": ("google-gemma-2-2b-it.jinja", "<bos>", "<eos>", {}),
    "phi3.5": ("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>", {}),
}


def render_smollm2():
    tokenizer = AutoTokenizer.from_pretrained(str(MODEL_DIR), gguf_file=MODEL_FILE)
    cases = []
    for name, messages in CONVERSATIONS:
        for add_generation_prompt in (False, True):
            text = tokenizer.apply_chat_template(messages, tokenize=False,
                                                 add_generation_prompt=add_generation_prompt)
            cases.append({"name": name, "messages": messages, "add_generation_prompt": add_generation_prompt,
                          "expected": text})
    return {
        "source": "transformers apply_chat_template(tokenize=False) on " + MODEL_FILE,
        "template": tokenizer.chat_template,
        "bos_token": tokenizer.bos_token or "",
        "eos_token": tokenizer.eos_token or "",
        "cases": cases,
    }


def render_cases(source, bos, eos, variables=None):
    compiled = _compile_jinja_template(source)
    cases = []
    for name, messages in CONVERSATIONS:
        for add_generation_prompt in (False, True):
            case = {"name": name, "messages": messages, "add_generation_prompt": add_generation_prompt}
            try:
                case["expected"] = compiled.render(messages=messages, add_generation_prompt=add_generation_prompt,
                                                   bos_token=bos, eos_token=eos, **(variables or {}))
            except Exception as error:  # raise_exception: the fixture records the template's message
                case["error"] = str(error)
            cases.append(case)
    return cases


def render_other():
    templates = []
    for key, source in OTHER.items():
        bos, eos = ("<s>", "</s>") if key == "mistral" else ("<|begin_of_text|>", "<|eot_id|>")
        templates.append({"name": key, "template": source, "bos_token": bos, "eos_token": eos,
                          "cases": render_cases(source, bos, eos)})
    return {"source": "jinja2 with transformers' chat-template environment (_compile_jinja_template)",
            "templates": templates}


def render_family(directory):
    templates = []
    for key, (file, bos, eos, variables) in FAMILY.items():
        source = (Path(directory) / file).read_text(encoding="utf-8")
        templates.append({"name": key, "file": file, "template": source, "bos_token": bos, "eos_token": eos,
                          "variables": variables, "cases": render_cases(source, bos, eos, variables)})
    return {"source": "llama-cpp-python 0.3.36 models/templates, rendered by jinja2 with transformers' "
                      "chat-template environment (_compile_jinja_template)",
            "templates": templates}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--templates", required=True,
                        help="llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for filename, data in (("smollm2.json", render_smollm2()), ("other_templates.json", render_other()),
                           ("family_templates.json", render_family(args.templates))):
        path = OUT / filename
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
