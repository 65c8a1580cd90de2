"""A from-scratch Transformer together with its toy task: tokenising, tracing one sentence, greedy decoding, loading.

:class:`ToyTranslator` pairs a :class:`tlviz.transformer.Transformer` with a
:class:`tlviz.data.parallel.ParallelTask` (its tokeniser and vocabularies). The lesson's heavy results are pure
functions of a translator and the inputs, so a page can cache them once for every student:
:func:`trace_sentence` (one teacher-forced pass with every intermediate, a :class:`SentenceTrace`) and
:func:`greedy_decode` (one :class:`DecodeStep` per output token, a :class:`DecodeTrace`).

Torch is imported lazily (this module defines no ``nn.Module``); everything here is also importable from
:mod:`tlviz.transformer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tlviz import card_notes
from tlviz.errors import InputError
from tlviz.i18n import N_, _

if TYPE_CHECKING:
    from tlviz.transformer import TransformerConfig, TransformerTrace
    from tlviz.transformer_train import Trainer

__all__ = ["CHECKPOINTS", "DEFAULT", "HYPERPARAMETERS", "LIVE", "REVERSE", "SNAPSHOT_PREFIX", "UNTRAINED",
           "DecodeStep", "DecodeTrace", "SentenceTrace", "Seq2SeqModel", "ToyTranslator", "at_step", "caption",
           "describe", "forcing_note", "greedy_batch", "greedy_decode", "load", "model_options", "new_model",
           "open_model", "small_config", "snapshot_label", "snapshot_note", "trace_sentence", "unknown_note",
           "untrained"]

DEFAULT = "Transformer EN→DE (tiny, project-trained)"
REVERSE = "Transformer digit reversal (tiny, project-trained)"
#: The page's model choices besides the catalogue's checkpoints (keys, as in the URL).
UNTRAINED, LIVE = "untrained", "live"
#: Shipped checkpoints by short key (the URL's ``model=``), in the catalogue's order of preference.
CHECKPOINTS = {"en-de": DEFAULT, "reverse": REVERSE}
#: The untrained model's sizes on the page: URL name -> (label, argument of :func:`untrained`, options, default).
HYPERPARAMETERS = {"d": (N_("embedding size d_model"), "d_model", (16, 32, 64, 128), 64),
                   "h": (N_("heads h"), "n_heads", (1, 2, 4, 8), 4),
                   "dk": (N_("query size d_k"), "d_k", (4, 8, 16, 32, 64), 16),
                   "n": (N_("layers N"), "n_layers", (1, 2, 3, 4, 6), 2),
                   "ff": (N_("feed-forward size d_ff"), "d_ff", (32, 64, 128, 256), 128)}
CHOICE_NAMES = {UNTRAINED: N_("Untrained (choose the hyperparameters)"), LIVE: N_("Your live-trained model")}


@dataclass
class ToyTranslator:
    """A Transformer with its task (tokeniser, vocabularies). Shared read-only when loaded through the catalogue."""

    model: Any  # tlviz.transformer.Transformer in eval mode
    task: Any  # tlviz.data.parallel.ParallelTask
    name: str = N_("untrained (random weights)")
    note: str = ""
    metrics: dict = field(default_factory=dict)
    #: the training steps its checkpoint keeps snapshots of (the last one is the finished model); () if none
    snapshots: tuple[int, ...] = ()
    step: int | None = None  # the snapshot this is (None: the finished model, or not from a checkpoint)
    path: str = ""  # its checkpoint file ("" when not loaded from one)
    meta: Any = None  # its checkpoint's CheckpointMeta (None when not loaded from one): the note in any language

    @property
    def config(self) -> TransformerConfig:
        return self.model.config

    def source_ids(self, text: str) -> tuple[list[str], list[int], list[str]]:
        """(tokens, ids with <eos> appended, unknown words). InputError on empty or over-long input."""
        tokens, unknown = self.task.check(text)
        if len(tokens) + 1 > self.config.max_len:
            raise InputError(_("The input is too long for this model (at most {n} tokens).").format(
                n=self.config.max_len - 1))
        return tokens, self.task.src_vocab.encode(tokens) + [self.task.src_vocab.eos_id], unknown

    def target_ids(self, text: str) -> tuple[list[str], list[int], list[int]]:
        """A target sentence as (tokens, decoder input = <sos> + tokens, expected output = tokens + <eos>)."""
        v = self.task.tgt_vocab
        tokens = re.findall(r"[^\W_]+", text.lower()) if text else []
        if self.task.char_level:
            tokens = [ch for w in tokens for ch in (w if w.isdigit() else [w])]
        if len(tokens) + 1 > self.config.max_len:
            raise InputError(_("The target is too long for this model (at most {n} tokens).").format(
                n=self.config.max_len - 1))
        ids = v.encode(tokens)
        return tokens, [v.sos_id] + ids, ids + [v.eos_id]

    def default_target(self, text: str) -> str:
        """The corpus translation when the sentence is in the corpus, else the model's own greedy translation."""
        tokens, _unknown = self.task.check(text)
        ref = self.task.reference(tokens)
        return " ".join(ref) if ref is not None else " ".join(greedy_decode(self, text).output)

    def trace(self, text: str, target: str | None = None, pad: int = 0) -> SentenceTrace:
        return trace_sentence(self, text, target, pad)


