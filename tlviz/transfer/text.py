"""Transfer learning for text: a BERT-architecture encoder cut into the lab's stages (embeddings, encoder layer
1..N, a new classification head on [CLS] or on the mean of the word vectors), trained by the image lab's own
trainer (:func:`tlviz.transfer.train`), its plans, queue and run bookkeeping.

Between stages a batch travels as ONE float tensor ``(B, T, H + 1)``: the hidden states and, as the last channel,
the padding mask (1 = a real word piece). So the trainer's frozen-prefix cache stores, slices and concatenates it
like an image feature map, and each encoder layer still knows which positions are padding. The token ids enter as
``(B, T)`` int64 (padding = the tokenizer's pad id); ``normalise`` is the identity.

A frozen stage runs in eval mode (no dropout), so it is a fixed function of its input: the cached path gives the
same losses and gradients as running the encoder every step (tested on a tiny BERT).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tlviz import models
from tlviz.errors import InputError
from tlviz.i18n import N_, _
from tlviz.transfer.lab import Run, RunSpec, follow, trainer
from tlviz.transfer.stages import Stage, TransferModel

#: How the head reads the sentence.
POOLING = {"cls": N_("[CLS] token: the vector of the first position, which BERT's pretraining (next-sentence "
                     "prediction) trained to summarise the input"),
           "mean": N_("Mean pooling: the average of every real word piece's vector (padding excluded), as "
                      "sentence-transformers (and so this MiniLM) were trained")}


def _classifier_module(base, num_classes: int, dropout: float = 0.1):
    import torch.nn as nn

    class TextClassifier(nn.Module):
        """The encoder (embeddings + layers of a transformers BERT, without its pooler) and a new linear head."""

        def __init__(self):
            super().__init__()
            self.bert = base
            self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(base.config.hidden_size, num_classes))

    return TextClassifier()


def _extended_mask(mask):
    """(B, T) 1/0 -> additive (B, 1, 1, T): 0 where a key is a real word piece, the dtype's minimum at padding."""
    import torch

    return (1.0 - mask[:, None, None, :]) * torch.finfo(mask.dtype).min


class TextTransferModel(TransferModel):
    """A BERT-family encoder with a new ``len(labels)``-class head on ``pooling`` ("cls" or "mean").

    ``model`` is a private, trainable copy; ``model.bert`` is a transformers ``BertModel`` (attention traces read it
    directly) and ``model.head`` the new classifier. ``input_size`` is the padded length T the data must have.
    """

    def __init__(self, model, arch: str, labels: Sequence[str], pretrained: bool, input_size: int, pad_id: int = 0,
                 pooling: str = "cls", source_name: str = "", tokenizer: Any = None):
        if pooling not in POOLING:
            raise InputError(_("Pooling is 'cls' or 'mean', not '{p}'.").format(p=pooling))
        self.pad_id, self.pooling, self.tokenizer = int(pad_id), pooling, tokenizer
        self.model, self.arch, self.labels, self.pretrained = model, arch, list(labels), pretrained
        self.input_size, self.source_name = int(input_size), source_name or arch
        self.mean = self.std = ()
        self.stages = self._text_stages()
        self._stage_params = self._assign_params()

    def _text_stages(self) -> list[Stage]:
        import torch

        bert, head = self.model.bert, self.model.head

        def embed(ids):  # (B, T) int64 -> (B, T, H + 1)
            mask = (ids != self.pad_id).float()
            h = bert.embeddings(input_ids=ids)
            return torch.cat([h, mask[..., None].to(h.dtype)], -1)

        def layer(i):
            block = bert.encoder.layer[i]

            def run(x):  # (B, T, H + 1) -> (B, T, H + 1)
                h, mask = x[..., :-1], x[..., -1]
                out = block(h, _extended_mask(mask))
                out = out[0] if isinstance(out, tuple) else out
                return torch.cat([out, mask[..., None]], -1)
            return run

        def classify(x):  # (B, T, H + 1) -> (B, C)
            h, mask = x[..., :-1], x[..., -1:]
            if self.pooling == "cls":
                pooled = h[:, 0]  # (B, H)
            else:
                pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # (B, H)
            return head(pooled)

        n = len(bert.encoder.layer)
        stages = [Stage("embeddings", ("bert.embeddings",), embed)]
        stages += [Stage(f"layer {i + 1}", (f"bert.encoder.layer.{i}",), layer(i)) for i in range(n)]
        stages.append(Stage("head ([CLS])" if self.pooling == "cls" else "head (mean)", ("head",), classify,
                            new=True))
        return stages

    def __deepcopy__(self, memo):
        return TextTransferModel(copy.deepcopy(self.model, memo), self.arch, self.labels, self.pretrained,
                                 self.input_size, self.pad_id, self.pooling, self.source_name, self.tokenizer)

    def normalise(self, ids):
        return ids

    def forward_from(self, x, start: int = 0, stop: int | None = None):
        if start == 0 and x.is_floating_point():
            # The trainer probes image networks with a float image to size the cache: text takes token ids, so
            # a text run states its cache choice (default_config does).
            raise InputError(_("A text network takes token ids, not images: train it with "
                               "tlviz.transfer.text.default_config() (the cache set explicitly)."))
        return super().forward_from(x, start, stop)

    def logits(self, ids):
        """``forward_from(ids, 0)`` in eval mode without gradients: (B, C)."""
        import torch

        self.model.eval()
        with torch.no_grad():
            return self.forward_from(ids, 0)


