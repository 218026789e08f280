#!/usr/bin/env python3
"""SentencePiece tokenizer fixtures: the sentencepiece library's own ids for llama.cpp's SentencePiece vocabularies.

llama.cpp's vocabulary tests (Tests/Fixtures/vocab) have 46 cases per vocabulary. These run the tokenizer corpus
(Tests/Fixtures/tokenizer/corpus.json, texts under 2000 bytes) and chat renderings (phi-3: the Phi-3.5 template;
llama-spm: the Mistral template of chat_templates.py) through the reference implementation itself, the
`sentencepiece` library (0.2.x), on the model the GGUF describes:

  - the GGUF's pieces below the first added token (ids >= 32000 in phi-3 are added tokens, outside the
    SentencePiece model), with their scores and types, as a BPE ModelProto with byte fallback, the identity
    normaliser, a dummy prefix, whitespace escaped and extra whitespace kept (Llama 2's and Phi-3's settings;
    the reconstruction passes all 46 of llama.cpp's cases for both, checked here);
  - special tokens written in the text (control, unknown and user-defined pieces, longest match first) are cut
    out whole and each stretch between them is encoded alone, with its own dummy prefix, as llama.cpp and
    transformers' slow (legacy) Llama tokenizer do.

Why not transformers: loading these GGUFs, transformers rebuilds a `tokenizers` BPE from the scores that differs
from SentencePiece on 2-19% of the corpus (a text that starts with a space, combining marks); llama.cpp's cases,
generated with the models' own tokenizers, agree with sentencepiece instead.

Writes Tests/Fixtures/tokenizer/sentencepiece.json: per vocabulary and text, "ids" (special tokens parsed, no BOS).

    LLAMA_CPP_TEMPLATES=.../vendor/llama.cpp/models/templates /opt/refenv/bin/python \
        scripts/reference/sentencepiece_fixtures.py      # needs sentencepiece==0.2.3, protobuf==7.36.2
"""
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sentencepiece  # noqa: E402
from gguf import GGUFReader  # noqa: E402
from sentencepiece import sentencepiece_model_pb2 as model_pb2  # noqa: E402
from transformers.utils.chat_template_utils import _compile_jinja_template  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from chat_templates import CONVERSATIONS, MISTRAL  # noqa: E402

VOCAB = Path(os.environ.get("SEQUITUR_HOME", Path.home() / ".cache" / "sequitur")) / "vocab"
OUT = ROOT / "Tests" / "Fixtures" / "tokenizer" / "sentencepiece.json"
PHI35 = (Path(os.environ["LLAMA_CPP_TEMPLATES"]) / "microsoft-Phi-3.5-mini-instruct.jinja").read_text(encoding="utf-8") \
    if "LLAMA_CPP_TEMPLATES" in os.environ else None


def chat_texts(source, bos, eos):
    compiled = _compile_jinja_template(source)
    texts = []
    for _, messages in CONVERSATIONS:
        for add_generation_prompt in (False, True):
            try:
                texts.append(compiled.render(messages=messages, add_generation_prompt=add_generation_prompt,
                                             bos_token=bos, eos_token=eos))
            except Exception:  # raise_exception on a conversation the template refuses
                pass
    return texts


PIECE_TYPES = {1: "NORMAL", 2: "UNKNOWN", 3: "CONTROL", 4: "USER_DEFINED", 5: "UNUSED", 6: "BYTE"}


def read_vocabulary(name):
    fields = GGUFReader(str(VOCAB / f"ggml-vocab-{name}.gguf")).fields

    def array(key, convert):
        field = fields[key]
        return [convert(field.parts[i]) for i in field.data]

    tokens = array("tokenizer.ggml.tokens", lambda p: bytes(p).decode("utf-8"))
    scores = array("tokenizer.ggml.scores", lambda p: float(p[0]))
    types = array("tokenizer.ggml.token_type", lambda p: int(p[0]))
    unknown = int(fields["tokenizer.ggml.unknown_token_id"].parts[-1][0])
    return tokens, scores, types, unknown


def sentencepiece_model(tokens, scores, types, unknown, size):
    model = model_pb2.ModelProto()
    model.trainer_spec.model_type = model_pb2.TrainerSpec.BPE
    model.trainer_spec.byte_fallback = True
    model.trainer_spec.unk_id, model.trainer_spec.bos_id, model.trainer_spec.eos_id = unknown, 1, 2
    model.trainer_spec.pad_id = -1
    model.normalizer_spec.name = "identity"
    model.normalizer_spec.add_dummy_prefix = True
    model.normalizer_spec.remove_extra_whitespaces = False
    model.normalizer_spec.escape_whitespaces = True
    for index in range(size):
        piece = model.pieces.add()
        piece.piece, piece.score = tokens[index], scores[index]
        kind = "UNKNOWN" if index == unknown else ("CONTROL" if types[index] == 2 else PIECE_TYPES[types[index]])
        piece.type = getattr(model_pb2.ModelProto.SentencePiece, kind)
    processor = sentencepiece.SentencePieceProcessor()
    processor.LoadFromSerializedProto(model.SerializeToString())
    return processor


def encoder(name):
    tokens, scores, types, unknown = read_vocabulary(name)
    size = 32000  # both vocabularies: the SentencePiece model's pieces; phi-3's later ids are added tokens
    processor = sentencepiece_model(tokens, scores, types, unknown, size)
    special = {t: i for i, t in enumerate(tokens) if types[i] in (2, 3, 4)}

    def encode(text):
        ids, start, i = [], 0, 0
        while i < len(text):
            match = max((t for t in special if text.startswith(t, i)), key=len, default=None)
            if match is None:
                i += 1
                continue
            if i > start:
                ids += processor.encode(text[start:i])
            ids.append(special[match])
            i = start = i + len(match)
        if start < len(text):
            ids += processor.encode(text[start:])
        return ids

    # The reconstruction must be llama.cpp's tokenizer: its own cases (no special parsing) first.
    base = ROOT / "Tests" / "Fixtures" / "vocab" / f"ggml-vocab-{name}.gguf"
    inputs = (base.parent / (base.name + ".inp")).read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")[:-1]
    outputs = (base.parent / (base.name + ".out")).read_text(encoding="utf-8").split("\n")
    for text, line in zip(inputs, outputs):
        assert processor.encode(text) == [int(x) for x in line.split()], (name, text)
    return encode


def main():
    corpus = json.loads((ROOT / "Tests" / "Fixtures" / "tokenizer" / "corpus.json").read_text(encoding="utf-8"))
    texts = [e["text"] for e in corpus["entries"] if len(e["text"].encode()) < 2000]
    templates = {"llama-spm": (MISTRAL, "<s>", "</s>"), "phi-3": (PHI35, "<s>", "<|endoftext|>")}
    vocabularies = []
    for name, (template, bos, eos) in templates.items():
        assert template is not None, "set LLAMA_CPP_TEMPLATES to llama.cpp's models/templates folder"
        encode = encoder(name)
        cases = [{"text": text, "ids": encode(text)} for text in texts + chat_texts(template, bos, eos)]
        vocabularies.append({"name": name, "cases": cases})
        print(f"{name}: {len(cases)} cases")
    OUT.write_text(json.dumps({"source": f"sentencepiece {sentencepiece.__version__} on the GGUF's pieces",
                               "vocabularies": vocabularies}, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
