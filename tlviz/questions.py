"""The lecture's class questions: predict first, then reveal what the model actually does, computed live.

Every lesson has at least two questions (:data:`QUESTIONS`, keyed by the lesson's URL path, e.g. ``"bert"``).
A question offers fixed choices (multiple choice, or a number as ranges); :func:`reveal` runs the engine on the
lecture's own example and returns the choice the model's numbers pick, with a short explanation quoting them.
Choices are English source strings, stored as is in the class store (a Greek and an English student answer the
same key) and translated where shown: ``_(choice)``. Nothing here is cached; pages wrap :func:`reveal` in
``ui.shared`` (the transfer lab's reveals depend on the class's runs, passed in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import N_, _


@dataclass(frozen=True)
class Reveal:
    """What the model does: ``answer`` (one of the question's choices), why, and the numbers behind it."""

    answer: str
    explanation: str
    numbers: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LectureQuestion:
    qid: str  # unique over all lessons, stored in the class store
    lesson: str  # the lesson's URL path ("bert")
    prompt: str  # N_-marked: shown as _(prompt)
    choices: tuple[str, ...]  # N_-marked (or plain words): shown as _(choice)
    compute: Callable[[Sequence[dict]], Reveal]  # the class's posted runs in, the live answer out
    uses_runs: bool = False


def _band(value: float, bands: Sequence[tuple[float, str]]) -> str:
    """The choice of the first band whose upper limit is above ``value`` (the last band catches the rest)."""
    for upper, choice in bands:
        if value < upper:
            return choice
    return bands[-1][1]


# ------------------------------------------------------------------ seq2seq attention (the worked example)
H_CHOICES = ("h1 = [0, 1, 1]", "h2 = [5, 0, 1]", "h3 = [1, 1, 0]", "h4 = [0, 5, 1]")


def _s2s_most() -> Reveal:
    from tlviz import attention

    ex = attention.worked_example()
    best = int(np.argmax(ex.weights))
    return Reveal(H_CHOICES[best], _("Scores (dot products with s = [10, 5, 10]): {scores}. The softmax turns them "
                                     "into {weights}: h{k} takes almost all the attention.").format(
        scores=", ".join(f"{v:g}" for v in ex.scores), weights=", ".join(f"{w:.3f}" for w in ex.weights), k=best + 1),
        {"weight": float(ex.weights[best])})


TEMPERATURE_CHOICES = (N_("it rises"), N_("it stays within 0.05 of 1"), N_("it falls by more than 0.05"))


def _s2s_temperature() -> Reveal:
    from tlviz import attention

    hot, cool = attention.worked_example(softmax_temperature=10.0), attention.worked_example()
    change = float(hot.weights[1] - cool.weights[1])
    answer = TEMPERATURE_CHOICES[0] if change > 0.05 else TEMPERATURE_CHOICES[1] if change > -0.05 \
        else TEMPERATURE_CHOICES[2]
    return Reveal(answer, _("At T = 1 the weight of h2 is {a:.3f}; at T = 10 the scores shrink to {s} and its weight "
                            "is {b:.3f}. A higher temperature flattens the distribution.").format(
        a=cool.weights[1], b=hot.weights[1], s=", ".join(f"{v:g}" for v in hot.scores / 10)), {"change": change})


# ------------------------------------------------------------------ positional encoding
RATIO_CHOICES = ("2", "2π", "100", "10,000")


def _pe_ratio() -> Reveal:
    from tlviz import positional

    w = positional.wavelengths(4)
    ratio = float(w[1] / w[0])
    values = {"2": 2.0, "2π": 2 * np.pi, "100": 100.0, "10,000": 1e4}
    answer = min(values, key=lambda c: abs(np.log(values[c] / ratio)))
    return Reveal(answer, _("With d_model = 4 the two pairs have wavelengths {a:.2f} and {b:.1f}: ratio {r:.1f} = "
                            "10000^(2/4). The progression reaches 10,000·2π only with many dimensions.").format(
        a=w[0], b=w[1], r=ratio), {"ratio": ratio})


SHIFT_CHOICES = (N_("yes: one matrix for every position"), N_("no: the matrix depends on the position"),
                 N_("only for k = 1"))


def _pe_shift() -> Reveal:
    from tlviz import positional

    errors = [positional.shift_check(5, pos, 16).error for pos in range(0, 200, 7)]
    worst = float(max(errors))
    answer = SHIFT_CHOICES[0] if worst < 1e-9 else SHIFT_CHOICES[1]
    return Reveal(answer, _("One fixed matrix M (2×2 rotations by k·ω_i) maps PE(pos) to PE(pos + 5) for all {n} "
                            "positions tried: the largest error is {e:.1e}, float rounding.").format(
        n=len(errors), e=worst), {"error": worst})


# ------------------------------------------------------------------ masks
MASK_TEXT = "the cat drinks milk\nyou are welcome\nhello"
LEAK_CHOICES = (N_("the future words the decoder must predict"), N_("the padding"), N_("nothing: the softmax "
                                                                                        "hides it"))


def _mask_leak() -> Reveal:
    from tlviz import masks

    leak = masks.lesson(MASK_TEXT, causal=False).attention.leak(True, ("padding", "future"))  # padding mask only
    answer = LEAK_CHOICES[0] if leak["future"] > 0.01 else LEAK_CHOICES[2]
    return Reveal(answer, _("With only the padding mask, real words give {f:.0%} of their attention to later "
                            "words and {p:.0%} to padding: the decoder would copy the answer instead of predicting "
                            "it.").format(
        f=leak["future"], p=leak["padding"]), leak)


PAD_CHOICES = (N_("exactly 0%"), N_("a little (under 5%)"), N_("5% or more"))


def _mask_padding() -> Reveal:
    from tlviz import masks

    share = masks.lesson(MASK_TEXT, causal=True).attention.leak(True, ("padding",))["padding"]
    answer = _band(share, [(1e-12, PAD_CHOICES[0]), (0.05, PAD_CHOICES[1]), (np.inf, PAD_CHOICES[2])])
    return Reveal(answer, _("Masked scores are set to −∞ before the softmax, and exp(−∞) = 0: [PAD] gets {p:.1%} of "
                            "the attention.").format(p=share), {"padding": share})


# ------------------------------------------------------------------ the Transformer: sqrt(d_k)
D_K, KEYS = 64, 10
PEAK_CHOICES = (N_("about 0.1: spread evenly"), N_("about 0.3"), N_("about 0.6"), N_("above 0.8: almost one key"))


def _softmax_rows(scale: bool):
    """Mean largest weight and mean |d softmax / d score| over 500 rows of random unit-variance q, k (seeded)."""
    import torch

    from tlviz import attention

    g = torch.Generator().manual_seed(0)
    q = torch.randn(500, 1, D_K, generator=g)  # (rows, 1, d_k)
    k = torch.randn(500, KEYS, D_K, generator=g)  # (rows, keys, d_k)
    q = q if scale else q * D_K ** 0.5  # unscaled = the engine's scaled attention of q·sqrt(d_k)
    with torch.no_grad():
        _out, w = attention.scaled_dot_product(q, k, k)  # w (rows, 1, keys)
    peak = float(w.max(-1).values.mean())
    s = w.squeeze(1)  # (rows, keys)
    jac = torch.diag_embed(s) - s[:, :, None] * s[:, None, :]  # (rows, keys, keys) softmax Jacobian
    return peak, float(jac.abs().mean())


def _tf_peak() -> Reveal:
    peak, _g = _softmax_rows(scale=False)
    scaled, _g2 = _softmax_rows(scale=True)
    answer = _band(peak, [(0.2, PEAK_CHOICES[0]), (0.45, PEAK_CHOICES[1]), (0.8, PEAK_CHOICES[2]),
                          (np.inf, PEAK_CHOICES[3])])
    return Reveal(answer, _("Random q, k with d_k = {d}: dot products have a spread of about √{d} = {s:.0f}. Without "
                            "the scaling the largest of {n} weights is {p:.2f} on average; with it, {q:.2f}.").format(
        d=D_K, s=D_K ** 0.5, n=KEYS, p=peak, q=scaled), {"peak": peak, "scaled": scaled})


GRAD_CHOICES = (N_("they grow"), N_("they stay about the same"), N_("they shrink towards zero"))


def _tf_gradients() -> Reveal:
    _p, unscaled = _softmax_rows(scale=False)
    _p2, scaled = _softmax_rows(scale=True)
    ratio = unscaled / scaled
    answer = GRAD_CHOICES[0] if ratio > 1.5 else GRAD_CHOICES[1] if ratio > 0.67 else GRAD_CHOICES[2]
    return Reveal(answer, _("The softmax's mean gradient |∂weight/∂score| is {a:.4f} without the scaling and {b:.4f} "
                            "with it ({r:.0%}): a saturated softmax barely passes gradients back.").format(
        a=unscaled, b=scaled, r=ratio), {"ratio": ratio})


# ------------------------------------------------------------------ BERT (the packaged MiniLM)
IT_TIRED = "The animal didn't cross the street because it was too tired."
IT_WIDE = "The animal didn't cross the street because it was too wide."
IT_LAYER, IT_HEAD = 4, 2  # 1-based, as the page shows them
IT_CHOICES = ("animal", "street", "cross", "tired", N_("itself ('it')"), N_("[CLS] or [SEP]"))
SHIFT_WORD_CHOICES = (N_("more"), N_("about the same (within 0.05)"), N_("less"))


def _it_row(text: str) -> tuple[list[str], np.ndarray]:
    from tlviz import bert

    trace = bert.attentions(bert.load(), text, with_qk=False)
    it = trace.tokens.index("it")
    return trace.tokens, trace.weights[IT_LAYER - 1, IT_HEAD - 1, it]  # (T,)


def _word_of(token: str) -> str:
    if token in ("[CLS]", "[SEP]"):
        return IT_CHOICES[5]
    return IT_CHOICES[4] if token == "it" else token


def _bert_it() -> Reveal:
    tokens, row = _it_row(IT_TIRED)
    share: dict[str, float] = {}
    for token, w in zip(tokens, row, strict=True):
        share[_word_of(token)] = share.get(_word_of(token), 0.0) + float(w)
    offered = {c: share.get(c, 0.0) for c in IT_CHOICES}
    answer = max(offered, key=offered.get)
    return Reveal(answer, _("Layer {l}, head {h} of MiniLM: 'it' gives {a:.0%} of its attention to '{w}' ({o}). This "
                            "head links the pronoun to what it refers to.").format(
        l=IT_LAYER, h=IT_HEAD, a=offered[answer], w=_(answer),
        o=", ".join(f"{_(c)} {v:.0%}" for c, v in offered.items() if c != answer)), offered)


def _bert_wide() -> Reveal:
    tired, wide = (float(_it_row(t)[1][2]) for t in (IT_TIRED, IT_WIDE))  # token 2 = "animal"
    change = wide - tired
    answer = SHIFT_WORD_CHOICES[0] if change > 0.05 else SHIFT_WORD_CHOICES[1] if change > -0.05 \
        else SHIFT_WORD_CHOICES[2]
    return Reveal(answer, _("'it' → 'animal' in layer {l}, head {h}: {a:.0%} with 'tired', {b:.0%} with 'wide'. One "
                            "word at the end changes what 'it' refers to, and the head follows.").format(
        l=IT_LAYER, h=IT_HEAD, a=tired, b=wide), {"tired": tired, "wide": wide})


# ------------------------------------------------------------------ Vision Transformer (the offline default)
CLS_CHOICES = (N_("on the animal"), N_("on the black background"), N_("evenly everywhere"))
TOKEN_CHOICES = ("16", "49", "50", "784")


def _vit_trace():
    from tlviz import vit

    model = vit.load()
    return vit.attentions(model, vit.load_sample(vit.sample_names(model)[0]))


def _vit_cls() -> Reveal:
    trace = _vit_trace()
    att = trace.cls_maps()[-1].mean(0)  # (rows, cols) last layer, heads averaged
    r, c = trace.grid
    p = trace.patch_size
    bright = trace.pixels[: r * p, : c * p].mean(-1).reshape(r, p, c, p).mean((1, 3)) > 40  # (rows, cols) animal
    on_animal, area = float(att[bright].sum() / att.sum()), float(bright.mean())
    lift = on_animal / max(area, 1e-9)
    answer = CLS_CHOICES[0] if lift > 1.2 else CLS_CHOICES[1] if lift < 0.8 else CLS_CHOICES[2]
    return Reveal(answer, _("In the last layer (heads averaged) [CLS] gives {a:.0%} of its patch attention to the "
                            "animal's patches, which cover {b:.0%} of the image.").format(a=on_animal, b=area),
                  {"on_animal": on_animal, "area": area})


def _vit_tokens() -> Reveal:
    trace = _vit_trace()
    n = int(trace.weights.shape[-1])
    r, c = trace.grid
    return Reveal(str(n) if str(n) in TOKEN_CHOICES else TOKEN_CHOICES[-1],
                  _("{s}×{s} px in {p}×{p} patches: {r}×{c} = {k} patch tokens, plus [CLS] = {n} tokens.").format(
                      s=r * trace.patch_size, p=trace.patch_size, r=r, c=c, k=r * c, n=n), {"tokens": n})


# ------------------------------------------------------------------ the transfer lab (the class's runs)
def _strategy_question(metric: str, runs: Sequence[dict]) -> Reveal:
    from tlviz import class_runs

    medians = class_runs.strategy_medians(runs, metric)
    if not medians:
        raise InputError(_("No runs have been posted to the class yet: train one in the transfer lab first."))
    best = max(medians, key=medians.get)
    text = ", ".join(f"{_(class_runs.STRATEGY_NAMES.get(s, s))} {v:.2f}" for s, v in medians.items())
    what = _("starts") if metric == "start" else _("ends")
    return Reveal(class_runs.STRATEGY_NAMES.get(best, best), _("Median over the class's {n} runs ({text}): {best} "
                                                               "{what} highest.").format(
        n=len(runs), text=text, best=_(class_runs.STRATEGY_NAMES.get(best, best)), what=what), medians)


def _strategy_choices() -> tuple[str, ...]:
    from tlviz import class_runs

    return tuple(class_runs.STRATEGY_NAMES.values())


def _q(qid, lesson, prompt, choices, fn, uses_runs=False) -> LectureQuestion:
    compute = fn if uses_runs else (lambda _runs, fn=fn: fn())
    return LectureQuestion(qid, lesson, prompt, tuple(choices), compute, uses_runs)


QUESTIONS: dict[str, tuple[LectureQuestion, ...]] = {
    "seq2seq_attention": (
        _q("s2s-most", "seq2seq_attention", N_("Decoder state s = [10, 5, 10]. Which encoder state gets the most "
                                               "attention?"), H_CHOICES, _s2s_most),
        _q("s2s-temp", "seq2seq_attention", N_("Divide the scores by a temperature T = 10 before the softmax. What "
                                               "happens to h2's weight (about 1 at T = 1)?"), TEMPERATURE_CHOICES,
           _s2s_temperature)),
    "positional_encoding": (
        _q("pe-ratio", "positional_encoding", N_("In the lecture's d_model = 4 example, how many times longer is the "
                                                 "second sine's wavelength than the first's?"), RATIO_CHOICES,
           _pe_ratio),
        _q("pe-shift", "positional_encoding", N_("Can PE(pos + 5) be computed from PE(pos) by one fixed linear map, "
                                                 "the same for every pos?"), SHIFT_CHOICES, _pe_shift)),
    "masks": (
        _q("mask-leak", "masks", N_("Decoder self-attention with the look-ahead mask forgotten (padding still masked): "
                                    "what leaks?"), LEAK_CHOICES, _mask_leak),
        _q("mask-pad", "masks", N_("With the masks in place, what share of the attention goes to [PAD] tokens?"),
           PAD_CHOICES, _mask_padding)),
    "transformer": (
        _q("tf-peak", "transformer", N_("Drop the √d_k scaling (d_k = 64, 10 keys, random q and k). The largest "
                                        "softmax weight of a row is then typically…"), PEAK_CHOICES, _tf_peak),
        _q("tf-grad", "transformer", N_("And the gradients flowing back through that softmax, compared with the "
                                        "scaled one?"), GRAD_CHOICES, _tf_gradients)),
    "bert": (
        _q("bert-it", "bert", N_("\"The animal didn't cross the street because it was too tired.\" Which word does "
                                 "'it' attend to most in layer 4, head 2?"), IT_CHOICES, _bert_it),
        _q("bert-wide", "bert", N_("Now '…because it was too wide.' In the same head, does 'it' attend to 'animal' "
                                   "more, the same or less?"), SHIFT_WORD_CHOICES, _bert_wide)),
    "vit": (
        _q("vit-cls", "vit", N_("The default ViT reads an animal silhouette. Where does [CLS] attend in the last "
                                "layer?"), CLS_CHOICES, _vit_cls),
        _q("vit-tokens", "vit", N_("How many tokens does its encoder read for a 28×28 image in 4×4 patches?"),
           TOKEN_CHOICES, _vit_tokens)),
    "transfer_lab": (
        _q("tl-start", "transfer_lab", N_("Which strategy starts higher (validation accuracy after the first "
                                          "epoch)?"), _strategy_choices(),
           lambda runs: _strategy_question("start", runs), uses_runs=True),
        _q("tl-end", "transfer_lab", N_("Which strategy ends higher (its asymptote)?"), _strategy_choices(),
           lambda runs: _strategy_question("asymptote", runs), uses_runs=True)),
}

BY_ID: dict[str, LectureQuestion] = {q.qid: q for qs in QUESTIONS.values() for q in qs}


def for_lesson(lesson: str) -> tuple[LectureQuestion, ...]:
    return QUESTIONS.get(lesson, ())


def get(qid: str) -> LectureQuestion:
    if qid not in BY_ID:
        raise InputError(_("There is no lecture question '{qid}'.").format(qid=str(qid)[:80]))
    return BY_ID[qid]


def reveal(qid: str, runs: Sequence[dict] = ()) -> Reveal:
    """The model's actual answer to question ``qid``, computed now (``runs``: the class's posted runs)."""
    question = get(qid)
    result = question.compute(list(runs))
    assert result.answer in question.choices, (qid, result.answer)
    return result
