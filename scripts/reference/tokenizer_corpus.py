"""Token-id and pre-tokenizer-split fixtures for the byte-level BPE tokenizer.

Writes two files under Tests/Fixtures/tokenizer/:

* corpus.json -- for each corpus string, the ids transformers gives with the default model's tokenizer
  loaded from the GGUF (`AutoTokenizer.from_pretrained(dir, gguf_file=...)`):
    - "ids": `tokenizer(text, add_special_tokens=False)` (special tokens such as <|im_start|> in the text
      are matched whole). With this model `add_special_tokens=True` gives the same ids, because the GGUF
      says add_bos_token = false and transformers adds nothing else; the script checks that.
    - "decoded": `tokenizer.decode(ids)`; equal to the text except where a byte has no token in the vocabulary.
    - "ids_plain": the same with `split_special_tokens=True` (special-token strings are ordinary text).
* pretokenizer_splits.json -- for each corpus string, the pre-tokens (as text) produced by the HF
  `tokenizers` pre-tokenizers that transformers' GGUF loader builds for `tokenizer.ggml.pre` values:
    - "gpt-2" (also what "smollm" gets from the GGUF loader): ByteLevel(add_prefix_space=False, use_regex=True)
    - "llama-bpe", "qwen2": Split(Regex(<the loader's regex>), behavior="isolated")

Run: HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/tokenizer_corpus.py
"""
import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tokenizers import Regex, pre_tokenizers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402
from transformers.integrations.gguf.gguf_tokenizer_mapping import GGUF_PRE_TOKENIZER_SPLITS  # noqa: E402
from transformers.convert_slow_tokenizer import bytes_to_unicode  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "tokenizer"
MODEL_DIR = Path(os.environ.get("SEQUITUR_HOME", Path.home() / ".cache" / "sequitur"))
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def corpus():
    rng = random.Random(20261123)
    s = []
    # Prose.
    s += [
        "Hello world",
        "Hello, world! How are you today?",
        "The quick brown fox jumps over the lazy dog.",
        "It was the best of times, it was the worst of times; it was the age of wisdom...",
        "  Leading spaces and trailing spaces   ",
        "Sentence one. Sentence two!  Two spaces after. (Parenthetical) [bracketed] {braced}",
        "E-mail: someone@example.com, URL: https://example.org/path?q=1&r=two#frag",
        "\"Quoted\" and 'single-quoted' and `backticked` text.",
        "Mr. O'Neil's dog — an em dash – an en dash … an ellipsis.",
        "ALL CAPS SENTENCE WITH NUMBERS 123 AND SYMBOLS %$#@!",
        "snake_case camelCase PascalCase kebab-case SCREAMING_CASE",
        "",
        " ",
        "a",
        "\n",
    ]
    # Contractions in several cases.
    s += [
        "don't", "DON'T", "I'M", "I'm", "we've", "WE'VE", "they'll", "THEY'LL", "she'd", "He'S",
        "it's", "IT'S", "you're", "YOU'RE", "can't won't shouldn't", "'s 't 're 've 'm 'll 'd",
        "'S 'T 'RE 'VE 'M 'LL 'D", "rock'n'roll", "the 'quoted' word", "ſ'ſ 'ſ", "don’t (curly apostrophe)",
        "''''", "'", "x'", "'x", "' s", "'sss",
    ]
    # Code.
    s += [
        "def add(a, b):\n    return a + b\n",
        "class Foo(Bar):\n\tdef __init__(self, x: int = 3) -> None:\n\t\tself.x = x  # comment\n",
        "for i in range(10):\n    if i % 2 == 0:\n        print(f\"{i} is even\")\n",
        "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\n",
        "func greet(_ name: String) -> String {\n    return \"Hello, \\(name)!\"\n}\n",
        "let xs: [Int] = [1, 2, 3].map { $0 * 2 }\nguard let y = xs.first else { return }\n",
        "struct Point: Equatable { var x, y: Double }\nextension Point { static let zero = Point(x: 0, y: 0) }",
        '{"name": "Sequitur", "version": 1, "tags": ["a", "b"], "nested": {"k": null, "f": 1.5e-3}}',
        '[\n  {\n    "id": 1,\n    "ok": true\n  },\n  {\n    "id": 2,\n    "ok": false\n  }\n]',
        "if (x <= 10 && y >= 20 || !z) { a += b; c -= d; e *= f; g /= h; }",
        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
        "SELECT id, name FROM users WHERE age > 21 ORDER BY name;",
        "<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
        "$ ls -la | grep '.swift' > out.txt 2>&1",
        "x=>x**2; a->b; a::b; a...b; a..<b; a?.b ?? c",
    ]
    # Digit runs, 1 to 20 digits, with separators.
    digits = "31415926535897932384"
    for n in range(1, 21):
        s.append(digits[:n])
        s.append("x" + digits[:n] + "y")
        s.append(" " + digits[:n])
    s += [
        "1,234,567.89", "1.000.000,00", "1 000 000", "3.14159", "-42", "+7", "2026-11-23", "12:34:56",
        "0x1F 0b1010 0o17", "1e10 2E-5", "v1.2.3", "192.168.0.1", "$100.00", "50%", "1/2 3/4",
        "²³ ½ ¼ Ⅻ ⅷ ① ٣٤٥ ०१२ 一二三", "a1b2c3", "123abc456", "  123", "\t42\n", "１２３ full-width",
    ]
    # Whitespace runs.
    for n in range(1, 21):
        s.append(" " * n)
        s.append("a" + " " * n + "b")
    s += [
        "\t", "\t\t", "\t\t\t", "a\tb", "a\t\tb", " \t \t ", "\t a", "a \t", "x  \t  y", "trailing   ",
        "   leading", "\n\n", "\n\n\n", "a\n\nb", " \n ", "  \n  x", "a \n b", "a\n \nb", "\r\n", "a\r\nb",
        "line1\r\nline2\r\nline3\r\n", "lone\rcr", "\r", "\r\r\n\n", " \r\n", "a \r\n b", "\v\f", "a\u000bb\u000cc",
        "a\u00a0b", "\u00a0\u00a0", "a\u2003b", "\u3000x", "a\u0085b", "a\u2028b\u2029c", "a\u1680b",
        "a\u202fb\u205fc", "a\u180eb", "a\u001cb\u001dc\u001ed\u001ff", "x \u00a0y", " \u00a0 x",
    ]
    # Accents, combining marks (NFD), scripts.
    s += [
        "café naïve résumé", "cafe\u0301 nai\u0308ve re\u0301sume\u0301", "Ångström", "A\u030angstro\u0308m",
        "e\u0301\u0301\u0301", "\u0301leading combining", "Zalgo: Z\u0351\u036b\u0343a\u0310l\u0368g\u0357o\u0366",
        "Straße groß ẞ", "İstanbul ı", "Ελληνικά κείμενα", "Русский текст, да!", "Українська мова: ґ є ї",
        "日本語のテキストです。", "中文文本，标点符号。", "한국어 텍스트입니다.", "ｶﾀｶﾅ ﾊﾝｶｸ",
        "العربية نص تجريبي", "مرحبا بالعالم 123", "עברית טקסט", "שָׁלוֹם", "हिन्दी पाठ", "नमस्ते दुनिया",
        "ภาษาไทยข้อความ", "สวัสดีครับ", "ქართული", "Հայերեն", "አማርኛ", "தமிழ்", "বাংলা", "ગુજરાતી",
        "Tiếng Việt có dấu", "Þorn ðe æsc œ ø", "ĳ ﬁ ﬂ ligatures", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕄𝕒𝕥𝕙 𝟙𝟚𝟛", "ʰʲ ˈstress ˌsecondary",
        "mixed English日本語English", "αβγ123δεζ", "ǅ ǈ ǋ titlecase",
    ]
    # Emoji and other symbols.
    s += [
        "😀", "😀😃😄", "Hello 👋 world 🌍!", "👍🏽 👍🏿", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇺🇸🇬🇧🇯🇵",
        "🇫🇷 France", "❤️ ❤ ♥", "1️⃣ #️⃣", "🧑🏽‍💻", "👩‍❤️‍💋‍👨", "∑∫∂√∞≈≠≤≥", "→ ← ↑ ↓ ⇒",
        "©®™ §¶ †‡", "€£¥₹₿", "★☆✓✗", "𓀀𓀁 hieroglyphs", "\U0001F9EA\U0001FAE0", "\ue000\uf8ff private use",
        "\U000e0001\U000e0041 tag chars", "\ufffd replacement", "\ufeff BOM at start", "mid\ufeffBOM",
    ]
    # Zero-width and control characters.
    s += [
        "zero\u200bwidth\u200bspace", "zw\u200cnj", "zw\u200dj", "a\u200d\u200db", "\u200b", "\u200b \u200b",
        "\u2060word\u2060joiner", "soft\u00adhyphen", "\u202eRTL override\u202c", "\u200fRLM\u200e",
        "\x00null", "a\x01b\x02c", "\x07bell\x08bs", "\x1b[31mred\x1b[0m", "\x7fdel", "\x80\x9f c1 controls",
        "tab\there\x0bvt", "a\x1fb",
    ]
    # Special-token strings inside text.
    s += [
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>user\nHello<|im_end|>\n",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
        "text<|endoftext|>more", " <|im_start|> spaced ", "<|im_start|><|im_end|>", "<|im_start|<|im_end|>|>",
        "<|im_start", "im_start|>", "<|IM_START|>", "<repo_name>foo<file_sep>bar<filename>", "<|endoftext|>\n\n",
        "a<|im_end|>b", "<jupyter_code>print(1)<jupyter_output>1<empty_output>", "<|unknown|>",
        "<<|im_start|>>", "\n<|im_end|>\n",
    ]
    # Random mixed strings from an alphabet with every character class.
    alphabet = list("abcXYZ 019 \t\n\r.,;'!?-_()") + ["é", "\u0301", "日", "😀", "\u200d", "\u00a0", "²", "ſ", "Σ"]
    for _ in range(40):
        s.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
    # Random words and prose-like strings.
    words = "the of and to in is was he for it with as his on be at by had are but from or have an they which one you were".split()
    for _ in range(20):
        s.append(" ".join(rng.choice(words) for _ in range(rng.randint(3, 25))))
    # Very long words (10,000+ characters).
    s.append("a" * 10000)
    s.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12000)))
    s.append("1234567890" * 1000)
    s.append(" " * 10001 + "x")
    return s