Seq2SeqModel = ToyTranslator  # the former name (it shadowed Hugging Face's class of that name)


@dataclass
class SentenceTrace:
    """One sentence's teacher-forced pass: the model's trace and the tokens its axes stand for."""

    trace: TransformerTrace  # batch of one
    source: list[str]  # (Ls,) source tokens incl. <eos>, <unk> and any <pad>, as the encoder sees them
    decoder_input: list[str]  # (Lt,) <sos> + target (the target shifted right)
    expected: list[str]  # (Lt,) target + <eos>
    unknown: list[str]  # words of the source and the target outside the vocabularies, in order


def trace_sentence(translator: ToyTranslator, text: str, target: str | None = None, pad: int = 0) -> SentenceTrace:
    """Teacher-forced forward pass of one sentence with every intermediate.

    Without ``target``: :meth:`ToyTranslator.default_target`. ``pad`` appends that many <pad> tokens to the source
    (as in a batch) and masks them. InputError on an empty or over-long source or target.
    """
    import torch

    from tlviz.transformer import small_work

    _tokens, src, unknown = translator.source_ids(text)
    if target is None or not target.strip():
        target = translator.default_target(text)
    t_tokens, dec_in, dec_out = translator.target_ids(target)
    real = len(src)
    src = src + [translator.task.src_vocab.pad_id] * max(0, min(pad, translator.config.max_len - real))
    src_mask = torch.arange(len(src))[None] < real  # (1, Ls) True = real token
    with small_work("Transformer forward pass"):
        _logits, trace = translator.model(torch.tensor([src]), torch.tensor([dec_in]), src_mask, return_trace=True)
    sv, tv = translator.task.src_vocab, translator.task.tgt_vocab
    unknown = list(dict.fromkeys(unknown + tv.unknown(t_tokens)))
    return SentenceTrace(trace, sv.decode(src), tv.decode(dec_in), tv.decode(dec_out), unknown)


def new_model(task, config: TransformerConfig | None = None, seed: int = 0, **overrides) -> ToyTranslator:
    """An untrained model for ``task`` (``small`` size unless ``config``/``overrides`` say otherwise)."""
    import torch

    from tlviz.transformer import Transformer, TransformerConfig

    torch.manual_seed(seed)
    cfg = config or TransformerConfig.small(len(task.src_vocab), len(task.tgt_vocab), **overrides)
    return ToyTranslator(Transformer(cfg).eval(), task)