def _base_encoder(model):
    """The bare BERT encoder inside a transformers model (BertModel, or the ``bert`` of BertForMaskedLM)."""
    base = getattr(model, getattr(model, "base_model_prefix", ""), model)
    if not (hasattr(base, "embeddings") and hasattr(getattr(base, "encoder", None), "layer")):
        raise InputError(_("The lab retrains BERT-architecture encoders (embeddings + encoder layers); this model "
                           "is a {kind}.").format(kind=type(model).__name__))
    return base


def build(backbone: str | None = None, labels: Sequence[str] = ("negative", "positive"), pretrained: bool = True,
          input_size: int = 64, pooling: str = "cls", seed: int | None = 0) -> TextTransferModel:
    """A trainable copy of ``backbone`` (catalogue name, hub id or folder; default the packaged MiniLM-L6) with a new
    head. ``pretrained=False``: the same architecture randomly initialised (transformers' initialisation), the
    "from scratch" run. ``seed`` fixes the new head (or every weight from scratch) on a private random stream."""
    from tlviz import bert, runtime

    labels = list(labels)
    if len(labels) < 2:
        raise InputError(_("Training a classifier needs at least two classes."))
    handle = bert.load(backbone or bert.DEFAULT)  # shared and read-only: copied, never trained
    base = _base_encoder(handle.model)

    def make():
        if pretrained:
            enc = copy.deepcopy(base)
        else:
            enc = type(base)(base.config, add_pooling_layer=False)
        enc.pooler = None  # unused: its weights would otherwise count as the new head's
        for p in enc.parameters():
            p.requires_grad_(True)
        return _classifier_module(enc, len(labels))

    with runtime.exclusive(f"preparing {handle.name}"):
        if seed is None:
            model = make()
        else:
            with runtime.own_rng(runtime.seeded_rng(seed)):
                model = make()
    model.eval()
    return TextTransferModel(model, type(base).__name__, labels, pretrained, input_size,
                             int(handle.tokenizer.pad_token_id or 0), pooling, handle.name, handle.tokenizer)


def structure(backbone: str | None = None, num_classes: int = 2, pooling: str = "cls"
              ) -> tuple[list[str], list[int], list[bool]]:
    """(stage names, parameter counts, new-head flags), for the block picture (computed once per backbone)."""
    from tlviz import models

    def make():
        tm = build(backbone, [f"c{i}" for i in range(num_classes)], pretrained=True, pooling=pooling)
        return tm.stage_names, tm.stage_param_counts(), [s.new for s in tm.stages]
    return models.cached(("text-structure", backbone or "", int(num_classes), pooling), make)


# ============================================================================================ runs

@dataclass(frozen=True)
class TextRunSpec(RunSpec):
    """A text run: the image lab's :class:`RunSpec` plus how the head pools."""

    pooling: str = "cls"

    def key(self) -> tuple:
        return ("text", *super().key(), self.pooling)


def text_trainer(spec: TextRunSpec, data):
    """The class queue's work for ``spec`` (the lab's :func:`tlviz.transfer.trainer` with a text network)."""
    return trainer(spec, data, lambda: build(spec.backbone, data.classes, spec.pretrained, data.input_size,
                                             spec.pooling, seed=spec.config.seed))


