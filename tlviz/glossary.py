"""The lecture's terminology, Greek and English: data, an accent-blind search, and bilingual first mentions.

Greek terms are the lecture's (its slides' wording, ``in_slides=True``); where the slides keep only the English
name, the Greek entry is the usual Greek rendering and ``in_slides`` is ``False``, so the difference is visible.
English terms are the papers'. Each term names the lesson page (a path in :mod:`tlviz.lessons`) that uses it.

Pages call :func:`term` for a key term's first mention ("κωδικοποιητής (encoder)" in Greek, "encoder" in
English) and the glossary page calls :func:`search` and :func:`rows`. Pure data and functions: no Streamlit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from tlviz.errors import InputError
from tlviz.i18n import _, language

SEQ, PE, MASKS = "lessons/seq2seq_attention.py", "lessons/positional_encoding.py", "lessons/masks.py"
TF, BERT, VIT, TL = "lessons/transformer.py", "lessons/bert.py", "lessons/vit.py", "lessons/transfer_lab.py"
IM, WT, NLP = "lessons/imagenet_milestones.py", "lessons/what_is_transfer.py", "lessons/nlp_transfer.py"
MAX_QUERY = 80  # characters: a term or a symbol, never a paragraph


@dataclass(frozen=True)
class Term:
    key: str
    el: str  # the Greek term (the slides' wording where they have one)
    en: str  # the English term, as the lecture and the papers write it
    symbol: str  # "" when the term has none
    lesson: str  # the page that uses it, a path of tlviz.lessons.LESSONS
    definition_el: str
    definition_en: str
    in_slides: bool = True  # the Greek term appears in the lecture's slides

    def name(self, lang: str | None = None) -> str:
        return self.el if (lang or language()) == "el" else self.en

    def definition(self, lang: str | None = None) -> str:
        return self.definition_el if (lang or language()) == "el" else self.definition_en


T = Term
TERMS: tuple[Term, ...] = (
    # Part 1: attention, seq2seq
    T("attention", "μηχανισμός προσοχής", "attention", "α", SEQ,
      "Επιλεκτική εστίαση: το μοντέλο δίνει βάρος στα μέρη της εισόδου που μετρούν και αγνοεί τα υπόλοιπα.",
      "Selective focus: the model weighs the parts of its input that matter and down-weights the rest."),
    T("machine_translation", "μηχανική μετάφραση", "machine translation", "", SEQ,
      "Αυτόματη μετάφραση κειμένου από μια γλώσσα σε άλλη, το πρόβλημα που γέννησε το attention.",
      "Translating text from one language to another automatically: the problem attention was invented for."),
    T("rnn", "επαναλαμβανόμενο νευρωνικό δίκτυο", "recurrent neural network", "RNN, LSTM, GRU", SEQ,
      "Δίκτυο που διαβάζει μία λέξη τη φορά και κρατά μια κρυφή κατάσταση· δυσκολεύεται με μακρινές εξαρτήσεις.",
      "A network that reads one word at a time and keeps a hidden state; it struggles with distant dependencies."),
    T("encoder_decoder", "κωδικοποιητής - αποκωδικοποιητής", "encoder-decoder", "", SEQ,
      "Αρχιτεκτονική όπου ένα δίκτυο κωδικοποιεί την είσοδο και ένα δεύτερο παράγει από αυτήν την έξοδο.",
      "An architecture in which one network encodes the input and a second one produces the output from it."),
    T("seq2seq", "από αλληλουχία σε αλληλουχία", "sequence to sequence", "seq2seq", SEQ,
      "Μάθηση που μετατρέπει μια ακολουθία εισόδου σε ακολουθία εξόδου, πιθανώς διαφορετικού μήκους.",
      "Learning to turn an input sequence into an output sequence, possibly of a different length."),
    T("hidden_state", "κρυφή κατάσταση", "hidden state", "h, s", SEQ,
      "Το διάνυσμα που κρατά ένα RNN σε κάθε βήμα· συνοψίζει όσα έχει διαβάσει ως τότε.",
      "The vector an RNN keeps at each step, summarising what it has read so far."),
    T("attention_score", "βαθμολογία προσοχής", "attention score", "score(s, h)", SEQ,
      "Πόσο σχετίζεται μια κατάσταση του κωδικοποιητή με την τρέχουσα του αποκωδικοποιητή, π.χ. εσωτερικό γινόμενο.",
      "How relevant an encoder state is to the current decoder state, e.g. their dot product."),
    T("dot_product", "εσωτερικό γινόμενο", "dot product", "q · k", SEQ,
      "Άθροισμα γινομένων των συντεταγμένων· μεγάλο όταν δύο διανύσματα είναι ευθυγραμμισμένα.",
      "The sum of the products of coordinates; large when two vectors are aligned.", False),
    T("softmax", "συνάρτηση softmax", "softmax", "softmax", SEQ,
      "Μετατρέπει σκορ σε πιθανότητες: θετικές τιμές μεταξύ 0 και 1 με άθροισμα 1.",
      "Turns scores into probabilities: positive values between 0 and 1 that sum to 1."),
    T("attention_distribution", "κατανομή του attention", "attention distribution", "α = softmax(score)", SEQ,
      "Τα κανονικοποιημένα σκορ: πόσο βάρος παίρνει κάθε λέξη της εισόδου σε αυτό το βήμα.",
      "The normalised scores: how much weight each input word gets at this step."),
    T("alignment", "ευθυγράμμιση", "alignment", "α·h", SEQ,
      "Κάθε κατάσταση του κωδικοποιητή πολλαπλασιασμένη με το βάρος της· δείχνει ποια λέξη αντιστοιχεί σε ποια.",
      "Each encoder state multiplied by its weight; shows which source word matches which output word."),
    T("context_vector", "διάνυσμα πλαισίου", "context vector", "c", SEQ,
      "Το σταθμισμένο άθροισμα των καταστάσεων του κωδικοποιητή, που δίνεται στον αποκωδικοποιητή.",
      "The weighted sum of the encoder states, fed to the decoder.", False),
    T("backpropagation", "οπισθοδιάδοση", "backpropagation", "∂L/∂w", TF,
      "Υπολογισμός των κλίσεων της απώλειας ως προς κάθε βάρος, από την έξοδο προς την είσοδο.",
      "Computing the loss's gradients with respect to every weight, from the output back to the input.", False),
    # Part 2: the Transformer
    T("transformer", "μετασχηματιστής", "Transformer", "", TF,
      "Μοντέλο μεταγωγής βασισμένο μόνο στο attention, χωρίς επανάληψη ή συνέλιξη· επεξεργάζεται παράλληλα.",
      "A transduction model built entirely on attention, without recurrence or convolution; runs in parallel."),
    T("transduction", "μεταγωγή", "transduction", "", TF,
      "Μετατροπή ακολουθιών εισόδου σε ακολουθίες εξόδου (π.χ. μετάφραση).",
      "Turning input sequences into output sequences (e.g. translation)."),
    T("recurrence", "επανάληψη", "recurrence", "", TF,
      "Η βήμα προς βήμα επεξεργασία των RNN, που ο Transformer αντικαθιστά με attention.",
      "The step-by-step processing of RNNs, which the Transformer replaces with attention."),
    T("encoder", "κωδικοποιητής", "encoder", "N = 6", TF,
      "Η στοίβα που διαβάζει την ακολουθία εισόδου και παράγει μια κωδικοποιημένη αναπαράστασή της.",
      "The stack that reads the input sequence and produces an encoded representation of it."),
    T("decoder", "αποκωδικοποιητής", "decoder", "N = 6", TF,
      "Η στοίβα που παράγει την έξοδο μία λέξη τη φορά, κοιτώντας την έξοδο του κωδικοποιητή.",
      "The stack that produces the output one word at a time, looking at the encoder's output."),
    T("self_attention", "αυτοπροσοχή", "self-attention", "", TF,
      "Attention μιας ακολουθίας στον εαυτό της: κάθε λέξη κοιτά τις άλλες (π.χ. «it» → «cat»).",
      "Attention of a sequence over itself: every word looks at the others (e.g. \"it\" -> \"cat\").", False),
    T("embedding", "ενσωμάτωση", "embedding", "E", TF,
      "Το διάνυσμα που αντιστοιχεί σε ένα word ID· κωδικοποιεί τη σημασία της λέξης.",
      "The vector a word ID maps to; it encodes the word's meaning."),
    T("embedding_size", "μέγεθος ενσωμάτωσης", "embedding size (model size)", "d_model", TF,
      "Το πλάτος των διανυσμάτων embedding, που διατηρείται σε όλο το μοντέλο (512 στο paper).",
      "The width of the embedding vectors, kept through the whole model (512 in the paper)."),
    T("vocabulary", "λεξιλόγιο", "vocabulary", "vocab_size", TF,
      "Οι λέξεις (ή tokens) που γνωρίζει το μοντέλο· η έξοδος έχει ένα κελί για καθεμία.",
      "The words (or tokens) the model knows; the output has one cell for each."),
    T("token", "διακριτικό", "token", "", TF,
      "Μία μονάδα κειμένου (λέξη ή κομμάτι λέξης) με δικό της αναγνωριστικό στο λεξιλόγιο.",
      "One unit of text (a word or a word piece) with its own id in the vocabulary."),
    T("start_token", "διακριτικό έναρξης πρότασης", "start-of-sentence token", "<sos>", TF,
      "Το διακριτικό με το οποίο ξεκινά η είσοδος του αποκωδικοποιητή (μετατόπιση δεξιά κατά μία θέση).",
      "The token the decoder's input starts with (the target shifted right by one position)."),
    T("end_token", "διακριτικό τέλους πρότασης", "end-of-sentence token", "<eos>", TF,
      "Το διακριτικό που τερματίζει την αποκωδικοποίηση όταν προβλεφθεί.",
      "The token that ends decoding once it is predicted."),
    T("query", "ερώτημα", "query", "Q = W_q a", TF,
      "Αυτό που «ψάχνει» μια λέξη· συγκρίνεται με τα κλειδιά όλων των λέξεων.",
      "What a word is looking for; it is compared with every word's key."),
    T("key", "κλειδί", "key", "K = W_k a", TF,
      "Αυτό με το οποίο μια λέξη «ταιριάζει» σε ένα ερώτημα· ορίζει τα βάρη του attention.",
      "What a word is matched on against a query; keys set the attention weights."),
    T("value", "τιμή", "value", "V = W_v a", TF,
      "Η πληροφορία που δίνει μια λέξη· το αποτέλεσμα είναι σταθμισμένο άθροισμα των τιμών.",
      "The information a word passes on; the result is a weighted sum of the values."),
    T("linear_layer", "γραμμικό επίπεδο", "linear layer", "W_q, W_k, W_v", TF,
      "Πολλαπλασιασμός με πίνακα βαρών που μαθαίνεται· τρία ξεχωριστά παράγουν τα Q, K, V.",
      "Multiplication by a learnt weight matrix; three separate ones produce Q, K and V.", False),
    T("scaled_dot_product", "προσοχή κλιμακωμένου εσωτερικού γινομένου", "scaled dot-product attention",
      "softmax(QKᵀ/√d_k)V", TF,
      "Τα εσωτερικά γινόμενα ερωτημάτων και κλειδιών διά √d_k, softmax, και σταθμισμένο άθροισμα των τιμών.",
      "Query-key dot products divided by √d_k, a softmax, then a weighted sum of the values.", False),
    T("key_size", "μέγεθος Key", "query size (= key size)", "d_k", TF,
      "Η διάσταση των ερωτημάτων και των κλειδιών· η διαίρεση με √d_k κρατά το softmax μακριά από μηδενικές κλίσεις.",
      "The dimension of queries and keys; dividing by √d_k keeps the softmax away from vanishing gradients."),
    T("multi_head", "προσοχή πολλαπλών κεφαλών", "multi-head attention", "h heads", TF,
      "Πολλά attention παράλληλα σε κομμάτια των Q, K, V· τα αποτελέσματα ενώνονται και προβάλλονται.",
      "Several attentions in parallel on slices of Q, K and V; their results are concatenated and projected.",
      False),
    T("head", "κεφαλή", "attention head", "h", BERT,
      "Ένα από τα παράλληλα attention· κάθε κεφαλή μπορεί να εστιάζει σε διαφορετική σχέση μεταξύ λέξεων.",
      "One of the parallel attentions; each head can focus on a different relation between words."),
    T("subspaces", "υποσυστήματα αναπαράστασης", "representation subspaces", "", TF,
      "Οι διαφορετικοί «χώροι» που βλέπει κάθε κεφαλή: μία συνδέει «it»-«cat», άλλη «it»-«hungry».",
      "The different spaces each head sees: one links \"it\" to \"cat\", another to \"hungry\"."),
    T("encdec_attention", "προσοχή κωδικοποιητή - αποκωδικοποιητή", "encoder-decoder attention", "", TF,
      "Ερωτήματα από τον αποκωδικοποιητή, κλειδιά και τιμές από την έξοδο του κωδικοποιητή.",
      "Queries from the decoder, keys and values from the encoder's final output.", False),
    T("residual", "υπολειμματική σύνδεση", "residual connection", "x + Sublayer(x)", TF,
      "Η είσοδος ενός υποεπιπέδου προστίθεται στην έξοδό του, ώστε οι κλίσεις να περνούν εύκολα.",
      "A sublayer's input is added to its output, so gradients flow easily.", False),
    T("layer_norm", "κανονικοποίηση", "layer normalisation", "LayerNorm", TF,
      "Κανονικοποίηση των τιμών κάθε επιπέδου σε μέσο όρο 0 και διακύμανση 1, με κέρδος που μαθαίνεται.",
      "Normalising each layer's values to zero mean and unit variance, with a learnt gain."),
    T("feed_forward", "πλήρως συνδεδεμένο δίκτυο πρόσθιας τροφοδότησης", "position-wise feed-forward network",
      "FFN", TF,
      "Linear → ReLU → Linear, ίδιο για κάθε θέση και εφαρμοσμένο σε καθεμία ξεχωριστά.",
      "Linear -> ReLU -> Linear, the same for every position and applied to each separately.", False),
    T("teacher_forcing", "teacher forcing", "teacher forcing", "", TF,
      "Στην εκπαίδευση, ο αποκωδικοποιητής παίρνει τη σωστή ακολουθία στόχο, όχι τις δικές του προβλέψεις.",
      "In training the decoder is fed the true target sequence, not its own predictions.", False),
    T("inference", "συμπερασμός", "inference", "", TF,
      "Χρήση του εκπαιδευμένου μοντέλου: μόνο η είσοδος είναι γνωστή, η έξοδος παράγεται λέξη-λέξη.",
      "Using the trained model: only the input is known, the output is produced word by word.", False),
    T("greedy", "άπληστη αποκωδικοποίηση", "greedy decoding", "argmax", TF,
      "Σε κάθε βήμα επιλέγεται η λέξη με την υψηλότερη πιθανότητα και απορρίπτονται οι υπόλοιπες.",
      "At each step the highest-probability word is chosen and the rest are discarded."),
    T("loss", "συνάρτηση απώλειας", "loss function", "L", TF,
      "Μετρά πόσο απέχει η έξοδος του μοντέλου από τον στόχο· την ελαχιστοποιεί η εκπαίδευση.",
      "Measures how far the model's output is from the target; training minimises it.", False),
    T("cross_entropy", "διασταυρούμενη εντροπία", "cross-entropy", "−Σ y log p", TF,
      "Η απώλεια μεταξύ της προβλεπόμενης κατανομής και της one-hot κατανομής στόχου.",
      "The loss between the predicted distribution and the one-hot target distribution.", False),
    T("gradient", "κλίση", "gradient", "∇L", TF,
      "Η κατεύθυνση και το μέγεθος της αλλαγής της απώλειας ως προς κάθε βάρος.",
      "The direction and size of the loss's change with respect to each weight."),
    T("one_hot", "κωδικοποίηση one-hot", "one-hot encoding", "", TF,
      "Διάνυσμα μήκους ίσου με το λεξιλόγιο, με 1 στη θέση της λέξης και 0 αλλού.",
      "A vocabulary-sized vector with 1 at the word's position and 0 elsewhere."),
    T("hyperparameter", "υπερπαράμετρος", "hyperparameter", "", TF,
      "Ρύθμιση που επιλέγουμε πριν την εκπαίδευση: μέγεθος ενσωμάτωσης, αριθμός κεφαλών, batch size.",
      "A setting chosen before training: embedding size, number of heads, batch size."),
    T("positional_encoding", "κωδικοποίηση θέσης", "positional encoding", "PE(pos, i)", PE,
      "Σταθερά διανύσματα ημιτόνων και συνημιτόνων που προστίθενται στα embeddings για να δηλώσουν τη σειρά.",
      "Fixed sine and cosine vectors added to the embeddings to encode word order."),
    T("position", "θέση της λέξης", "position", "pos", PE,
      "Ο αριθμός της λέξης στην ακολουθία (0, 1, 2, ...).",
      "The word's index in the sequence (0, 1, 2, ...)."),
    T("sinusoid", "ημιτονοειδής συνάρτηση", "sinusoid", "sin, cos", PE,
      "Ημίτονο ή συνημίτονο· επιλέχθηκε γιατί ίσως επιτρέπει προέκταση σε μεγαλύτερα μήκη ακολουθίας.",
      "A sine or cosine; chosen because it may let the model extrapolate to longer sequences."),
    T("wavelength", "μήκος κύματος", "wavelength", "λ", PE,
      "Τα μήκη κύματος των διαστάσεων σχηματίζουν γεωμετρική πρόοδο από 2π έως 10000·2π.",
      "The dimensions' wavelengths form a geometric progression from 2π to 10000·2π."),
    T("mask", "μάσκα", "mask", "M", MASKS,
      "Πίνακας που ορίζει ποιες θέσεις δεν επιτρέπεται να κοιτάξει το attention.",
      "A matrix that says which positions attention may not look at."),
    T("padding", "συμπλήρωση με μηδενικά", "zero padding", "<pad>", MASKS,
      "Επέκταση των σύντομων προτάσεων σε σταθερό μήκος· η μάσκα φροντίζει να μη συμβάλλει στο attention.",
      "Extending short sentences to a fixed length; the mask makes sure it adds nothing to attention.", False),
    T("look_ahead", "κάλυψη μελλοντικών θέσεων", "look-ahead (causal) mask", "", MASKS,
      "Εμποδίζει τον αποκωδικοποιητή να «κοιτάξει» μπροστά στην πρόταση-στόχο κατά την πρόβλεψη.",
      "Stops the decoder from looking ahead in the target sentence while predicting the next word.", False),
    T("neg_inf", "αρνητικό άπειρο", "negative infinity", "−∞", MASKS,
      "Η τιμή των καλυμμένων σκορ πριν το softmax, ώστε το softmax να τα μηδενίσει.",
      "The value masked scores get before the softmax, so the softmax turns them into zeros."),
    T("batch", "batch", "batch", "B", MASKS,
      "Ομάδα δειγμάτων που επεξεργάζονται μαζί· το batch size είναι η διάσταση του αριθμού τους.",
      "A group of samples processed together; the batch size is the dimension that counts them."),
    # Part 3: pretrained models and transfer learning
    T("bert", "BERT", "BERT", "BERT", BERT,
      "Bidirectional Encoder Representations from Transformers: αμφίδρομος κωδικοποιητής, 12 ή 24 επίπεδα.",
      "Bidirectional Encoder Representations from Transformers: a bidirectional encoder, 12 or 24 layers."),
    T("language_model", "γλωσσικό μοντέλο", "language model", "LM", BERT,
      "Μοντέλο που μαθαίνει πόσο πιθανές είναι οι λέξεις ενός κειμένου δεδομένων των υπολοίπων.",
      "A model that learns how likely a text's words are given the others."),
    T("mlm", "Masked LM", "masked language model", "MLM", BERT,
      "Το 15% των λέξεων κρύβεται πίσω από [MASK] και το μοντέλο μαντεύει τις αρχικές από τα συμφραζόμενα.",
      "15% of the words are hidden behind [MASK] and the model guesses the originals from their context."),
    T("mask_token", "μάσκα [MASK]", "[MASK] token", "[MASK]", BERT,
      "Το ειδικό διακριτικό που αντικαθιστά μια λέξη ώστε να την προβλέψει το μοντέλο.",
      "The special token that replaces a word so the model has to predict it."),
    T("nsp", "πρόβλεψη επόμενης ακολουθίας", "next sentence prediction", "NSP", BERT,
      "Ζεύγη προτάσεων: 50% διαδοχικές (IsNext), 50% τυχαίες (NotNext)· το μοντέλο τις ξεχωρίζει.",
      "Sentence pairs, 50% consecutive (IsNext) and 50% random (NotNext); the model tells them apart."),
    T("bidirectional", "αμφίδρομη εκπαίδευση", "bidirectional training", "", BERT,
      "Το μοντέλο βλέπει και τα αριστερά και τα δεξιά συμφραζόμενα κάθε λέξης.",
      "The model is conditioned on both the left and the right context of every word."),
    T("classification_layer", "επίπεδο ταξινόμησης", "classification layer", "", BERT,
      "Επίπεδο στην έξοδο του κωδικοποιητή που δίνει ένα σκορ ανά κλάση (ή ανά λέξη του λεξιλογίου).",
      "A layer on the encoder's output that gives one score per class (or per vocabulary word)."),
    T("pretraining", "προεκπαίδευση", "pretraining", "", BERT,
      "Πρώτη εκπαίδευση σε μεγάλο σώμα δεδομένων (συχνά χωρίς ετικέτες), πριν την προσαρμογή σε μια εργασία.",
      "First training on a large corpus (often unlabelled), before adapting to a task."),
    T("vit", "Vision Transformer", "Vision Transformer", "ViT", VIT,
      "Ο κωδικοποιητής του Transformer εφαρμοσμένος σε εικόνες: «μια εικόνα αξίζει 16x16 λέξεις».",
      "The Transformer encoder applied to images: \"an image is worth 16x16 words\"."),
    T("patch", "patch (τμήμα εικόνας)", "patch", "16×16", VIT,
      "Τετράγωνο κομμάτι της εικόνας, ισοπεδωμένο σε διάνυσμα· παίζει τον ρόλο μιας λέξης.",
      "A square piece of the image, flattened to a vector; it plays the role of a word.", False),
    T("position_embedding", "ενσωματώσεις θέσης", "position embeddings", "E_pos", VIT,
      "Διανύσματα θέσης που μαθαίνονται και προστίθενται στα embeddings των patches.",
      "Learnt position vectors added to the patch embeddings.", False),
    T("transfer_learning", "μεταφορά μάθησης", "transfer learning", "", TL,
      "Χρήση γνώσης από έναν τομέα προέλευσης και μια εργασία για να μάθουμε καλύτερα μια εργασία στόχο.",
      "Using knowledge from a source domain and task to learn a target task better."),
    T("domain", "τομέας", "domain", "D = {X, P(X)}", WT,
      "Ένας χώρος χαρακτηριστικών μαζί με την οριακή κατανομή πιθανότητας πάνω του.",
      "A feature space together with a marginal probability distribution over it."),
    T("task", "εργασία", "task", "T = {Y, P(Y|X)}", WT,
      "Ένας χώρος ετικετών και η υπό συνθήκη κατανομή που μαθαίνεται από ζεύγη (x_i, y_i).",
      "A label space and the conditional distribution learnt from pairs (x_i, y_i)."),
    T("source_domain", "τομέας προέλευσης", "source domain", "D_s, T_s", WT,
      "Ο τομέας (και η εργασία) από όπου μεταφέρεται η γνώση· συνήθως με πολλά δεδομένα, N_s ≫ N_t.",
      "The domain (and task) knowledge is transferred from; usually data-rich, N_s ≫ N_t."),
    T("target_domain", "τομέας προορισμού", "target domain", "D_t, T_t", WT,
      "Ο τομέας (και η εργασία) που θέλουμε να μάθουμε, συνήθως με λίγα δεδομένα με ετικέτες.",
      "The domain (and task) we want to learn, usually with few labelled examples."),
    T("feature_space", "χώρος χαρακτηριστικών", "feature space", "X", WT,
      "Όλες οι δυνατές τιμές των μεταβλητών εισόδου (π.χ. εικόνες, κείμενα).",
      "All possible values of the input variables (e.g. images, texts)."),
    T("label_space", "χώρος ετικετών", "label space", "Y", WT,
      "Όλες οι δυνατές ετικέτες (κλάσεις) της εξόδου.",
      "All possible output labels (classes)."),
    T("marginal", "οριακή κατανομή πιθανότητας", "marginal probability distribution", "P(X)", WT,
      "Πόσο συχνά εμφανίζεται κάθε είσοδος σε έναν τομέα.",
      "How often each input occurs in a domain."),
    T("conditional", "υπό συνθήκη κατανομή πιθανότητας", "conditional probability distribution", "P(Y|X)", WT,
      "Η πιθανότητα κάθε ετικέτας δεδομένης της εισόδου: αυτό που μαθαίνει ένας ταξινομητής.",
      "The probability of each label given the input: what a classifier learns."),
    T("iid", "ανεξάρτητα και ισόνομα κατανεμημένα", "independently and identically distributed", "i.i.d.", WT,
      "Η υπόθεση ότι εκπαίδευση και δοκιμή έχουν την ίδια κατανομή· η μεταφορά μάθησης τη χαλαρώνει.",
      "The assumption that training and test data share one distribution; transfer learning relaxes it.",
      False),
    T("domain_adaptation", "προσαρμογή τομέα", "domain adaptation", "P(X_s) ≠ P(X_t)", WT,
      "Μεταφορά όταν αλλάζει η κατανομή των εισόδων αλλά όχι η εργασία (π.χ. έγγραφα άλλης θεματολογίας).",
      "Transfer when the input distribution changes but the task does not (e.g. documents on other topics)."),
    T("pretrained_model", "προεκπαιδευμένο μοντέλο", "pretrained model", "", TL,
      "Μοντέλο ήδη εκπαιδευμένο σε μεγάλο σύνολο δεδομένων (π.χ. ImageNet), έτοιμο για επαναχρησιμοποίηση.",
      "A model already trained on a large dataset (e.g. ImageNet), ready to be reused."),
    T("feature_extractor", "εξαγωγέας χαρακτηριστικών", "fixed feature extractor", "", TL,
      "Το προεκπαιδευμένο δίκτυο χωρίς το τελευταίο επίπεδο, παγωμένο· πάνω του μαθαίνει ένας νέος ταξινομητής.",
      "The pretrained network without its last layer, frozen; a new classifier learns on top of it."),
    T("fine_tuning", "ακριβής προσαρμογή", "fine tuning", "", TL,
      "Συνέχιση της εκπαίδευσης στα προεκπαιδευμένα βάρη (όλα ή τα υψηλότερα επίπεδα) με τα νέα δεδομένα.",
      "Continuing training into the pretrained weights (all layers or only the higher ones) on the new data."),
    T("freezing", "πάγωμα επιπέδων", "freezing layers", "requires_grad = False", TL,
      "Τα βάρη ορισμένων επιπέδων μένουν σταθερά κατά την επανεκπαίδευση.",
      "Some layers' weights are held fixed during retraining.", False),
    T("linear_classifier", "γραμμικός ταξινομητής", "linear classifier", "", TL,
      "Ένα γραμμικό επίπεδο (π.χ. Linear SVM ή softmax) που μαθαίνει από τα εξαγόμενα χαρακτηριστικά.",
      "A linear layer (e.g. a linear SVM or softmax) trained on the extracted features."),
    T("learning_rate", "ρυθμός μάθησης", "learning rate", "η", TL,
      "Το μέγεθος του βήματος κάθε ενημέρωσης· μικρότερο για τα προεκπαιδευμένα βάρη.",
      "The size of each update step; smaller for the pretrained weights.", False),
    T("validation_loss", "απώλεια επικύρωσης", "validation loss", "", TL,
      "Η απώλεια σε δεδομένα εκτός εκπαίδευσης· όταν αρχίζει να αυξάνεται, σταματάμε.",
      "The loss on held-out data; when it starts to rise, training stops.", False),
    T("overfitting", "υπερπροσαρμογή", "overfitting", "", TL,
      "Το μοντέλο μαθαίνει απέξω τα δεδομένα εκπαίδευσης και γενικεύει χειρότερα.",
      "The model memorises the training data and generalises worse.", False),
    T("data_augmentation", "αύξηση των δεδομένων", "data augmentation", "", TL,
      "Νέα δείγματα από παραλλαγές των υπαρχόντων (κατοπτρισμός, περικοπή) για λιγότερο overfitting.",
      "New samples from variations of existing ones (mirroring, cropping) to reduce overfitting."),
    T("labelled_data", "δεδομένα με ετικέτες", "labelled data", "(x_i, y_i)", TL,
      "Παραδείγματα μαζί με τη σωστή απάντηση· ακριβά στη συλλογή σε μεγάλη κλίμακα.",
      "Examples together with the right answer; costly to collect at scale."),
    T("cnn", "συνελικτικό νευρωνικό δίκτυο", "convolutional neural network", "CNN, ConvNet", TL,
      "Δίκτυο με συνελικτικά επίπεδα· τα πρώτα μαθαίνουν γενικά, τα τελευταία ειδικά χαρακτηριστικά.",
      "A network of convolutional layers; early ones learn general features, later ones specific features.",
      False),
    T("higher_start", "υψηλότερη αρχή", "higher start", "", TL,
      "Η αρχική ικανότητα στον στόχο, πριν την τελειοποίηση, είναι υψηλότερη από ό,τι χωρίς μεταφορά.",
      "The initial skill on the target, before refinement, is higher than without transfer.", False),
    T("higher_slope", "υψηλότερη κλίση", "higher slope", "", TL,
      "Ο ρυθμός βελτίωσης κατά την εκπαίδευση είναι πιο απότομος από ό,τι χωρίς μεταφορά.",
      "Skill improves faster during training than it would without transfer.", False),
    T("higher_asymptote", "υψηλότερη ασύμπτωτη", "higher asymptote", "", TL,
      "Η συγκλίνουσα ικανότητα του εκπαιδευμένου μοντέλου είναι καλύτερη από ό,τι χωρίς μεταφορά.",
      "The converged skill of the trained model is better than it would be without transfer.", False),
    T("ilsvrc", "διαγωνισμός ImageNet (ILSVRC)", "ImageNet Large Scale Visual Recognition Challenge", "ILSVRC", IM,
      "Ετήσιος διαγωνισμός (2010-2017) σε υποσύνολο του ImageNet: 1.000 κλάσεις, 1,2 εκατομμύρια εικόνες εκπαίδευσης.",
      "The yearly challenge (2010-2017) on a subset of ImageNet: 1,000 classes, 1.2 million training images.", False),
    T("alexnet", "AlexNet", "AlexNet", "", IM,
      "Το CNN που κέρδισε το ILSVRC-2012 (15.3% top-5): 8 επίπεδα, ReLU, dropout, εκπαίδευση σε GPU, 60M παράμετροι.",
      "The CNN that won ILSVRC-2012 (15.3% top-5): 8 layers, ReLU, dropout, trained on GPUs, 60M parameters."),
    T("vgg", "VGG", "VGG", "VGG-16, VGG-19", IM,
      "Βαθύ CNN (ILSVRC-2014) μόνο με συνελίξεις 3×3: 13 συνελικτικά και 3 πλήρως συνδεδεμένα επίπεδα, 138M βάρη.",
      "A deep CNN (ILSVRC-2014) of 3×3 convolutions only: 13 convolutional, 3 fully connected layers, 138M weights."),
    T("inception_module", "μονάδα Inception", "Inception module", "GoogLeNet", IM,
      "Τέσσερις παράλληλες διακλαδώσεις (1×1, 3×3, 5×5, max pooling) στην ίδια είσοδο, με συνένωση των εξόδων τους.",
      "Four parallel branches (1×1, 3×3, 5×5, max pooling) on the same input, their outputs concatenated."),
    T("bottleneck", "μείωση βάθους", "1×1 convolution bottleneck", "1×1 conv", IM,
      "Συνέλιξη 1×1 που μειώνει τα κανάλια πριν από μια ακριβή συνέλιξη 3×3 ή 5×5· κόβει βάρη και πράξεις.",
      "A 1×1 convolution that shrinks the channels before a costly 3×3 or 5×5 one; it cuts weights and operations."),
    T("receptive_field", "δεκτικό πεδίο", "receptive field", "(2l+1)×(2l+1)", IM,
      "Η περιοχή της εισόδου που επηρεάζει μία έξοδο· l στοιβαγμένες συνελίξεις 3×3 βλέπουν (2l+1)×(2l+1).",
      "The input region that affects one output; l stacked 3×3 convolutions see (2l+1)×(2l+1).", False),
    T("resnet", "ResNet", "ResNet", "ResNet-152", IM,
      "Δίκτυο υπολειμματικής μάθησης (ILSVRC-2015, 3.57%): κάθε block μαθαίνει F(x) και δίνει F(x) + x.",
      "The residual-learning network (ILSVRC-2015, 3.57%): each block learns F(x) and outputs F(x) + x."),
    T("identity_shortcut", "σύνδεση ταυτότητας", "identity connection (shortcut)", "G(x) = x", IM,
      "Η παράκαμψη που προσθέτει την είσοδο x αναλλοίωτη στην έξοδο ενός block· σύνδεση προβολής αν αλλάζει διάσταση.",
      "The shortcut that adds the input x unchanged to a block's output; a projection connection if its size changes."),
    T("instance_weighting", "στρατηγική προσαρμογής βάρους", "instance weighting", "p_t(x) / p_s(x)", WT,
      "Δείγματα του τομέα προέλευσης μπαίνουν στην εκπαίδευση με βάρος, τόσο μεγαλύτερο όσο μοιάζουν με τον προορισμό.",
      "Source samples join training with a weight, the larger the more they look like the target."),
    T("mapping_based", "χαρτογράφηση δειγμάτων", "mapping-based transfer", "", WT,
      "Τα δείγματα των δύο τομέων απεικονίζονται σε έναν νέο κοινό χώρο όπου μοιάζουν περισσότερο (π.χ. CORAL).",
      "Samples of both domains are mapped into a new shared space where they are more alike (e.g. CORAL)."),
    T("coral", "ευθυγράμμιση συσχετίσεων", "correlation alignment", "CORAL", WT,
      "Τα χαρακτηριστικά του προορισμού αποκτούν τον μέσο όρο και τη (συν)διακύμανση εκείνων της προέλευσης.",
      "The target's features are given the mean and (co)variance of the source's features.", False),
    T("adversarial", "τεχνολογία αντιπαράθεσης", "adversarial-based transfer", "", WT,
      "Εμπνευσμένη από τα GAN: χαρακτηριστικά χρήσιμα για την εργασία, που κρύβουν από ποιον τομέα ήρθε το δείγμα.",
      "Inspired by GANs: features useful for the task that hide which domain a sample came from."),
    T("gradient_reversal", "αντιστροφή της κλίσης", "gradient reversal layer", "DANN, GRL", WT,
      "Στο DANN: περνά τα δεδομένα αυτούσια και αντιστρέφει την κλίση, ώστε τα χαρακτηριστικά να ξεγελούν τον τομέα.",
      "In DANN: passes data through unchanged and flips the gradient, so the features fool the domain classifier.",
      False),
    T("negative_transfer", "αρνητική μεταφορά", "negative transfer", "", WT,
      "Όταν η γνώση της προέλευσης κάνει το μοντέλο του προορισμού χειρότερο από ό,τι χωρίς μεταφορά.",
      "When the source's knowledge makes the target model worse than it would be without transfer.", False),
    T("added_layers", "επιπρόσθετα επίπεδα", "added task-specific layers", "", NLP,
      "Τα νέα επίπεδα στο τέλος ενός προεκπαιδευμένου μοντέλου· στο fine tuning αλλάζουν αυτά και ίσως τα τελευταία.",
      "The new layers at the end of a pretrained model; fine tuning changes them and maybe the last few layers."),
    T("classification_head", "κεφαλή ταξινόμησης", "classification head", "Linear(d, C)", NLP,
      "Ένα γραμμικό επίπεδο από τυχαία βάρη που αντιστοιχίζει ένα διάνυσμα ανά πρόταση στις κλάσεις της εργασίας.",
      "One linear layer from random weights that maps one vector per sentence to the task's classes.", False),
    T("cls_pooling", "διακριτικό [CLS]", "[CLS] pooling", "[CLS]", NLP,
      "Η κεφαλή διαβάζει το διάνυσμα της πρώτης θέσης [CLS], που η προεκπαίδευση (NSP) έμαθε να συνοψίζει την πρόταση.",
      "The head reads the first position's [CLS] vector, which pretraining (NSP) taught to summarise the sentence.",
      False),
    T("mean_pooling", "μέση συγκέντρωση", "mean pooling", "", NLP,
      "Ο μέσος όρος των διανυσμάτων όλων των πραγματικών κομματιών λέξεων (χωρίς το padding) ως διάνυσμα της πρότασης.",
      "The mean of every real word piece's vector (padding excluded) as the sentence's vector.", False),
    T("word_piece", "κομμάτι λέξης", "word piece", "##", NLP,
      "Υπολεξική μονάδα του λεξιλογίου του BERT· μια σπάνια λέξη σπάει σε κομμάτια, π.χ. «play ##ing».",
      "A sub-word unit of BERT's vocabulary; a rare word is split into pieces, e.g. \"play ##ing\".", False),
)
BY_KEY: dict[str, Term] = {t.key: t for t in TERMS}


def fold(text: str) -> str:
    """Accent- and case-blind form: Greek tonos and dialytika dropped, final sigma folded, spaces squeezed."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("ς", "σ").split())