def small_config(task_name: str, d_model: int = 64, n_heads: int = 4, d_k: int | None = None, n_layers: int = 2,
                 d_ff: int = 128) -> TransformerConfig:
    """``TransformerConfig.small`` for a task's vocabularies with the page's hyperparameters."""
    from tlviz.data.parallel import get_task
    from tlviz.transformer import TransformerConfig

    task = get_task(task_name)
    return TransformerConfig.small(len(task.src_vocab), len(task.tgt_vocab), d_model=d_model, n_heads=n_heads,
                                   d_k=d_k, n_layers=n_layers, d_ff=d_ff)


def untrained(task_name: str, d_model: int = 64, n_heads: int = 4, d_k: int | None = None, n_layers: int = 2,
              d_ff: int = 128, seed: int = 0) -> ToyTranslator:
    """A shared, read-only untrained model with these hyperparameters (seeded: the same for every student)."""
    from tlviz import models
    from tlviz.data.parallel import get_task

    cfg = small_config(task_name, d_model, n_heads, d_k, n_layers, d_ff)
    return models.cached(("transformer-untrained", task_name, cfg, seed),
                         lambda: new_model(get_task(task_name), cfg, seed=seed))


def describe(cfg: TransformerConfig) -> str:
    return _("{layers} layers, {heads} heads, d_model {d_model}, d_k {d_k}, d_ff {d_ff}").format(
        layers=cfg.n_layers, heads=cfg.n_heads, d_model=cfg.d_model, d_k=cfg.head_dim, d_ff=cfg.d_ff)


def caption(translator: ToyTranslator) -> str:
    """One line about a translator: name, sizes, parameters and its checkpoint's note on quality."""
    from tlviz.transformer import count_parameters

    parts = (f"**{_(translator.name)}**", describe(translator.config),
             _("{n:,} parameters").format(n=count_parameters(translator.model)),
             card_notes.note(translator.meta) if translator.meta is not None else translator.note)
    return " · ".join(p for p in parts if p)


def forcing_note(view: SentenceTrace) -> str:
    """The teacher-forcing pair of a traced sentence, as markdown."""
    return _("Decoder input (shifted right): `{inp}` → expected output: `{out}`").format(
        inp=" ".join(view.decoder_input), out=" ".join(view.expected))


def unknown_note(view: SentenceTrace, translator: ToyTranslator) -> str:
    """A warning naming the words shown as <unk> ("" when every word is known)."""
    if not view.unknown:
        return ""
    return _("Not in the vocabulary, shown as <unk>: {words}. This model only knows the {src} source and {tgt} "
             "target words of its corpus.").format(words=", ".join(view.unknown),
                                                   src=len(translator.task.src_vocab) - 4,
                                                   tgt=len(translator.task.tgt_vocab) - 4)


def model_options(live: bool = False) -> dict[str, str]:
    """The page's model choices, key -> name (untranslated): the shipped checkpoints, the untrained model and,
    when ``live``, the student's live-trained one."""
    options = dict(CHECKPOINTS)
    options[UNTRAINED] = CHOICE_NAMES[UNTRAINED]
    if live:
        options[LIVE] = CHOICE_NAMES[LIVE]
    return options


def open_model(choice: str, task_name: str, hyper: dict | None = None, trainer: Trainer | None = None
               ) -> ToyTranslator:
    """The translator a page choice stands for: a checkpoint key, :data:`UNTRAINED` (with ``hyper``, the
    keyword arguments of :func:`untrained`) or :data:`LIVE` (``trainer``'s model)."""
    if choice == LIVE:
        if trainer is None:
            raise InputError(_("There is no live-trained model yet: train one first."))
        return trainer.translator
    if choice == UNTRAINED:
        return untrained(task_name, **(hyper or {}))
    if choice not in CHECKPOINTS:
        raise InputError(_("Unknown model '{name}'.").format(name=choice))
    return load(CHECKPOINTS[choice])


