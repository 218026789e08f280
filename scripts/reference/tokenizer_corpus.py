"""Token-id and pre-tokenizer-split fixtures for the byte-level BPE tokenizer.

Writes two files under Tests/Fixtures/tokenizer/ (UTF-8 JSON):

* corpus.json -- for each corpus string (with its category: prose, code, digits, whitespace, tabs, crlf,
  accents, combining, cjk, rtl, emoji, zero-width, special-tokens, long-words, ...), the ids transformers
  gives with the default model's tokenizer loaded from the GGUF
  (`AutoTokenizer.from_pretrained(dir, gguf_file=...)`):
    - "ids": `tokenizer(text, add_special_tokens=False)`: special parsing ON, special tokens such as
      <|im_start|> in the text are matched whole. With this model `add_special_tokens=True` gives the same
      ids, because the GGUF says add_bos_token = false and transformers adds nothing else; checked.
    - "ids_plain": `tokenizer(text, add_special_tokens=False, split_special_tokens=True)`: special parsing
      OFF. transformers sets the backend's `encode_special_tokens` flag from this argument on every call
      (default False), and with it set HF `tokenizers` does not cut special added tokens out of the text,
      so "<|im_start|>" becomes "<", "|", "im", "_", "start", "|", ">"; every added token of this model is
      special, and the script checks that no added-token id appears. Written only where it differs from "ids".
    - "lossless": whether `tokenizer.decode(ids)` gives the text back byte for byte; it does not where a
      byte has no token in the vocabulary (the BPE model drops it); then "decoded" holds what decode gives.
* pretokenizer_splits.json -- for each corpus string and each of "smollm", "gpt-2", "llama-bpe", "qwen2",
  "gpt-4o", "tekken",
  the length in Unicode scalars of each pre-token produced by the HF `tokenizers` pre-tokenizer that
  transformers' GGUF loader builds for that `tokenizer.ggml.pre` value:
    - "smollm": the pre-tokenizer of the default model's tokenizer as loaded (ByteLevel(use_regex=True))
    - "gpt-2": ByteLevel(add_prefix_space=False, use_regex=True)
    - "llama-bpe", "qwen2": Split(Regex(<the loader's regex>), behavior="isolated")
    - "gpt-4o", "tekken": Split(Regex(<the regex of the model's tokenizer.json>), behavior="isolated")

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

# Pre-tokenizer regexes transformers' GGUF loader has no entry for, from each model's tokenizer.json.
EXTRA_SPLITS = {
    "gpt-4o": r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
              r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
              r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "tekken": r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
              r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
              r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "tokenizer"
MODEL_DIR = Path(os.environ.get("SEQUITUR_HOME", Path.home() / ".cache" / "sequitur"))
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def corpus():
    """(category, text) pairs. The categories follow the issue's list; TokenizerCorpusTests checks each one."""
    rng = random.Random(20261123)
    s = []

    def add(category, texts):
        s.extend((category, t) for t in texts)

    add("prose", [
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
        "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, "
        "and nothing particular to interest me on shore, I thought I would sail about a little and see the "
        "watery part of the world.\n\nIt is a way I have of driving off the spleen.",
        "# Heading\n\n* item one\n* item two\n\n> quoted line\n\n**bold** _italic_ `code` [link](http://x.y)",
        "Dear Sir or Madam,\n\nI am writing to enquire about the position advertised on 3 March.\n\nYours faithfully,\nA. N. Other",
    ])
    add("contractions", [
        "don't", "DON'T", "I'M", "I'm", "we've", "WE'VE", "they'll", "THEY'LL", "she'd", "He'S",
        "it's", "IT'S", "you're", "YOU'RE", "can't won't shouldn't", "'s 't 're 've 'm 'll 'd",
        "'S 'T 'RE 'VE 'M 'LL 'D", "rock'n'roll", "the 'quoted' word", "ſ'ſ 'ſ", "don’t (curly apostrophe)",
        "''''", "'", "x'", "'x", "' s", "'sss",
    ])
    add("code", [
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
        "fn main() {\n    let v: Vec<u32> = (0..10).filter(|x| x % 3 == 0).collect();\n    println!(\"{:?}\", v);\n}\n",
        "const f = async (x) => { const r = await fetch(`/api/${x}`); return r.json(); };",
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-old line\n+new line\n context\n",
        "\\begin{equation}\n  E = mc^2 \\quad \\sum_{i=0}^{n} x_i^2\n\\end{equation}",
        "server:\n  port: 8080\n  hosts:\n    - alpha\n    - beta\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "    indented_block = True\n        deeper = [1,2,3]\n",
        "/* block */ // line\n#define MAX(a,b) ((a)>(b)?(a):(b))",
    ])
    digits = "31415926535897932384"
    add("digits", [v for n in range(1, 21) for v in (digits[:n], "x" + digits[:n] + "y", " " + digits[:n])])
    add("digits", [
        "1,234,567.89", "1.000.000,00", "1 000 000", "3.14159", "-42", "+7", "2026-11-23", "12:34:56",
        "0x1F 0b1010 0o17", "1e10 2E-5", "v1.2.3", "192.168.0.1", "$100.00", "50%", "1/2 3/4",
        "²³ ½ ¼ Ⅻ ⅷ ① ٣٤٥ ०१२ 一二三", "a1b2c3", "123abc456", "  123", "\t42\n", "１２３ full-width",
        "0" * 50, "1234567890123456789012345678901234567890", "+1 (555) 010-9999", "a 1 22 333 4444 55555",
    ])
    add("whitespace", [v for n in range(1, 21) for v in (" " * n, "a" + " " * n + "b")])
    add("whitespace", [
        "trailing   ", "   leading", "\n\n", "\n\n\n", "a\n\nb", " \n ", "  \n  x", "a \n b", "a\n \nb",
        "\v\f", "a\u000bb\u000cc", "a\u001cb\u001dc\u001ed\u001ff",
    ])
    add("tabs", [
        "\t", "\t\t", "\t\t\t", "a\tb", "a\t\tb", " \t \t ", "\t a", "a \t", "x  \t  y",
        "\t\t\tx", "x\t", "\t \t\n", "col1\tcol2\tcol3\n1\t2\t3\n", "all:\n\tcc -o x x.c\n",
    ])
    add("crlf", [
        "\r\n", "a\r\nb", "line1\r\nline2\r\nline3\r\n", "lone\rcr", "\r", "\r\r\n\n", " \r\n", "a \r\n b",
        "a\r\n\r\nb", "\r\n\r\n", "  \r\n  x", "def f():\r\n    return 1\r\n", "text\r\n\tindented",
    ])
    add("unicode-whitespace", [
        "a\u00a0b", "\u00a0\u00a0", "a\u2003b", "\u3000x", "a\u0085b", "a\u2028b\u2029c", "a\u1680b",
        "a\u202fb\u205fc", "a\u180eb", "x \u00a0y", " \u00a0 x",
    ])
    add("accents", [
        "café naïve résumé", "Ångström", "Straße groß ẞ", "İstanbul ı", "Tiếng Việt có dấu", "Þorn ðe æsc œ ø",
        "ĳ ﬁ ﬂ ligatures", "ǅ ǈ ǋ titlecase", "Crème brûlée à la française", "Łódź Kraków Gdańsk",
    ])
    add("combining", [
        "cafe\u0301 nai\u0308ve re\u0301sume\u0301", "A\u030angstro\u0308m", "e\u0301\u0301\u0301",
        "\u0301leading combining", "Zalgo: Z\u0351\u036b\u0343a\u0310l\u0368g\u0357o\u0366",
        "n\u0303 o\u0302 u\u0308\u0304", "a\u20dd keycap-ish\u20e3",
    ])
    add("scripts", [
        "Ελληνικά κείμενα", "Русский текст, да!", "Українська мова: ґ є ї",
        "हिन्दी पाठ", "नमस्ते दुनिया", "ภาษาไทยข้อความ", "สวัสดีครับ", "ქართული", "Հայերեն", "አማርኛ", "தமிழ்",
        "বাংলা", "ગુજરાતી", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕄𝕒𝕥𝕙 𝟙𝟚𝟛", "ʰʲ ˈstress ˌsecondary", "αβγ123δεζ",
    ])
    add("cjk", [
        "日本語のテキストです。", "中文文本，标点符号。", "한국어 텍스트입니다.", "ｶﾀｶﾅ ﾊﾝｶｸ", "mixed English日本語English",
        "東京都は日本の首都です", "我喜欢学习编程。你呢？", "ひらがな カタカナ 漢字", "𠀀𠀁𪚥 rare ideographs",
        "「引用」『二重』【括弧】", "한글 자모: ㄱㄴㄷ ㅏㅑㅓ",
    ])
    add("rtl", [
        "العربية نص تجريبي", "مرحبا بالعالم 123", "עברית טקסט", "שָׁלוֹם", "مَرْحَبًا بِكُمْ", "اردو زبان",
        "בְּרֵאשִׁית בָּרָא אֱלֹהִים", "Hello שלום world مرحبا!", "٠١٢٣٤٥٦٧٨٩ أرقام", "هل أنت بخير؟ نعم، شكرا؛",
        "פסקה עם מספרים 2026 וסימנים.", "ﷲ ﻻ ligature forms",
    ])
    add("emoji", [
        "😀", "😀😃😄", "Hello 👋 world 🌍!", "👍🏽 👍🏿", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇺🇸🇬🇧🇯🇵",
        "🇫🇷 France", "❤️ ❤ ♥", "1️⃣ #️⃣", "🧑🏽‍💻", "👩‍❤️‍💋‍👨", "\U0001F9EA\U0001FAE0",
        "👋🏻👋🏼👋🏽👋🏾👋🏿", "👩🏽‍🚀 astronaut", "🧑🏿‍🤝‍🧑🏻", "👨🏻‍💻👩🏿‍🔬",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "🫱🏼‍🫲🏾", "🏃‍♀️‍➡️", "text😀text", "😀" * 50,
    ])
    add("symbols", [
        "∑∫∂√∞≈≠≤≥", "→ ← ↑ ↓ ⇒", "©®™ §¶ †‡", "€£¥₹₿", "★☆✓✗", "𓀀𓀁 hieroglyphs",
        "\ue000\uf8ff private use", "\U000e0001\U000e0041 tag chars", "\ufffd replacement",
    ])
    add("zero-width", [
        "\ufeff BOM at start", "mid\ufeffBOM",
        "zero\u200bwidth\u200bspace", "zw\u200cnj", "zw\u200dj", "a\u200d\u200db", "\u200b", "\u200b \u200b",
        "\u2060word\u2060joiner", "soft\u00adhyphen", "\ufeff", "\ufeff\ufeff", "\u200c", "\u200d",
        "a\u200bb\u200cc\u200dd\ufeffe", "word\u200b", "می\u200cخواهم", "क्\u200dष",
    ])
    add("controls", [
        "\u202eRTL override\u202c", "\u200fRLM\u200e",
        "\x00null", "a\x01b\x02c", "\x07bell\x08bs", "\x1b[31mred\x1b[0m", "\x7fdel", "\x80\x9f c1 controls",
        "tab\there\x0bvt", "a\x1fb",
    ])
    add("special-tokens", [
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>user\nHello<|im_end|>\n",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>assistant\n",
        "text<|endoftext|>more", " <|im_start|> spaced ", "<|im_start|><|im_end|>", "<|im_start|<|im_end|>|>",
        "<|im_start", "im_start|>", "<|IM_START|>", "<repo_name>foo<file_sep>bar<filename>", "<|endoftext|>\n\n",
        "a<|im_end|>b", "<jupyter_code>print(1)<jupyter_output>1<empty_output>", "<|unknown|>",
        "<<|im_start|>>", "\n<|im_end|>\n", "日本<|im_end|>語", "😀<|endoftext|>😀", "  <|im_end|>  ",
        "<|im_start|>user\nWhat's 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n",
    ])
    # Random mixed strings from an alphabet with every character class.
    alphabet = list("abcXYZ 019 \t\n\r.,;'!?-_()") + ["é", "\u0301", "日", "😀", "\u200d", "\u00a0", "²", "ſ", "Σ"]
    add("random-mixed", ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(40)])
    # Random words and prose-like strings.
    words = "the of and to in is was he for it with as his on be at by had are but from or have an they which one you were".split()
    add("random-words", [" ".join(rng.choice(words) for _ in range(rng.randint(3, 25))) for _ in range(20)])
    # Very long words (10,000+ characters): each is one pre-token, so BPE merges inside a 10,000-symbol word.
    add("long-words", [
        "a" * 10000,
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12000)),
        "1234567890" * 1000,
        " " * 10001 + "x",
        "日本語" * 3334,
        "e\u0301" * 5000,
        "مرحبا" * 2000,
        "x" * 10000 + "<|endoftext|>",
    ])
    return s