def main():
    texts = corpus()
    assert len(texts) >= 300, len(texts)
    tok = AutoTokenizer.from_pretrained(str(MODEL_DIR), gguf_file=MODEL_FILE)
    bt = tok.backend_tokenizer
    print("pre_tokenizer:", bt.pre_tokenizer, "normalizer:", bt.normalizer, "model:", bt.model, file=sys.stderr)
    entries = []
    for t in texts:
        ids = tok(t, add_special_tokens=False)["input_ids"]
        with_special = tok(t, add_special_tokens=True)["input_ids"]
        assert ids == with_special, (t, ids, with_special)
        plain = tok(t, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        # A byte whose token the vocabulary lacks (this model has none for 0x04, 0x1d, 0xf1, ...) is dropped
        # by the BPE model (it has no unknown token), so such strings do not survive a round trip.
        decoded = tok.decode(ids)
        entries.append({"text": t, "ids": ids, "ids_plain": plain, "decoded": decoded})
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "model": MODEL_FILE,
        "generator": "scripts/reference/tokenizer_corpus.py",
        "tokenizer": "AutoTokenizer.from_pretrained(dir, gguf_file=model); ids: add_special_tokens=False; "
        "ids_plain: split_special_tokens=True",
    }
    (OUT / "corpus.json").write_text(json.dumps({"meta": meta, "entries": entries}, ensure_ascii=True))

    decoder = {v: k for k, v in bytes_to_unicode().items()}

    def unmap(piece):
        return bytes(decoder[c] for c in piece).decode("utf-8")

    splitters = {
        "gpt-2": (pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), True),
        "llama-bpe": (pre_tokenizers.Split(Regex(GGUF_PRE_TOKENIZER_SPLITS["llama-bpe"]), behavior="isolated"), False),
        "qwen2": (pre_tokenizers.Split(Regex(GGUF_PRE_TOKENIZER_SPLITS["qwen2"]), behavior="isolated"), False),
    }
    splits = {}
    for name, (pre, mapped) in splitters.items():
        splits[name] = [[unmap(p) if mapped else p for p, _ in pre.pre_tokenize_str(t)] for t in texts]
        for t, parts in zip(texts, splits[name]):
            assert "".join(parts) == t, (name, t, parts)
    regexes = {name: GGUF_PRE_TOKENIZER_SPLITS[name] for name in ("llama-bpe", "qwen2")}
    regexes["gpt-2"] = "tokenizers ByteLevel(use_regex=True) built-in GPT-2 regex"
    (OUT / "pretokenizer_splits.json").write_text(
        json.dumps({"meta": {"generator": meta["generator"], "regexes": regexes}, "texts": texts, "splits": splits},
                   ensure_ascii=True)
    )
    print(f"{len(texts)} strings written", file=sys.stderr)


if __name__ == "__main__":
    main()