# --------------------------------------------------------------------------------------------- greedy decoding

@dataclass
class DecodeStep:
    """One step of greedy decoding: what the decoder was fed and what it chose."""

    decoder_input: list[str]  # <sos> + the output so far (the whole prefix is re-fed each step)
    probs: np.ndarray  # (V,) next-token distribution at the last position
    chosen: str
    chosen_id: int
    cross_attention: np.ndarray  # (layers, h, Ls) the last position's encoder-decoder attention
    self_attention: np.ndarray  # (layers, h, t) the last position's masked self-attention

    def top(self, vocab, k: int = 5) -> list[tuple[str, float]]:
        order = np.argsort(-self.probs)[:k]
        return [(vocab.tokens[i], float(self.probs[i])) for i in order]


@dataclass
class DecodeTrace:
    source: list[str]  # source tokens incl. <unk> and <eos>, as the encoder sees them
    unknown: list[str]  # words outside the vocabulary
    steps: list[DecodeStep]
    output: list[str]  # the translation, without <eos>
    finished: bool  # True when <eos> was produced (False: stopped at the length limit)


def greedy_decode(translator: ToyTranslator, text: str, max_steps: int | None = None) -> DecodeTrace:
    """Encode the source once, then feed <sos> + the output so far and take the most probable next token, until
    <eos> or ``max_steps`` (default: the model's max_len - 1)."""
    import torch

    from tlviz.transformer import small_work

    _tokens, src_ids, unknown = translator.source_ids(text)
    tv, cfg = translator.task.tgt_vocab, translator.config
    limit = min(max_steps or cfg.max_len - 1, cfg.max_len - 1)
    steps: list[DecodeStep] = []
    out_ids: list[int] = []
    finished = False
    model = translator.model
    with small_work("greedy decoding"):
        memory, _rec = model.encode(torch.tensor([src_ids]))  # steps 1-2 of the lecture happen once
        for _step in range(limit):
            dec_in = [tv.sos_id] + out_ids
            logits, (_emb, _pos, traces) = model.decode(torch.tensor([dec_in]), memory, record=True)
            probs = torch.softmax(logits[0, -1], dim=-1).numpy()  # (V,)
            nxt = int(probs.argmax())
            steps.append(DecodeStep(
                decoder_input=tv.decode(dec_in), probs=probs, chosen=tv.tokens[nxt], chosen_id=nxt,
                cross_attention=np.stack([t.cross_attn.weights[0, :, -1] for t in traces]),  # (layers, h, Ls)
                self_attention=np.stack([t.self_attn.weights[0, :, -1] for t in traces])))  # (layers, h, t)
            if nxt == tv.eos_id:
                finished = True
                break
            out_ids.append(nxt)
    return DecodeTrace(translator.task.src_vocab.decode(src_ids), unknown, steps, tv.decode(out_ids), finished)


def greedy_batch(model, src, src_mask, sos_id: int, eos_id: int, max_steps: int, pad_id: int = 0):
    """Greedy decoding for a batch (evaluation). Returns ids (B, <= max_steps); <eos> and what follows are -1."""
    import torch

    memory, _rec = model.encode(src, src_mask)
    ys = torch.full((src.shape[0], 1), sos_id, dtype=torch.long)  # (B, 1)
    done = torch.zeros(src.shape[0], dtype=torch.bool)
    outs = []
    for _step in range(max_steps):
        logits, _rec = model.decode(ys, memory, src_mask)
        nxt = logits[:, -1].argmax(-1)  # (B,)
        finished_now = done | (nxt == eos_id)
        outs.append(torch.where(finished_now, torch.full_like(nxt, -1), nxt))
        ys = torch.cat([ys, torch.where(done, torch.full_like(nxt, pad_id), nxt)[:, None]], dim=1)  # (B, t + 1)
        done = finished_now
        if done.all():
            break
    return torch.stack(outs, dim=1)