def _compact(text: str) -> str:
    """Folded, without spaces or underscores: "d_k" meets "dk", "D = {X, P(X)}" meets "d={x,p(x)}"."""
    return re.sub(r"[\s_]+", "", fold(text))


def _symbols(symbol: str) -> set[str]:
    """The whole symbol and the head of each comma-separated part: "Q = W_q a" -> {"q=wqa", "q"}."""
    heads = {_compact(re.split(r"=|\(", part)[0]) for part in symbol.split(",")}
    return ({_compact(symbol)} | heads) - {""}


def term(key: str, lang: str | None = None) -> str:
    """A key term for its first mention in a page: "κωδικοποιητής (encoder)" in Greek, "encoder" in English.

    A Greek term that already is the English name ("BERT", "teacher forcing") is not repeated.
    """
    t = BY_KEY[key]
    if (lang or language()) != "el":
        return t.en
    return t.el if fold(t.en) in fold(t.el) else f"{t.el} ({t.en})"


def search(query: str) -> list[Term]:
    """The terms matching ``query`` in Greek or English (term, symbol, then definitions), best matches first.

    Accent- and case-blind: "προσοχη" finds "προσοχή", "D_K" finds d_k. An empty query returns every term.
    Raises InputError for a query longer than a term could be.
    """
    if len(query) > MAX_QUERY:
        raise InputError(_("The search is {n} characters long: type one term or symbol (at most {max}).")
                         .format(n=len(query), max=MAX_QUERY))
    q, qc = fold(query), _compact(query)
    if not q:
        return list(TERMS)
    ranked = []
    for order, t in enumerate(TERMS):
        names = [fold(t.el), fold(t.en), fold(t.key.replace("_", " "))]
        if q in names or qc in _symbols(t.symbol):
            rank = 0
        elif any(re.search(r"(?:^|\W)" + re.escape(q), n) for n in names):
            rank = 1  # a word of the term starts with the query
        elif len(q) > 1 and (any(q in n for n in names) or qc in _compact(t.symbol)):
            rank = 2
        elif len(q) > 2 and (q in fold(t.definition_el) or q in fold(t.definition_en)):
            rank = 3
        else:
            continue
        ranked.append((rank, order, t))
    return [t for _rank, _order, t in sorted(ranked, key=lambda r: r[:2])]


def rows(terms: list[Term], lang: str | None = None, titles: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The glossary table's rows, headers and definitions in the interface language (``titles``: page -> title)."""
    lang = lang or language()
    return [{_("Greek"): t.el, _("English"): t.en, _("Symbol"): t.symbol, _("Definition"): t.definition(lang),
             _("Lesson"): (titles or {}).get(t.lesson, t.lesson)} for t in terms]