def main():
    labelled = corpus()
    texts = [t for _, t in labelled]
    assert len(texts) >= 300, len(texts)
    tok = AutoTokenizer.from_pretrained(str(MODEL_DIR), gguf_file=MODEL_FILE)
    bt = tok.backend_tokenizer
    print("pre_tokenizer:", bt.pre_tokenizer, "normalizer:", bt.normalizer, "model:", bt.model, file=sys.stderr)
    # All of this model's added tokens are special, so with split_special_tokens=True none of them may be
    # matched; checked below so that "ids_plain" really is the parse-special-off reference.
    added_ids = set(tok.added_tokens_decoder)
    assert all(token.special for token in tok.added_tokens_decoder.values())
    entries = []
    for category, t in labelled:
        ids = tok(t, add_special_tokens=False)["input_ids"]
        with_special = tok(t, add_special_tokens=True)["input_ids"]
        assert ids == with_special, (t, ids, with_special)
        # transformers passes split_special_tokens on to the backend's `encode_special_tokens` flag for this
        # call (each call sets it from its own argument; default False): special added tokens are then not
        # cut out of the text and go through the pre-tokenizer and BPE like any other text.
        plain = tok(t, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        assert not added_ids.intersection(plain), (t, plain)
        # A byte whose token the vocabulary lacks (this model has none for 0x04, 0x1d, 0xf1, ...) is dropped
        # by the BPE model (it has no unknown token), so such strings do not survive a round trip: "lossless"
        # is false for them, and "decoded" is what transformers gives back.
        decoded = tok.decode(ids)
        entry = {"category": category, "text": t, "ids": ids}
        # To keep the file small, "ids_plain" is written only where it differs from "ids", and "decoded" only
        # where it differs from the text ("lossless": false).
        if plain != ids:
            entry["ids_plain"] = plain
        entry["lossless"] = decoded.encode("utf-8") == t.encode("utf-8")
        if not entry["lossless"]:
            entry["decoded"] = decoded
        entries.append(entry)
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "model": MODEL_FILE,
        "generator": "scripts/reference/tokenizer_corpus.py",
        "tokenizer": "AutoTokenizer.from_pretrained(dir, gguf_file=model); ids: tokenizer(text, "
        "add_special_tokens=False) (special tokens in the text matched whole; add_special_tokens=True gives the "
        "same ids for this model); ids_plain: tokenizer(text, add_special_tokens=False, split_special_tokens=True) "
        "(special tokens are plain text), present only where it differs from ids; decoded: tokenizer.decode(ids), "
        "present only where lossless is false (decode(ids) differs from the text)",
    }
    write_json(OUT / "corpus.json", {"meta": meta, "entries": entries})

    decoder = {v: k for k, v in bytes_to_unicode().items()}

    def unmap(piece):
        return bytes(decoder[c] for c in piece).decode("utf-8")

    # "smollm" is split by the pre-tokenizer transformers' GGUF loader actually built for the default model
    # (whose tokenizer.ggml.pre is "smollm"); the others by the splitters the loader builds for those names.
    splitters = {
        "smollm": (bt.pre_tokenizer, True),
        "gpt-2": (pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), True),
        "llama-bpe": (pre_tokenizers.Split(Regex(GGUF_PRE_TOKENIZER_SPLITS["llama-bpe"]), behavior="isolated"), False),
        "qwen2": (pre_tokenizers.Split(Regex(GGUF_PRE_TOKENIZER_SPLITS["qwen2"]), behavior="isolated"), False),
        # Not in transformers' GGUF loader: the regexes of the models' own tokenizer.json (GPT-4o's as Phi-4
        # ships it, Tekken's as Mistral Nemo does), which llama.cpp quotes beside its ASCII approximations.
        "gpt-4o": (pre_tokenizers.Split(Regex(EXTRA_SPLITS["gpt-4o"]), behavior="isolated"), False),
        "tekken": (pre_tokenizers.Split(Regex(EXTRA_SPLITS["tekken"]), behavior="isolated"), False),
    }
    splits = {}
    for name, (pre, mapped) in splitters.items():
        # Stored as the length of each pre-token in Unicode scalars (code points), which is compact for
        # the 10,000-character words; the pieces are contiguous and cover the text (checked).
        splits[name] = []
        for t in texts:
            parts = [unmap(p) if mapped else p for p, _ in pre.pre_tokenize_str(t)]
            assert "".join(parts) == t, (name, t, parts)
            splits[name].append([len(p) for p in parts])
    regexes = {name: GGUF_PRE_TOKENIZER_SPLITS[name] for name in ("llama-bpe", "qwen2")}
    regexes.update(EXTRA_SPLITS)
    regexes["gpt-2"] = "tokenizers ByteLevel(use_regex=True) built-in GPT-2 regex"
    regexes["smollm"] = f"the default model's backend pre_tokenizer: {bt.pre_tokenizer}"
    split_meta = {"generator": meta["generator"], "regexes": regexes,
                  "splits": "per pre-tokenizer name, per text: the length of each pre-token in Unicode scalars"}
    write_json(OUT / "pretokenizer_splits.json", {"meta": split_meta, "texts": texts, "splits": splits})
    print(f"{len(texts)} strings written", file=sys.stderr)


def write_json(path, value):
    # UTF-8 rather than \u escapes, and no spaces, to keep the fixtures small.
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    main()
