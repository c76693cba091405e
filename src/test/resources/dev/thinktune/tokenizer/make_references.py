"""Reference encodings for the tokenizer tests, made with Hugging Face tokenizers 0.23.2 and tiktoken 0.14.

Run from the project root (needs ../shared/fixtures/tokenizer/tokenizer.json):
    python src/test/resources/dev/thinktune/tokenizer/make_references.py
Writes beside this script:
  reference-cases.json   seeded random strings over all of Unicode's classes that matter to the split regexes,
                         encoded by three Hugging Face variants of the fixture tokenizer and by tiktoken with the
                         fixture's tokens as ranks (BOS first; decoded text where it differs from the input)
  training-corpus.txt    a generated corpus (lines)
  training-reference.json  BpeTrainer's vocab and merges on that corpus (vocab 600, Llama 3 pre-tokenizer)
Everything is generated here; nothing is downloaded.
"""
import json, os, random, sys, copy
import tokenizers
from tokenizers import Tokenizer, AddedToken, Regex, models, pre_tokenizers, decoders, trainers, processors
import tiktoken

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join("..", "shared", "fixtures", "tokenizer", "tokenizer.json")
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
rng = random.Random(20240611)

POOLS = {
    "ascii_letters": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digits": "0123456789",
    "punct": "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~",
    "apostrophe": "'",
    "contraction_letters": "sStTmMdDrReEvVlL\u017f",
    "spaces": " \t\n\r\u000b\u000c\u0085\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000",
    "not_white_space": "\u001c\u001d\u001e\u001f\u200b\u2060\ufeff\u180e",
    "latin": "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜßĳœŒſ",
    "greek_cyrillic": "αβγδεζηθΩΣπЖжЯяЁё",
    "cjk": "東京日本語中文字漢字한국어ひらがなカタカナ",
    "scripts": "العربيةहिन्दीไทย",
    "marks": "\u0301\u0308\u0327\u093f\u0e31",
    "other_numbers": "²³¹½¼⅓ⅫⅣ①⑳٠١٢٣٤٥٦٧٨٩०१२३४५６７８９",
    "symbols": "∑∫√≈≠≤≥±×÷€£¥©®™°§¶•…—–‘’“”«»¿¡",
    "emoji": ["\U0001F680", "\U0001F600", "\U0001F44D\U0001F3FD", "\U0001F469\u200D\U0001F4BB", "\U0001F1EB\U0001F1F7",
              "\u2764\ufe0f", "\U0001D400", "\U0001D7D8", "\U00020000", "\U0001F9E0"],
    "specials": SPECIALS + ["<|eot_id", "<|", "|>", "<mask>", " <mask> ", "Ken", "Kenneth"],
    "words": ["the", " the", "The", "answer", " is", "how", " many", "apples", "cookies", "'s", "'S", "'ll", "'LL", "'Re",
              "'ve", "'d", "'m", "'t", "isn't", "I'm", "we'll", "\\boxed{", "}", "12345", "3.14159", "1,000,000", "\r\n",
              "\n\n", "  ", "   ", "\t\t", " \u00a0", "\u3000\u3000"],
}


def random_code_point():
    while True:
        cp = rng.choice([rng.randint(0x20, 0x2FF), rng.randint(0x300, 0x2FFF), rng.randint(0x3000, 0xD7FF),
                         rng.randint(0xE000, 0xFFFD), rng.randint(0x10000, 0x1FAFF), rng.randint(0x20000, 0x2A6DF)])
        c = chr(cp)
        import unicodedata
        if unicodedata.category(c) not in ("Cn", "Cs"):
            return c


def random_text():
    parts = []
    for _ in range(rng.randint(1, 20)):
        kind = rng.random()
        if kind < 0.08:
            parts.append(random_code_point())
        elif kind < 0.11:
            parts.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(30, 90))))
        else:
            pool = POOLS[rng.choice(list(POOLS))]
            for _ in range(rng.randint(1, 4)):
                parts.append(rng.choice(pool))
    return "".join(parts)