def start(run: Run, queue, student: str, now: float, estimate_s: float = 10.0) -> Run:
    """Ask the class's ``queue`` for a text ``run``: shared with anyone who asked for the same spec (as the image
    lab's :func:`tlviz.transfer.start`)."""
    job = queue.submit(run.spec.key(), student, run.name, text_trainer(run.spec, run.data), estimate_s)
    run.job, run.followed_at, run.replay = job, now, job.is_over
    return follow(run, now)


# ============================================================================================ what fine-tuning changed

def weight_change(before: TextTransferModel, after: TextTransferModel) -> list[float]:
    """Per stage, the relative change of its weights: ``||w_after - w_before|| / ||w_before||`` over all the stage's
    parameters (0.0 exactly for a stage that did not train; NaN for a stage without parameters)."""
    import math

    import torch

    old = dict(before.model.named_parameters())
    out = []
    with torch.no_grad():
        for i in range(len(after.stages)):
            diff = base = 0.0
            for name, p in after.stage_parameters(i):
                w0 = old[name].detach().float()
                diff += float((p.detach().float() - w0).pow(2).sum())
                base += float(w0.pow(2).sum())
            out.append(math.sqrt(diff) / math.sqrt(base) if base > 0 else math.nan)
    return out


def attention(tm: TextTransferModel, text: str):
    """Every layer's and head's attention of ``tm``'s encoder for ``text`` (:class:`tlviz.bert.AttentionTrace`)."""
    from tlviz import bert

    tm.model.eval()
    handle = bert.MaskedLM(tm.source_name, tm.model.bert, tm.tokenizer, has_mlm=False, source="lab")
    return bert.attentions(handle, text, with_qk=False)


def probabilities(tm: TextTransferModel, text: str):
    """The classifier's probabilities ``(C,)`` for one text (refused when over the lab's length)."""
    import torch

    from tlviz import runtime, text_data

    ids = text_data.encode(tm.tokenizer, [text], truncate=False)
    with runtime.exclusive("classifying a sentence"):
        return torch.softmax(tm.logits(ids), -1)[0].numpy()


@dataclass(frozen=True)
class BeforeAfter:
    """One text read by the network before and after training. L layers, H heads, T word pieces, C classes.

    ``before`` / ``after`` (L, H, T, T): attention rows sum to 1; ``change`` (L, H): per head, the mean over query
    rows of the total-variation distance ``0.5 * sum_k |after - before|`` (0 = the same, 1 = disjoint);
    ``top`` (layer, head, change) of the heads that changed most, 1-based, largest first; ``probs_*`` (C,).
    """

    text: str
    tokens: list[str]
    before: Any
    after: Any
    change: Any
    top: list[tuple[int, int, float]]
    probs_before: Any
    probs_after: Any
    labels: list[str]

    @property
    def difference(self):
        return self.after - self.before  # (L, H, T, T)


def before_after(before: TextTransferModel, after: TextTransferModel, text: str, top_k: int = 5) -> BeforeAfter:
    """Attention and prediction of the network before training (``before``) and after (``after``) for ``text``."""
    import numpy as np

    if not isinstance(text, str) or not text.strip():
        raise InputError(_("Please type a sentence first."))
    a, b = attention(before, text), attention(after, text)
    change = 0.5 * np.abs(b.weights - a.weights).sum(-1).mean(-1)  # (L, H)
    order = np.argsort(-change, axis=None)[:top_k]
    top = [(int(i // change.shape[1]) + 1, int(i % change.shape[1]) + 1, float(change.flat[i])) for i in order]
    return BeforeAfter(text, a.tokens, a.weights, b.weights, change, top, probabilities(before, text),
                       probabilities(after, text), list(after.labels))


#: The lab's default encoder (the packaged MiniLM-L6) and settings.
DEFAULT_BACKBONE = models.MINILM_NAME


def default_config(**changes):
    """The text lab's :class:`~tlviz.transfer.TrainConfig`: a new head at 3e-3, pretrained layers 30x slower (BERT
    fine-tuning wants ~1e-4 and less), 20 epochs, and the feature cache always on when the prefix is frozen (text
    features are small: 400 tweets x 64 word pieces x 385 floats = 39 MB; the lab's largest set, 1,050 tweets,
    103 MB)."""
    from dataclasses import replace

    from tlviz.transfer.train import TrainConfig

    return replace(TrainConfig(epochs=20, batch_size=32, lr=3e-3, backbone_lr_factor=0.03, cache=True), **changes)