# --------------------------------------------------------------------------------------------- loading

#: Weights of the snapshots along training sit in the checkpoint file beside the finished model's, under
#: ``snapshot.<step>.<parameter name>`` (fp16); the header's ``extra["snapshots"]`` lists the steps.
SNAPSHOT_PREFIX = "snapshot."


def _weights_at(state: dict, step: int | None) -> dict:
    """The finished model's weights (``step=None``) or those of the snapshot at ``step``."""
    if step is None:
        return {k: v for k, v in state.items() if not k.startswith(SNAPSHOT_PREFIX)}
    prefix = f"{SNAPSHOT_PREFIX}{step}."
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def at_step(translator: ToyTranslator, step: int | None) -> ToyTranslator:
    """The same checkpoint's model as it was after training ``step`` (one of ``translator.snapshots``); the last
    snapshot, ``None``, or a translator without snapshots: ``translator`` itself. InputError for a step the
    checkpoint did not keep."""
    if step is None or not translator.snapshots or step == translator.snapshots[-1]:
        return translator
    if step not in translator.snapshots:
        raise InputError(_("This model kept snapshots after training steps {steps} only, not {step}.").format(
            steps=", ".join(map(str, translator.snapshots)), step=step))
    return load(translator.path, step=step)


def snapshot_label(step: int, last: int) -> str:
    """A snapshot's name on the page: "step 50", "step 0 (untrained)", "step 4000 (finished)"."""
    name = _("step {n}").format(n=step)
    return name + (_(" (untrained)") if step == 0 else _(" (finished)") if step == last else "")


def snapshot_note(translator: ToyTranslator, step: int) -> str:
    """One line on a snapshot of ``translator``'s checkpoint: how far training had got, its held-out accuracy."""
    acc = translator.metrics.get("snapshot_held_out_token_accuracy", {}).get(str(step))
    line = _("After {step} of {total} training steps").format(step=step, total=translator.snapshots[-1])
    if acc is not None:
        line += _(": held-out token accuracy {acc:.1%}").format(acc=acc)
    return line + ". " + _("The earlier the snapshot, the flatter its next-word distribution.")


def load(name_or_path: str = DEFAULT, step: int | None = None) -> ToyTranslator:
    """A project checkpoint (catalogue name or .safetensors path) as a read-only :class:`ToyTranslator`:
    the finished model, or (``step``) its snapshot after that many training steps."""
    from pathlib import Path

    from tlviz import checkpoints, models
    from tlviz.data.parallel import get_task

    card = models.find_card(name_or_path, "transformer")
    path = Path(card.ref if card else name_or_path)
    if not path.is_file():
        raise InputError(_("No Transformer checkpoint named '{name}'. Run `python -m tlviz.recipes.transformer_toy` "
                           "to make the project's checkpoints.").format(name=name_or_path))

    def factory() -> ToyTranslator:
        from tlviz.transformer import Transformer, TransformerConfig

        state, meta = checkpoints.load(path)
        if meta.family != "transformer":
            raise InputError(_("{file} is a {family} checkpoint, not a Transformer.").format(
                file=path.name, family=meta.family))
        kept = tuple(meta.extra.get("snapshots", ()))
        snapshots = (*kept, int(meta.metrics.get("steps", 0))) if kept else ()
        if step is not None and step not in kept:
            raise InputError(_("{file} keeps no snapshot after training step {step}.").format(file=path.name,
                                                                                            step=step))
        model = Transformer(TransformerConfig(**meta.config))
        model.load_state_dict(_weights_at(state, step))
        for p in model.parameters():
            p.requires_grad_(False)
        return ToyTranslator(model.eval(), get_task(meta.extra["task"]), name=meta.name, note=meta.note,
                             metrics=meta.metrics, snapshots=snapshots, step=step, path=str(path), meta=meta)

    return models.cached(("transformer", str(path.resolve()), step), factory)