def variants():
    base = json.load(open(FIXTURE))
    gpt2 = {"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}}
    n = len(base["model"]["vocab"])
    added = [
        {"id": n, "content": "<mask>", "single_word": True, "lstrip": True, "rstrip": True, "normalized": False,
         "special": True},
        {"id": base["model"]["vocab"]["Ken"], "content": "Ken", "single_word": True, "lstrip": False,
         "rstrip": False, "normalized": True, "special": False},
        {"id": n + 1, "content": "<|eot_id", "single_word": False, "lstrip": False, "rstrip": True,
         "normalized": False, "special": False},
    ]
    return {"llama3": {}, "gpt2_prefix_space": gpt2, "added_tokens": {"added_tokens_extra": added}}


def apply_variant(base, v):
    j = copy.deepcopy(base)
    if "pre_tokenizer" in v:
        j["pre_tokenizer"] = v["pre_tokenizer"]
    j["added_tokens"] = j["added_tokens"] + v.get("added_tokens_extra", [])
    return Tokenizer.from_str(json.dumps(j))


def tiktoken_encoding(base):
    vocab = base["model"]["vocab"]
    specials = {t["content"] for t in base["added_tokens"]}
    byte_of = {}
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    k = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + k); k += 1
    for b, c in zip(bs, cs):
        byte_of[chr(c)] = b
    ordinary = sorted((i, t) for t, i in vocab.items() if t not in specials)
    ranks = {bytes(byte_of[c] for c in t): r for r, (i, t) in enumerate(ordinary)}
    names = ["<|begin_of_text|>", "<|end_of_text|>"] + [f"<|reserved_special_token_{i}|>" for i in range(4)] + \
            ["<|start_header_id|>", "<|end_header_id|>", "<|reserved_special_token_4|>", "<|eot_id|>"] + \
            [f"<|reserved_special_token_{i}|>" for i in range(5, 251)]
    n = len(ranks)
    return tiktoken.Encoding("fixture", pat_str=LLAMA3, mergeable_ranks=ranks,
                             special_tokens={name: n + i for i, name in enumerate(names)}), n


def main():
    base = json.load(open(FIXTURE))
    texts = [random_text() for _ in range(320)]
    texts += ["", " ", "a", "'S", "'ſ", "I'LL", "x\u00a0\u00a0y", "\u3000東京", "\r\n\r\n  x", "1234567",
              "٣٤٥٦٧", "①②③④", "ⅫⅫ", "👍🏽👍🏽", "a" * 300, "\n" * 40, " " * 60 + "x", "<|eot_id|>" * 3]
    out = {"tokenizers": tokenizers.__version__, "tiktoken": tiktoken.__version__, "texts": texts, "encodings": {}}

    def record(ids_list, decoded_list):
        # decoded text (BOS included) is kept only where it is not BOS + input (stripped whitespace)
        return {"ids": ids_list,
                "decoded": {str(i): d for i, d in enumerate(decoded_list) if d != SPECIALS[0] + texts[i]}}

    for name, v in variants().items():
        tok = apply_variant(base, v)
        encoded = [tok.encode(s, add_special_tokens=True).ids for s in texts]
        rec = record(encoded, [tok.decode(ids, skip_special_tokens=False) for ids in encoded])
        rec["patch"] = v
        out["encodings"][name] = rec
    enc, n = tiktoken_encoding(base)
    encoded = [[n] + enc.encode(s, allowed_special="all") for s in texts]
    out["encodings"]["tiktoken"] = record(encoded, [enc.decode(ids) for ids in encoded])
    with open(os.path.join(HERE, "reference-cases.json"), "w") as f:
        json.dump(out, f, ensure_ascii=True, separators=(",", ":"))

    # Trainer reference: a generated corpus and what BpeTrainer learns from it, read line by line from the file
    names = ["Natalia", "Weng", "Betty", "Zoë", "José", "Łukasz", "Ahmad", "Mei", "Søren", "Chloé"]
    things = ["clips", "apples", "pages", "dollars", "cookies", "marbles", "liters", "tickets", "eggs", "books"]
    lines = []
    for i in range(1500):
        a, b, c = rng.randint(2, 999), rng.randint(2, 99), rng.randint(2, 12)
        n_, t = rng.choice(names), rng.choice(things)
        lines.append(rng.choice([
            f"{n_} had {a} {t}. She gave away {b} and then bought {c} times as many.",
            f"How many {t} does {n_} have now? Let's think step by step: {a} - {b} = {a - b}.",
            f"The answer is \\boxed{{{(a - b) * c}}}. I'm sure it's right, isn't it?",
            f"  {n_}'s {t}\tcost ${a}.{b:02d} — déjà vu, 東京 🚀 ½",
        ]))
    corpus = os.path.join(HERE, "training-corpus.txt")
    with open(corpus, "w", newline="") as f:
        f.write("\n".join(lines) + "\n")
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train([corpus], trainer)
    saved = json.loads(tok.to_str())
    with open(os.path.join(HERE, "training-reference.json"), "w") as f:
        json.dump({"vocab_size": 600, "vocab": saved["model"]["vocab"], "merges": saved["model"]["merges"]}, f,
                  ensure_ascii=True, separators=(",", ":"))
    print("written; vocab", len(saved["model"]["vocab"]), "merges", len(saved["model"]["merges"]))


if __name__ == "__main__":
    main()
