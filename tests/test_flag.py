"""The AI flag: what it flags, what it must not, and its numbers on the labelled real history.

Inline texts are short paraphrases of real policy wording (Google, Meta, LinkedIn) or real lines copied from the
corpus (each says where from); the corpus tests use the shared Open Terms Archive captures (../shared/corpus, or
$TRACKER_CORPUS) and are skipped without them. The generalization set has its own test file.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tracker.config import load_config, parse_config
from tracker.diff import diff_texts
from tracker.extract import extract_text
from tracker.flag import (
    NO_FLAG,
    Flag,
    Vocabulary,
    dropped_sentences,
    flag_change,
    judge_sentence,
    sentence_key,
    sentence_keys,
    spelling,
)
from tracker.flag.language import COMPOUND_HINTS
from tracker.flag.sentences import content_words
from tracker.flag.vocabulary import document_owner

INTRO = "This Privacy Policy explains what information we collect and why. It applies to all of our services."
CONTROLS = "You can review and change your settings at any time. We keep your information only as long as needed."
GOOGLE_BARD = (
    "For example, we may collect information that’s publicly available online or from other public sources to help "
    "train Google’s AI models and build products and features like Google Translate, Bard and Cloud AI capabilities."
)
GOOGLE_GEMINI = GOOGLE_BARD.replace("Bard and", "Gemini Apps and")
GOOGLE_BEFORE = (
    "For example, we may collect information that’s publicly available online or from other public sources to help "
    "train Google’s language models and build features like Google Translate."
)


def policy(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


def flag_of(old: str, new: str, **kwargs: object) -> Flag:
    return flag_change(diff_texts(old, new), **kwargs)  # type: ignore[arg-type]


def flag_of_edit(paragraph: str, old_words: str, new_words: str) -> Flag:
    """The flag of a paragraph of a neutral policy whose {} changed from old_words to new_words."""
    return flag_of(
        policy(INTRO, paragraph.format(old_words), CONTROLS), policy(INTRO, paragraph.format(new_words), CONTROLS)
    )


def quoted(flag: Flag) -> list[tuple[str, str]]:
    return [(e.op, e.text) for e in flag.evidence]


# -- what flags -------------------------------------------------------------------------------------------------


def test_a_clause_about_training_ai_models_on_public_information_flags_as_training() -> None:
    flag = flag_of(policy(INTRO, CONTROLS), policy(INTRO, GOOGLE_BARD, CONTROLS))
    assert flag.ai and flag.category == "training" and flag.score >= 0.9
    assert quoted(flag) == [("insert", GOOGLE_BARD)]
    assert {"train", "AI", "models", "Bard"} <= set(flag.terms)
    assert flag.reason


def test_every_evidence_item_says_which_concept_and_rule_counted_it_and_the_words() -> None:
    flag = flag_of(policy(INTRO, CONTROLS), policy(INTRO, GOOGLE_BARD, CONTROLS))
    [item] = flag.evidence_json()
    assert item["concept"] == "model_training" and item["rule"] == "model-training"
    assert item["category"] == "training" and item["says"] == "AI or machine-learning models are trained"
    assert {"train", "AI", "models"} <= set(item["terms"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "sentence",
    [
        "Nous utilisons vos informations pour développer et améliorer l’IA chez Meta, y compris nos modèles.",
        "Nous pouvons utiliser vos publications publiques pour entraîner nos modèles d’intelligence artificielle.",
        "Wir verwenden Ihre Interaktionen mit Gemini-Apps, um Modelle für maschinelles Lernen zu trainieren.",
        "Wir nutzen öffentlich verfügbare Informationen, um die KI-Modelle von Google zu trainieren.",
        "We use your posts and comments to develop and improve generative AI features at Meta.",
    ],
)
def test_training_on_your_data_flags_in_english_french_and_german(sentence: str) -> None:
    flag = flag_of(policy(INTRO, CONTROLS), policy(INTRO, sentence, CONTROLS))
    assert flag.ai and flag.category == "training"
    assert [e.text for e in flag.evidence] == [sentence]


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("Some features use generative AI to create images and text from your prompts.", "ai_feature"),
        ("Des fonctionnalités utilisent l’intelligence artificielle générative pour créer des images.", "ai_feature"),
        ("Gesichter in Videos, die mithilfe von KI verändert oder generiert wurden, werden erkannt.", "ai_feature"),
        ("We use algorithms for automated decision-making, including profiling, about your eligibility.", None),
        ("Our AI systems make automated decisions about which accounts to suspend.", "automated_decisions"),
    ],
)
def test_ai_features_and_automated_decisions_have_their_category(sentence: str, category: str | None) -> None:
    flag = flag_of(policy(INTRO, CONTROLS), policy(INTRO, sentence, CONTROLS))
    assert flag.ai
    assert flag.category == (category or "automated_decisions")


def test_a_reworded_sentence_gives_old_and_new_wording_side_by_side() -> None:
    flag = flag_of(policy(INTRO, GOOGLE_BARD, CONTROLS), policy(INTRO, GOOGLE_GEMINI, CONTROLS))
    assert flag.ai and flag.category == "training"
    assert quoted(flag) == [("delete", GOOGLE_BARD), ("insert", GOOGLE_GEMINI)]


def test_evidence_follows_the_order_of_the_document() -> None:
    first = "We use your conversations with our assistant to train our AI models."
    second = "Some features use generative AI to create images from your prompts."
    flag = flag_of(policy(INTRO, CONTROLS), policy(first, INTRO, CONTROLS, second))
    assert [e.text for e in flag.evidence] == [first, second]
    assert flag.category == "training"


def test_removing_a_training_clause_flags_with_the_removed_sentence() -> None:
    flag = flag_of(policy(INTRO, GOOGLE_BARD, CONTROLS), policy(INTRO, CONTROLS))
    assert flag.ai and quoted(flag) == [("delete", GOOGLE_BARD)]


def test_dropping_a_negation_is_news() -> None:
    old = "We do not use your private messages to train our AI models."
    flag = flag_of(policy(INTRO, old, CONTROLS), policy(INTRO, old.replace("do not use", "use"), CONTROLS))
    assert flag.ai and flag.category == "training"


# -- what must not flag -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "added",
    [
        "Chat with Meta AI support assistant",  # a help widget in Meta's page chrome
        "Get training on LinkedIn Learning courses to grow your skills and your career.",
        "Gemini Apps Privacy Hub",  # a link label in Google's policy
        "Learn more about Gemini",
        "Learn how AI at Meta uses your information",  # a link label that points to another page
        "We use cookies to personalise content and ads, to provide social media features and to analyse our "
        "traffic. You can accept or reject personalised advertising in your settings.",
        "We train our staff on data protection every year and review our business model and the EU model clauses.",
        "Das Unternehmen bietet Schulungen und Trainings für Mitarbeitende an.",
        "Nous proposons des formations en ligne et des cours pour les professionnels.",
        "## Artificial intelligence",
    ],
)
def test_page_furniture_courses_and_product_names_do_not_flag(added: str) -> None:
    flag = flag_of(policy(INTRO, CONTROLS), policy(INTRO, added, CONTROLS))
    assert not flag.ai, flag


def test_an_unchanged_ai_sentence_in_an_edited_paragraph_does_not_flag() -> None:
    paragraph = f"We keep your account secure. {GOOGLE_BARD} We review this policy every year."
    edited = paragraph.replace("every year", "every six months")
    flag = flag_of(policy(INTRO, paragraph, CONTROLS), policy(INTRO, edited, CONTROLS))
    assert flag == NO_FLAG or not flag.ai


def test_a_moved_sentence_is_not_new() -> None:
    flag = flag_of(policy(INTRO, GOOGLE_BARD, CONTROLS), policy(INTRO, CONTROLS, GOOGLE_BARD))
    assert not flag.ai


def test_a_statement_moved_out_from_under_its_bold_lead_in_is_not_new() -> None:
    statement = (
        "We use and develop advanced technologies such as artificial intelligence and machine learning systems "
        "so that people can use our Products safely."
    )
    old = policy(INTRO, f"* **Use and develop advanced technologies:** {statement}", CONTROLS)
    new = policy(INTRO, CONTROLS, f"Research and innovation. {statement}")
    assert not flag_of(old, new).ai


@pytest.mark.parametrize(
    "variant",
    [
        GOOGLE_BARD.replace("’", "'").replace(", Bard", " Bard"),  # typography: apostrophes, commas
        GOOGLE_BARD.replace("like Google", "such as Google"),  # en-US and en-GB wording
        "**" + GOOGLE_BARD.replace("help train", "help **train**"),  # Markdown emphasis
        GOOGLE_BARD.replace("Google’s", "Googles"),  # an extraction that dropped apostrophes
    ],
)
def test_a_sentence_reworded_alike_is_not_new(variant: str) -> None:
    flag = flag_of(policy(INTRO, GOOGLE_BARD, CONTROLS), policy(INTRO, variant, CONTROLS))
    assert not flag.ai, flag


def test_british_and_american_spellings_read_alike() -> None:
    assert sentence_key("We personalise ads and analyse behaviour.") == sentence_key(
        "We personalize ads and analyze behavior."
    )


@pytest.mark.parametrize(
    ("paragraph", "written", "digits"),
    [
        ("Conversations with our AI assistant are used to train our models for {} days.", "thirty", "30"),
        ("Les données servent à entraîner nos modèles d’IA pendant {} mois.", "douze", "12"),
        ("Wir trainieren unsere KI-Modelle {} Wochen lang mit Ihren Chats.", "vier", "4"),
        ("Nous conservons vos conversations avec l’assistant IA pendant {} jours.", "quarante", "40"),
        ("Prompts used to improve our AI models are deleted within {} days.", "thirty (30)", "30"),
        ("Audio sent to our AI voice assistant is deleted after {} hours.", "twenty-four", "24"),
        ("Les requêtes envoyées à notre modèle d’IA sont supprimées après {} heures.", "vingt-quatre", "24"),
        ("Les conversations avec l’IA servent à l’entraînement pendant {} jours.", "quatre-vingt-dix", "90"),
        ("Eingaben an unser KI-Modell löschen wir nach {} Stunden.", "vierundzwanzig", "24"),
    ],
)
def test_a_number_written_out_or_in_digits_reads_alike(paragraph: str, written: str, digits: str) -> None:
    assert not flag_of_edit(paragraph, written, digits).ai
    assert not flag_of_edit(paragraph, digits, written).ai
    assert flag_of_edit(paragraph, written, str(int(digits) + 1)).ai  # another number is news


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("twenty-one", 21),
        ("ninety-nine", 99),
        ("vingt-et-un", 21),
        ("trente-deux", 32),
        ("soixante-dix", 70),
        ("quatre-vingts", 80),
        ("quatre-vingt-un", 81),
        ("quatre-vingt-dix", 90),
        ("einundzwanzig", 21),
        ("neunundneunzig", 99),
        ("zweiunddreissig", 32),
    ],
)
def test_a_number_of_several_words_is_read_whole_and_its_hints_find_it(written: str, value: int) -> None:
    assert any(hint in written for hint in COMPOUND_HINTS)  # a text without a hint is not searched
    assert content_words(f"kept for {written} days") == ["kept", str(value), "day"]


def test_a_number_that_starts_a_sentence_is_a_quantity_and_neuf_is_new() -> None:
    """What a review found: a sentence's first number was dropped from its key as if it numbered a list; "neuf"
    is "new" as often as "nine"."""
    assert flag_of_edit(
        "{} days after you delete a conversation, it is no longer used to train our AI models.", "30", "90"
    ).ai
    assert flag_of_edit(
        "Notre outil d’IA estime la valeur de votre appareil, qu’il soit {} ou d’occasion.", "neuf", "9"
    ).ai
    assert not flag_of_edit("{} We use your public posts to train our AI models.", "4.2", "5.2").ai


@pytest.mark.parametrize(
    ("lead_in", "items", "added"),
    [
        ("The following eligible models can be traded in:", ["- Veltra X1", "- Veltra X2 Mini"], "- Veltra X3"),
        ("Eligible models for the free battery check:", ["- Aster 5", "- Aster 6"], "- Aster 7 Pro"),
        ("Only eligible models are accepted for repair:", ["- Dune 2", "- Dune 3"], "- Dune 4"),
    ],
)
def test_a_maker_s_models_that_a_programme_takes_are_no_ai(lead_in: str, items: list[str], added: str) -> None:
    """ "Eligible" or "compatible" said of models names devices a programme or an accessory takes, not a decision
    made by a model (the seventeenth set's trade-in list; these are other wordings)."""
    old = policy(INTRO, "\n".join([lead_in, "", *items]), CONTROLS)
    new = policy(INTRO, "\n".join([lead_in, "", *items, added]), CONTROLS)
    assert not flag_of(old, new).ai
    decided = "Our machine learning models decide whether you are eligible for the trade-in programme."
    assert flag_of(policy(INTRO, CONTROLS), policy(INTRO, decided, CONTROLS)).ai


@pytest.mark.parametrize(
    "clause",
    [
        "Eligible models may be fine-tuned on the content you upload.",
        "Content from Business accounts is never used to train eligible models.",
        "Eligible models may generate inaccurate or offensive output.",
        "Eligible models may be used to decide whether to approve or reject your loan application.",
        "Les modèles éligibles peuvent être entraînés sur vos contenus.",
        "Berechtigte Modelle können mit Ihren Inhalten trainiert werden.",
    ],
)
def test_eligible_models_that_learn_or_decide_are_a_model_s(clause: str) -> None:
    """What a review found of the first version, which read "eligible models" whole as a maker's models: an AI
    platform's terms offer fine-tuning "for eligible models"."""
    assert flag_of(policy(INTRO, CONTROLS), policy(INTRO, clause, CONTROLS)).ai


@pytest.mark.parametrize(
    "removed",
    [
        "You can opt out of the use of your personal data for training content-generating AI models in your settings.",
        "We may use your personal data to develop and train artificial intelligence (AI) models.",
        "Vous pouvez vous opposer à l’utilisation de vos données pour entraîner nos modèles d’IA.",
    ],
)
def test_an_ai_sentence_removed_from_the_end_of_a_paragraph_is_news_whatever_the_history(removed: str) -> None:
    """A user's test: the check (which passes the sentences of earlier versions) read the paragraph's sentence
    before the removed one, touched by the diff, as text an earlier version had: 'restored', quiet."""
    kept = "How we use your personal data will depend on which Services you use and the choices you make."
    old = policy(INTRO, f"{kept} {removed}", CONTROLS)
    new = policy(INTRO, kept, CONTROLS)
    assert flag_of(old, new, known_sentences=sentence_keys(old)).ai
    # A return to an earlier version's text is still quiet: the sentence comes back.
    assert not flag_of(new, old, known_sentences=sentence_keys(old)).ai


def test_an_ai_paragraph_removed_from_the_end_of_a_document_is_news_whatever_the_history() -> None:
    """Found importing an archive: the document's last sentence before the removed paragraph, touched by the diff,
    read as text an earlier version had; the removal of the policy's last paragraph, an AI clause, was quiet."""
    old = policy(INTRO, CONTROLS, "We use your public posts to train the generative AI models behind our features.")
    new = policy(INTRO, CONTROLS)
    assert flag_of(old, new, known_sentences=sentence_keys(old)).ai
    assert not flag_of(new, old, known_sentences=sentence_keys(old)).ai  # it comes back: a return


def test_completing_the_name_of_a_technique_keeps_the_claim() -> None:
    old = "Soutenir la recherche dans le domaine de l’IA, comme la vision par ordinateur et le traitement du langage."
    new = old.replace("du langage.", "du langage naturel.")
    assert not flag_of(policy(INTRO, old, CONTROLS), policy(INTRO, new, CONTROLS)).ai


def test_a_translation_of_the_whole_text_is_not_an_alert() -> None:
    english = policy(
        "Terms of Service",
        "We use and develop advanced technologies such as artificial intelligence and machine learning systems so "
        "that people can use our Products safely.",
        "You may not use our Products to do or share anything that is unlawful or misleading.",
    )
    french = policy(
        "Conditions d’utilisation",
        "Nous utilisons et développons des technologies avancées telles que l’intelligence artificielle et "
        "l’apprentissage automatique afin que chacun puisse utiliser nos Produits en toute sécurité.",
        "Vous ne pouvez pas utiliser nos Produits pour faire ou partager quoi que ce soit d’illégal ou de trompeur.",
    )
    flag = flag_of(english, french)
    assert not flag.ai and flag.kind == "document_replaced" and "different document" in flag.reason


def test_the_policy_after_a_stub_page_is_a_first_sight_not_an_alert() -> None:
    stub = "Conditions d’utilisation\n\n**Le Service Instagram**\n\n**Vos engagements**"
    full = policy(INTRO, GOOGLE_BARD, CONTROLS, "More text. " * 40)
    assert not flag_of(stub, full).ai


# -- memory of earlier versions ---------------------------------------------------------------------------------


def test_a_sentence_back_from_an_earlier_version_is_not_news() -> None:
    long_variant = policy(INTRO, GOOGLE_BARD, CONTROLS)
    short_variant = policy(INTRO, CONTROLS)
    updated = policy(INTRO.replace("why.", "why we do so."), GOOGLE_BARD, CONTROLS)
    known = sentence_keys(long_variant) | sentence_keys(short_variant)
    assert flag_of(short_variant, updated).ai  # without memory the returning sentence looks new
    flag = flag_of(short_variant, updated, known_sentences=known)
    assert not flag.ai


def test_a_change_that_restores_earlier_text_is_not_an_alert() -> None:
    before = policy(INTRO, GOOGLE_BEFORE, CONTROLS)
    early = policy(INTRO, GOOGLE_BARD, CONTROLS)  # the new text served early, then withdrawn
    known = sentence_keys(before) | sentence_keys(early)
    flag = flag_of(early, before, known_sentences=known)
    assert not flag.ai and "earlier version" in flag.reason
    assert flag_of(early, before).ai


# -- vocabulary ---------------------------------------------------------------------------------------------------


def test_config_extra_terms_extend_the_vocabulary() -> None:
    sentence = "We use your chats with Nova to improve the assistant and its answers."
    old, new = policy(INTRO, CONTROLS), policy(INTRO, sentence, CONTROLS)
    assert not flag_of(old, new).ai
    vocabulary = Vocabulary.build({"ai_feature": ["Nova"]})  # a category name: product names go there
    flag = flag_of(old, new, vocabulary=vocabulary)
    assert flag.ai and flag.category == "training" and "Nova" in flag.terms
    assert judge_sentence("Ask XYZ-GPT anything.", Vocabulary.build({"ai": ["XYZ-GPT"]})).score > 0


def _sentences_to_read() -> list[str]:
    """Varied real-style sentences: this module's, the generalization set's and the neutral policy texts'."""
    texts = [sentence for _, sentence in HELD_OUT_AI] + [sentence for _, sentence, _ in HELD_OUT_NOT_AI]
    texts += [text for _, old, new in HELD_OUT_REWORDED + HELD_OUT_ALIKE for text in (old, new)]
    tests = Path(__file__).resolve().parent
    for path in sorted((tests / "generalization").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            texts += [item[key] for key in ("text", "old", "new") if key in item]
    texts += [path.read_text(encoding="utf-8") for path in sorted((tests / "fixtures" / "neutral-policy").glob("*.md"))]
    return [sentence for text in texts for sentence in re.split(r"(?<=[.!?])\s+|\n+", text) if sentence.strip()]


def test_the_stems_find_every_term_the_patterns_match() -> None:
    """A kind of term is read only in sentences that hold one of its stems: the stems must cover its patterns."""
    vocabulary = Vocabulary.build()
    unfiltered = Vocabulary(tuple(replace(kind, stems=("",), exact_stems=()) for kind in vocabulary.kinds))
    for sentence in _sentences_to_read():
        assert judge_sentence(sentence, vocabulary) == judge_sentence(sentence, unfiltered), sentence
        if vocabulary.terms_in(sentence):
            assert vocabulary.terms_in(sentence) == unfiltered.terms_in(sentence), sentence
        if judge_sentence(sentence, vocabulary).score > 0:
            assert vocabulary.stems_in(sentence), sentence  # found by the trigger search of a changed text


def test_an_unknown_extra_terms_key_is_refused_with_the_keys_that_exist() -> None:
    with pytest.raises(ValueError, match=r"unknown category 'robots'.*ai_feature"):
        Vocabulary.build({"robots": ["R2D2"]})


def test_no_change_is_no_flag() -> None:
    text = policy(INTRO, GOOGLE_BARD, CONTROLS)
    assert flag_of(text, text) == NO_FLAG


def test_a_large_change_is_flagged_quickly() -> None:
    """Not a timing assertion (machines vary): the flag must finish a 100 KB change and find its sentence."""
    body = policy(*(f"Section {i}. {CONTROLS} {INTRO}" for i in range(500)))
    diff = diff_texts(body, body.replace("Section 250.", f"Section 250. {GOOGLE_BARD}"))
    started = time.perf_counter()
    flag = flag_change(diff)
    assert flag.ai and [e.text for e in flag.evidence] == [GOOGLE_BARD]
    assert time.perf_counter() - started < 5  # a hang, not a benchmark: see benchmarks/pipeline.py


# -- proven exclusions: the words did not change -----------------------------------------------------------------
# Real lines from the corpus, edited only the way their own later versions were.

# google/terms-of-service/contrib/2020-08-12T143027Z.md; 2020-08-18 dropped the comma before "like" (pair 158).
GOOGLE_TERMS_2020 = (
    "We’re constantly developing new technologies and features to improve our services. For example, we invest in "
    "artificial intelligence that uses machine learning to detect and block spam and malware, and to provide you "
    "with innovative features, like simultaneous translations. As part of this continual improvement, we sometimes "
    "add or remove features and functionalities, increase or decrease limits to our services, and start offering "
    "new services or stop offering old ones."
)
# google/privacy-policy/contrib/2024-02-08T183459Z.md; 2024-02-27 has straight apostrophes and no serial comma
# (pair 137).
GOOGLE_PUBLIC_2024 = (
    "For example, we may collect information that’s publicly available online or from other public sources to help "
    "train Google’s AI models and build products and features like Google Translate, Gemini Apps, and Cloud AI "
    "capabilities."
)
GOOGLE_PUBLIC_2024_TYPED = (
    "For example, we may collect information that's publicly available online or from other public sources to help "
    "train Google's AI models and build products and features like Google Translate, Gemini Apps and Cloud AI "
    "capabilities."
)
# instagram/terms-of-service/pga/2022-10-01T063121Z.md (en-US) and contrib/2022-06-07T003525Z.md (en-GB).
INSTAGRAM_US = (
    "Organizing and analyzing information for our growing community is central to our Service. A big part of our "
    "Service is creating and using cutting-edge technologies that help us personalize, protect, and improve our "
    "Service on an incredibly large scale for a broad global community. Technologies like artificial intelligence "
    "and machine learning give us the power to apply complex processes across our Service. Automated technologies "
    "also help us ensure the functionality and integrity of our Service."
)
INSTAGRAM_GB = (
    "Organising and analysing information for our growing community is central to our Service. A big part of our "
    "Service is creating and using cutting-edge technologies that help us personalise, protect and improve our "
    "Service on an incredibly large scale for a broad global community. Technologies such as artificial "
    "intelligence and machine learning give us the power to apply complex processes across our Service. Automated "
    "technologies also help us to ensure the functionality and integrity of our Service."
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (GOOGLE_TERMS_2020, GOOGLE_TERMS_2020.replace(". ", ".\n\n")),  # paragraphs split at every sentence
        (GOOGLE_TERMS_2020, GOOGLE_TERMS_2020.replace(", and", ",\nand")),  # a line break
        (GOOGLE_TERMS_2020, GOOGLE_TERMS_2020.replace(",", ";").replace("’", "'")),  # punctuation, quotes
        (GOOGLE_PUBLIC_2024, GOOGLE_PUBLIC_2024.replace(", and", " and")),  # a serial comma
    ],
)
def test_a_change_with_no_word_inserted_or_deleted_never_alerts(old: str, new: str) -> None:
    diff = diff_texts(policy(INTRO, old, CONTROLS), policy(INTRO, new, CONTROLS))
    assert diff.changed and diff.inserted_words == diff.deleted_words == 0
    flag = flag_change(diff)
    assert flag == flag_change(diff) and not flag.ai and "no word was inserted or deleted" in flag.reason


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (GOOGLE_TERMS_2020, GOOGLE_TERMS_2020.replace(" ", "  ")),  # the diff re-words whole runs of words
        (GOOGLE_PUBLIC_2024, "**" + GOOGLE_PUBLIC_2024.replace("train", "*train*") + "**"),  # Markdown emphasis
        (GOOGLE_PUBLIC_2024, GOOGLE_PUBLIC_2024.upper()),  # capitalisation
        (GOOGLE_PUBLIC_2024, GOOGLE_PUBLIC_2024.replace("information", "in-formation")),  # a word split in two
    ],
)
def test_edits_that_leave_the_words_as_they_were_never_alert(old: str, new: str) -> None:
    assert not flag_of(policy(INTRO, old, CONTROLS), policy(INTRO, new, CONTROLS)).ai


def test_a_real_sentence_split_in_three_lines_is_not_an_alert() -> None:
    split = GOOGLE_TERMS_2020.replace(" For example,", "\nFor example,").replace(" to detect", "\nto detect")
    flag = flag_of(policy(INTRO, GOOGLE_TERMS_2020, CONTROLS), policy(INTRO, split, CONTROLS))
    assert not flag.ai and "no word was inserted or deleted" in flag.reason


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (GOOGLE_TERMS_2020, GOOGLE_TERMS_2020.replace("features, like", "features like")),  # pair 158
        (GOOGLE_PUBLIC_2024, GOOGLE_PUBLIC_2024_TYPED),  # pair 137
        (INSTAGRAM_US, INSTAGRAM_GB),  # en-US and en-GB spelling, "like"/"such as", a serial comma
        (GOOGLE_PUBLIC_2024, GOOGLE_PUBLIC_2024.replace("Google’s", "Googles")),  # an apostrophe an extraction lost
        (GOOGLE_TERMS_2020, GOOGLE_TERMS_2020.replace("e-mail", "email")),
    ],
)
def test_real_re_punctuated_and_re_spelled_ai_sentences_are_not_alerts(old: str, new: str) -> None:
    for before, after in ((old, new), (new, old)):
        flag = flag_of(policy(INTRO, before, CONTROLS), policy(INTRO, after, CONTROLS))
        assert not flag.ai, flag


def test_known_sentences_run_together_by_a_lost_separator_are_not_new() -> None:
    # instagram/privacy-policy/pga/2025-06-25: table cells flattened without a space between them (pair 327).
    cell = "Information from partners, vendors and third parties"
    purpose = "Develop and improve artificial intelligence technology (also called AI at Meta) on Meta Products."
    old = policy(INTRO, cell, purpose, CONTROLS)
    new = policy(INTRO, cell + purpose, CONTROLS)
    assert not flag_of(old, new).ai


# -- broad detection ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Your chats with AIs built by other companies are not covered by this policy.",  # plural
        "The AI's answers may be inaccurate, so check important information.",  # possessive
        "Outputs of our LLMs' fine-tuned versions are reviewed before release.",
        "We use artificial intelligences from several providers to summarise your documents.",
        "Our machine-learned ranking decides which posts appear first in your feed.",
        "Content created with GenAI tools may be labelled as such.",
        "Les intelligences artificielles que nous utilisons peuvent produire des erreurs.",
        "KI-gestützte Funktionen fassen Ihre Nachrichten zusammen.",
    ],
)
def test_ai_wording_counts_in_any_inflection(sentence: str) -> None:
    assert flag_of(held_out("en"), held_out("en", sentence)).ai


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Scribe Assistant remembers details from your past chats to personalise its answers.", "Scribe Assistant"),
        ("Lumen agent can fill in forms and complete purchases on your behalf.", "Lumen agent"),
        ("Orbit Copilot can use your connected apps to answer questions.", "Orbit Copilot"),
        ("Nimbus AI is now available to members in Brazil and Mexico.", "Nimbus AI"),
        ("You can import chats from other apps into Tarn Companion.", "Tarn Companion"),
    ],
)
def test_a_product_named_by_its_shape_doing_something_with_information_flags(sentence: str, name: str) -> None:
    flag = flag_of(held_out("en"), held_out("en", sentence))
    assert flag.ai and name in flag.terms and flag.evidence[0].concept == "ai_product"


@pytest.mark.parametrize(
    "sentence",
    [
        "Nimbus AI is billed monthly at the price shown in your plan.",  # a bill, not what the product does
        "Questions about Nimbus AI? Contact us at privacy@nimbus.example.",
        "For questions about Nimbus AI, write to us at the address below.",
        "You may designate an Authorized Agent to make a request on your behalf.",
        "Our Support Assistant can reset your password when you call.",
    ],
)
def test_a_product_in_a_billing_or_contact_clause_and_human_roles_do_not_flag(sentence: str) -> None:
    assert not flag_of(held_out("en"), held_out("en", sentence)).ai


def test_the_companys_own_assistant_is_a_feature_not_a_product_shape() -> None:
    # google/privacy-policy/contrib 2024-03-05 (pair 139) changed "link" to "connect" in this sentence; the flag
    # reads "Google Assistant" in Google's own policy as Google's feature, not as a product name by its shape.
    old = (
        "If you link your Google Account to your Google Home, you can manage your information and get things done "
        "through the Google Assistant."
    )
    body = [f"Google uses information to provide Google services. Google keeps it safe. Section {i}." for i in range(5)]
    flag = flag_of(policy(*body, old), policy(*body, old.replace("link", "connect")))
    assert not flag.ai
    gemini = old.replace("Google Assistant", "Gemini assistant")  # a named product counts wherever it stands
    assert flag_of(policy(*body, gemini), policy(*body, gemini.replace("link", "connect"))).ai


@pytest.mark.parametrize(
    "notice",
    [
        "We'll start using your interactions with AI to personalise the content and ads you see",
        "We now use your AI chats for ads",
        "Wir nutzen jetzt Ihre KI-Chats",
    ],
)
def test_a_short_notice_that_announces_ai_use_is_a_statement_not_a_label(notice: str) -> None:
    assert flag_of(held_out("en"), held_out("en", notice, own_line=True)).ai
    assert not flag_of(held_out("en"), held_out("en", "Manage your AI settings", own_line=True)).ai


@pytest.mark.parametrize(
    "sentence",
    [
        "We may use your content to improve its models.",  # no AI word: a model that is improved learns
        "Accounts may be suspended by our algorithms without human review.",
        "Our models may produce inaccurate or offensive output.",
        "Wir verwenden Ihre Sprachaufnahmen zum Training unseres Spracherkennungsmodells.",  # a German compound
        "Sie können das Modelltraining jederzeit in den Einstellungen deaktivieren.",
    ],
)
def test_machines_that_learn_or_decide_count_without_the_word_ai(sentence: str) -> None:
    lang = "de" if " Sie " in sentence or sentence.startswith("Wir") else "en"
    assert flag_of(held_out(lang), held_out(lang, sentence)).ai


# -- memory of sections that come and go ------------------------------------------------------------------------------


def test_a_section_that_goes_again_after_coming_back_is_not_news() -> None:
    long_variant = policy(INTRO, GOOGLE_BARD, CONTROLS)
    short_variant = policy(INTRO, CONTROLS)
    updated_short = policy(INTRO.replace("services.", "apps and websites."), CONTROLS)
    history = [long_variant, short_variant, long_variant]
    known = frozenset().union(*map(sentence_keys, history))
    assert flag_of(long_variant, updated_short, known_sentences=known).ai  # without knowing it was dropped before
    flag = flag_of(long_variant, updated_short, known_sentences=known, dropped_sentences=dropped_sentences(history))
    assert not flag.ai


def test_dropped_sentences_are_those_a_later_version_went_without() -> None:
    first, second, third = "A first statement here.", "A second statement here.", "A third statement here."
    dropped = dropped_sentences([policy(first, second), policy(first), policy(first, second, third)])
    assert dropped == {sentence_key(second)}


# -- a different document in the policy's place ---------------------------------------------------------------------


POLICY_TEXT = policy(
    "# Privacy Policy",
    *(f"Section {i}. {INTRO} {CONTROLS}" for i in range(6)),
    "We may use your personal data to develop and train artificial intelligence models.",
)
REGIONAL_NOTICE = policy(
    "# European Regional Privacy Notice",
    "This Notice supplements the Privacy Policy for members located in the European Economic Area.",
    *(f"Article {i}. We rely on legitimate interests for the processing described in this row." for i in range(6)),
    "We process profile data as an input for AI-powered features and to train our AI models.",
)


def test_a_regional_notice_served_instead_of_the_policy_is_a_replaced_document_not_an_ai_change() -> None:
    flag = flag_of(POLICY_TEXT, REGIONAL_NOTICE)
    assert flag.kind == "document_replaced" and not flag.ai
    assert "the page now serves a different document" in flag.reason
    assert "European Regional Privacy Notice" in flag.reason
    assert [e.text for e in flag.evidence] == [
        "We process profile data as an input for AI-powered features and to train our AI models."
    ]


def test_a_replaced_document_that_makes_a_new_kind_of_ai_statement_alerts() -> None:
    plain = POLICY_TEXT.rsplit("\n\n", 1)[0]
    flag = flag_of(plain, REGIONAL_NOTICE)
    assert flag.kind == "document_replaced" and flag.ai and flag.category == "training"


def test_the_policy_back_after_another_document_is_judged_against_earlier_versions() -> None:
    known = sentence_keys(POLICY_TEXT) | sentence_keys(REGIONAL_NOTICE)
    assert not flag_of(REGIONAL_NOTICE, POLICY_TEXT, known_sentences=known).ai
    updated = POLICY_TEXT + "\n\nWe now use your private messages to train our AI models.\n"
    flag = flag_of(REGIONAL_NOTICE, updated, known_sentences=known)
    assert (
        flag.ai
        and flag.kind == "change"
        and quoted(flag) == [("insert", "We now use your private messages to train our AI models.")]
    )


# -- held out: wording the labelled corpus does not have --------------------------------------------------------
# An audit against over-fitting. The corpus holds Google, Meta and LinkedIn up to its capture dates; these are
# realistic clauses of other companies and later dates (LinkedIn 2024, Meta 2024, X 2023-24, Zoom 2023,
# Microsoft, Reddit, Adobe 2024, Slack), in English, French and German, and hard negatives that share their
# words. None of them is in the corpus, and no rule may name one of them.

HELD_OUT_BODY = {
    "en": (
        "# Privacy Policy",
        "This Privacy Policy describes how we collect, use and share information when you use our services. It "
        "applies to our websites, apps and related services.",
        "## How we use information",
        "We use the information we collect to provide, maintain and secure our services. We also use it to "
        "communicate with you and to comply with the law.",
        "## Your choices",
        "You can access, correct or delete your information in your account settings. We keep information for as "
        "long as we need it for these purposes.",
    ),
    "fr": (
        "# Politique de confidentialité",
        "Cette politique explique quelles informations nous recueillons et comment nous les utilisons. Elle "
        "s’applique à tous nos services.",
        "## Comment nous utilisons les informations",
        "Nous utilisons les informations recueillies pour fournir et sécuriser nos services. Nous les utilisons "
        "aussi pour communiquer avec vous.",
        "## Vos choix",
        "Vous pouvez accéder à vos informations, les rectifier ou les supprimer dans vos paramètres. Nous les "
        "conservons aussi longtemps que nécessaire.",
    ),
    "de": (
        "# Datenschutzerklärung",
        "Diese Datenschutzerklärung beschreibt, welche Informationen wir erfassen und wie wir sie verwenden. Sie "
        "gilt für alle unsere Dienste.",
        "## Wie wir Informationen verwenden",
        "Wir verwenden die erfassten Informationen, um unsere Dienste bereitzustellen und zu schützen. Wir nutzen "
        "sie auch, um mit Ihnen zu kommunizieren.",
        "## Ihre Wahlmöglichkeiten",
        "Sie können Ihre Informationen in den Einstellungen einsehen, berichtigen oder löschen. Wir speichern sie "
        "so lange wie nötig.",
    ),
}


def held_out(lang: str, sentence: str = "", own_line: bool = False) -> str:
    """The policy of that language, with `sentence` inside its usage paragraph, or on a line of its own."""
    paragraphs = list(HELD_OUT_BODY[lang])
    if own_line:
        paragraphs.insert(4, sentence)
    elif sentence:
        first, rest = paragraphs[3].split(". ", 1)
        paragraphs[3] = f"{first}. {sentence} {rest}"
    return "\n\n".join(paragraphs)


HELD_OUT_AI = [
    # Someone's prompts, or the prompts they write.
    ("en", "We may review your prompts to improve the quality of Tally's answers."),
    ("en", "Prompts that you submit through the API are deleted after 30 days."),
    ("fr", "Nous pouvons utiliser vos prompts pour améliorer la qualité des réponses."),
    ("de", "Prompts, die Sie eingeben, werden 30 Tage lang gespeichert."),
    (
        "en",
        "We may use your posts and interactions to train and improve generative AI models, including those of "
        "our affiliates.",
    ),
    (
        "en",
        "We may use your personal data to develop and train artificial intelligence (AI) models, and to gain "
        "insights with the help of AI, automated systems and inferences.",
    ),
    (
        "en",
        "You consent to Zoom’s access, use, collection, creation, modification, distribution, processing, sharing, "
        "maintenance, and storage of Service Generated Data for any purpose, including for the purpose of product and "
        "service development, marketing, analytics, quality assurance, machine learning or artificial intelligence "
        "(including for the purpose of training and tuning of algorithms and models), training, testing, and "
        "improvement of the Services.",
    ),
    (
        "en",
        "Zoom does not use any of your audio, video, chat, screen sharing, attachments or other "
        "communications-like Customer Content to train Zoom or third-party artificial intelligence models.",
    ),
    (
        "en",
        "Our automated systems may analyze your Content using techniques such as machine learning in order to "
        "improve our Services and Software and the user experience.",
    ),
    (
        "en",
        "We may use the information we collect and publicly available information to help train our machine "
        "learning or artificial intelligence models for the purposes outlined in this policy.",
    ),
    (
        "en",
        "You grant us a worldwide, non-exclusive, royalty-free license to use, copy, reproduce, process, adapt and "
        "modify such Content, including for use with and training of our machine learning and artificial "
        "intelligence models, whether generative or another type.",
    ),
    ("en", "We may license user content to third parties, including to train large language models."),
    ("en", "We may share information with our partners for the purpose of training their models."),
    ("en", "You can object to the use of your data for training content-generating AI models."),
    ("en", "You can opt out of having your content used to train generative models in your settings."),
    ("en", "We use your prompts and the responses to improve the large language models that power Copilot."),
    ("en", "Microsoft may use your conversations with Copilot to train its generative AI models."),
    (
        "en",
        "You may not use the AI services, or data from the AI services, to create, train, or improve any other AI "
        "technology.",
    ),
    ("en", "We may use de-identified data to train foundation models."),
    (
        "en",
        "Your content may be used to fine-tune, evaluate and improve the large-scale foundation models we license "
        "from third parties.",
    ),
    ("en", "We use content you share publicly, such as posts, photos and captions, to build and improve our LLMs."),
    (
        "en",
        "Content you submit to Gemini Apps, including your prompts, may be reviewed by human reviewers and used to "
        "improve Google products, services and machine-learning technologies.",
    ),
    (
        "en",
        "We use information shared on our Products, such as posts, photos and their captions, to develop and "
        "improve generative AI at Meta.",
    ),
    ("en", "We may use your conversations and feedback to retrain and evaluate our models."),
    ("en", "We use information about your transactions to train our fraud detection systems."),
    ("en", "We use your data for training our fraud detection systems."),
    ("en", "Transaction data helps us train the risk-scoring algorithms that review payments."),
    ("en", "Data from all users, including minors, may be used to pre-train our neural language models."),
    (
        "en",
        "Adobe Firefly is trained on licensed content and public domain content, and we may use your submissions "
        "to improve Firefly.",
    ),
    ("en", "Of course, we may also use the content you upload to train our models."),
    ("en", "In the course of providing the Services, we may use Customer Content to train our models."),
    ("en", "We use information about the courses you take to train our recommendation models."),
    ("en", "Images you upload may be used to train the computer vision models that detect harmful content."),
    ("en", "We may use your inputs and outputs to train our AI."),
    ("en", "Your interactions with our AI features may be used to improve the underlying models."),
    ("en", "We sell or license data to companies that develop artificial intelligence."),
    (
        "en",
        "Beginning November 3, 2024, we will use data from members in more regions to train content-generating AI "
        "models.",
    ),
    ("en", "We use machine learning models that are trained on your activity to rank the content you see."),
    ("fr", "Vous pouvez vous opposer à l’utilisation de vos données pour entraîner des modèles d’IA générative."),
    (
        "fr",
        "Nous utilisons les contenus publics, comme les publications et les commentaires, pour améliorer nos "
        "grands modèles de langage.",
    ),
    ("fr", "Nous pouvons utiliser vos contenus pour former nos modèles."),
    ("fr", "Vos données peuvent être utilisées pour l’entraînement de nos modèles d’intelligence artificielle."),
    ("fr", "Nous pouvons partager vos informations avec nos sociétés affiliées afin d’entraîner leurs modèles d’IA."),
    ("fr", "Vos conversations avec Copilot peuvent servir à améliorer nos modèles."),
    ("fr", "Nous utilisons vos publications publiques à des fins d’apprentissage automatique."),
    ("fr", "Les modèles que nous entraînons sur vos données servent à détecter les contenus préjudiciables."),
    ("de", "Wir verwenden Ihre öffentlichen Beiträge, um unsere KI-Modelle zu verbessern."),
    ("de", "Sie können der Nutzung Ihrer Daten zum Training generativer KI-Modelle widersprechen."),
    ("de", "Wir nutzen Ihre Inhalte zur Verbesserung unserer großen Sprachmodelle."),
    ("de", "Ihre Chats mit Copilot können verwendet werden, um unsere Modelle zu trainieren."),
    ("de", "Wir können öffentlich verfügbare Informationen nutzen, um unsere Algorithmen zu trainieren."),
    ("de", "Wir nutzen Ihre Daten für das Training von Modellen der künstlichen Intelligenz."),
    ("de", "Ihre Eingaben können zur Verbesserung von Gemini genutzt werden."),
    ("de", "Wir verwenden Ihre Inhalte, um Modelle für maschinelles Lernen zu entwickeln."),
    # Machines that learn, without "machine learning" (found by the second generalization set).
    ("en", "Your listening history is analysed by learning algorithms that suggest what to play next."),
    ("en", "Reported messages help the systems that continuously learn to spot fraud attempts."),
    ("en", "Voice commands are processed by speech recognition models hosted by our partner."),
    ("fr", "Vos trajets sont analysés par des algorithmes d'apprentissage afin d'estimer votre consommation."),
    ("de", "Ihre Bewerbung wird von einem selbstlernenden System vorsortiert."),
    # Recommenders trained on people's activity, embeddings, copies of voices (found by the third set).
    ("en", "Our ranking models are retrained every week on what you watch and skip."),
    ("en", "We store embeddings of the photos you upload to find similar pictures."),
    ("en", "With your permission, we can create a digital replica of your voice for dubbing your videos."),
    ("fr", "Nos moteurs de recommandation sont régulièrement entraînés sur votre historique de lecture."),
    ("de", "Unsere Empfehlungsalgorithmen werden mit Ihren Bewertungen trainiert."),
    # Agents that act for you, prompts and outputs (found by the fourth set).
    ("en", "When you turn on agent mode, the assistant can fill in forms and book tables for you."),
    ("en", "You own the content the service generates in response to your prompts."),
    ("fr", "En mode agent, l'assistant peut remplir des formulaires en votre nom."),
    ("de", "Im Agentenmodus kann der Dienst Formulare für dich ausfüllen."),
    # Systems that learn, and an assistant's memory (found by the fifth set).
    ("fr", "L'ordre de votre fil est déterminé par des systèmes qui apprennent de vos interactions."),
    ("en", "Your chats are kept for a year so that the service can recall your earlier requests."),
    ("fr", "Le service peut se souvenir de vos conversations précédentes pour personnaliser ses réponses."),
    ("de", "Der Dienst kann sich an Ihre früheren Unterhaltungen erinnern, um besser zu antworten."),
    # Voices cloned, said the other way round, and synthetic voices in French (found by the sixteenth set).
    ("en", "No artist's voice will be cloned without the written consent of the artist."),
    ("fr", "Nous pouvons utiliser vos enregistrements pour créer des voix de synthèse."),
    ("fr", "Aucune voix d'artiste ne sera clonée sans l'accord écrit de l'artiste."),
    ("de", "Wir werden Ihre Stimme niemals ohne Ihre Einwilligung klonen."),
]

# Short list items that complete a lead-in ending with a colon are statements, not menu entries.
HELD_OUT_AI_LISTS = [
    ("en", "We use your information to:\n\n- Provide our services\n- Train our AI models\n- Keep you safe"),
    ("en", "Some of the ways we use your data:\n\n* To develop and improve AI\n* To personalize ads"),
    ("fr", "Nous utilisons vos informations pour :\n\n- fournir nos services\n- entraîner nos modèles d’IA"),
    ("de", "Wir verwenden Ihre Informationen, um:\n\n- unsere Dienste bereitzustellen\n- KI-Modelle zu trainieren"),
]

HELD_OUT_NOT_AI = [
    # Prompts that are notices, not what a person gives a generative model.
    ("en", "Follow the prompts on your screen to finish setting up two-step verification.", False),
    ("en", "We may send you prompts to review your privacy settings once a year.", False),
    # Recommendations people make, embedded posts, clones of code, synthetic fibres.
    ("en", "We improve our recommendation engine with the ratings you give us.", False),
    ("en", "You can embed posts on other websites; embedded posts show your name and photo.", False),
    ("en", "Clone your repository to your computer with the clone URL shown on its page.", False),
    ("en", "Our jackets are made from synthetic fabrics and recycled wool.", False),
    # A name's initials in brackets.
    ("en", "Codeshare flights operated by Air India (AI) follow the operating carrier's conditions.", False),
    # People who learn: not machines that learn.
    ("en", "Learn more about how we protect your account on our learning platform.", False),
    ("en", "Employees complete self-learning modules on data protection every year.", False),
    ("en", "Our support team members learn to handle your requests with care.", False),
    ("de", "Lernende und Lehrkräfte können ihre Kurse jederzeit exportieren.", False),
    ("fr", "Les apprenants peuvent télécharger leurs attestations de formation.", False),
    ("en", "Try Meta AI", True),
    ("en", "AI-powered job search", True),
    ("en", "Ask Copilot", True),
    ("en", "## Explore\n\n- Try Meta AI\n- AI-powered job search\n- Help Center", True),  # a menu, no lead-in
    ("en", "Products:\n\n- AI-powered job search\n- Premium", True),  # a label is no lead-in
    (
        "en",
        "If you upload photos of people, you must have a signed model release from each identifiable person.",
        False,
    ),
    ("en", "Our founder has always been a role model for the team and for our approach to data.", False),
    ("en", "Watch our training videos to learn how to use your account and its privacy settings.", False),
    ("en", "We aim to be a model of transparency in how we handle your information.", False),
    ("en", "We provide data protection training for employees who handle your information.", False),
    (
        "en",
        "We use cookies and similar technologies to give you personalised experiences, improve our services and "
        "measure ads.",
        False,
    ),
    ("en", "We use your information to train our customer support staff and to improve their responses.", False),
    (
        "en",
        "We collect your device model and training data such as runs and workouts to improve your experience.",
        False,
    ),
    (
        "en",
        "Your training plan, device model and workout history help us improve the coaching content we show you.",
        False,
    ),
    ("en", "We record the model of your phone and the operating system version to improve app stability.", False),
    ("en", "We train our staff every year and review our pricing model and the information we keep.", False),
    ("en", "Our trainers use your workout data and the model of your bike to improve your training plan.", False),
    ("en", "We use your workout data in our training tools to build your plan.", False),
    ("en", "We offer training tools and materials that help your employees protect customer data.", False),
    ("en", "Of course, you can always download a copy of your data.", False),
    ("en", "In the course of providing the Services, we may share your information with service providers.", False),
    ("en", "We use automated processing to detect spam and improve the security of your account.", False),
    ("en", "We offer training courses, webinars and certifications for developers who build on our platform.", False),
    ("en", "Models appearing in our advertising are paid professionals and do not use your data.", False),
    ("en", "We use standard contractual clauses, model contracts and other safeguards to transfer data.", False),
    ("fr", "Nous formons nos employés à la protection des données chaque année.", False),
    ("fr", "Nous enregistrons le modèle de votre appareil pour améliorer la stabilité de l’application.", False),
    ("fr", "Nous proposons des formations en ligne pour les entreprises qui utilisent nos informations.", False),
    ("fr", "Essayez Meta AI", True),
    ("de", "Wir schulen unsere Mitarbeitenden regelmäßig im Umgang mit Ihren Daten.", False),
    (
        "de",
        "Wir erfassen das Gerätemodell und die Trainingsdaten Ihrer Läufe, um die Trainingspläne zu verbessern.",
        False,
    ),
    ("de", "Wir trainieren unsere Mitarbeiter regelmäßig und überprüfen unser Geschäftsmodell.", False),
    ("de", "Jetzt Meta AI ausprobieren", True),
]

# The same AI sentence re-worded so that it says something else: who, whose data, which data, whether, when.
HELD_OUT_REWORDED = [
    (
        "en",
        "You can opt in to the use of your data to train our AI models.",
        "You can opt out of the use of your data to train our AI models.",
    ),
    ("en", "We use non-public posts to train our AI models.", "We use public posts to train our AI models."),
    (
        "en",
        "We may use some of your posts to train our AI models.",
        "We may use all of your posts to train our AI models.",
    ),
    (
        "en",
        "We do not use data from users under 18 to train our AI models.",
        "We do not use data from users under 13 to train our AI models.",
    ),
    (
        "en",
        "We use data from members in the European Union to train our AI models.",
        "We use data from members outside the European Union to train our AI models.",
    ),
    ("en", "We use de-identified data to train our AI models.", "We use identified data to train our AI models."),
    ("en", "We use your posts to train AI models.", "We use your posts to train the AI models of Meta affiliates."),
    ("en", "We use your posts to train AI models.", "We use your posts and voice recordings to train AI models."),
    (
        "en",
        "Starting June 26, 2024, we will use public posts to train AI at Meta.",
        "Starting June 26, 2025, we will use public posts to train AI at Meta.",
    ),
    (
        "en",
        "By default, we use your chats to train our AI models unless you turn this off.",
        "We use your chats to train our AI models only if you turn this on.",
    ),
    (
        "en",
        "We use your chats to train AI models when you enable this setting.",
        "We use your chats to train AI models unless you disable this setting.",
    ),
    (
        "en",
        "We can’t use your private messages to train our AI models.",
        "We can use your private messages to train our AI models.",
    ),
    (
        "fr",
        "Nous utilisons vos publications non publiques pour entraîner nos modèles d’IA.",
        "Nous utilisons vos publications publiques pour entraîner nos modèles d’IA.",
    ),
    (
        "fr",
        "Nous n’utilisons plus vos messages privés pour entraîner nos modèles d’IA.",
        "Nous utilisons vos messages privés pour entraîner nos modèles d’IA.",
    ),
    (
        "de",
        "Wir verwenden Ihre Beiträge nur mit Ihrer Einwilligung, um KI-Modelle zu trainieren.",
        "Wir verwenden Ihre Beiträge auf Grundlage berechtigter Interessen, um KI-Modelle zu trainieren.",
    ),
]

HELD_OUT_ALIKE = [
    (
        "en",
        "We may use your posts to train our AI models, like translation.",
        "We may use your posts to train our AI models, such as translation.",
    ),
    (
        "en",
        "We don’t use your private messages to train our AI models.",
        "We do not use your private messages to train our AI models.",
    ),
    ("en", "We use de-identified data to train our AI models.", "We use deidentified data to train our AI models."),
    (
        "en",
        "We support AI research, like computer vision and language processing.",
        "We support AI research, like computer vision and natural language processing.",
    ),
]


@pytest.mark.parametrize(("lang", "sentence"), HELD_OUT_AI)
def test_held_out_ai_clauses_flag(lang: str, sentence: str) -> None:
    flag = flag_of(held_out(lang), held_out(lang, sentence))
    assert flag.ai, (flag.reason, judge_sentence(sentence))
    assert [e.text for e in flag.evidence] == [sentence]


@pytest.mark.parametrize(("lang", "text"), HELD_OUT_AI_LISTS)
def test_held_out_short_list_items_after_a_lead_in_flag(lang: str, text: str) -> None:
    flag = flag_of(held_out(lang), held_out(lang, text, own_line=True))
    assert flag.ai, flag.reason  # the data they are about is named in the lead-in, which did not change


@pytest.mark.parametrize(("lang", "sentence", "own_line"), HELD_OUT_NOT_AI)
def test_held_out_hard_negatives_do_not_flag(lang: str, sentence: str, own_line: bool) -> None:
    flag = flag_of(held_out(lang), held_out(lang, sentence, own_line))
    assert not flag.ai, flag


@pytest.mark.parametrize(("lang", "old", "new"), HELD_OUT_REWORDED)
def test_held_out_rewordings_that_change_the_claim_flag(lang: str, old: str, new: str) -> None:
    flag = flag_of(held_out(lang, old), held_out(lang, new))
    assert flag.ai and [e.op for e in flag.evidence] == ["delete", "insert"], flag


@pytest.mark.parametrize(("lang", "old", "new"), HELD_OUT_ALIKE)
def test_held_out_rewordings_that_keep_the_claim_do_not_flag(lang: str, old: str, new: str) -> None:
    flag = flag_of(held_out(lang, old), held_out(lang, new))
    assert not flag.ai, flag


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("Labels for AI-generated content help people know when content was made with AI.", "ai_feature"),
        ("We may share your content with partners for AI research and development.", "training"),
        (
            "Zoom will not use audio, video or chat Customer Content to train our artificial intelligence models.",
            "training",
        ),
    ],
)
def test_held_out_categories(sentence: str, category: str) -> None:
    flag = flag_of(held_out("en"), held_out("en", sentence))
    assert flag.ai and flag.category == category, flag


@pytest.mark.parametrize(
    "sentence",
    [
        "We will use your chats and coding sessions to improve Claude.",
        "We use voice recordings of your requests to Alexa to improve our speech recognition.",
    ],
)
def test_held_out_products_that_share_a_first_name_flag(sentence: str) -> None:
    # A name in the product list counts as an AI product wherever it stands; recall comes first.
    assert flag_of(held_out("en"), held_out("en", sentence)).ai


def test_held_out_a_short_policy_that_grows_is_judged_not_taken_for_a_stub() -> None:
    short = held_out("en")
    grown = policy(short, *(f"Section {i}. {CONTROLS} {INTRO}" for i in range(20)), GOOGLE_BARD)
    flag = flag_of(short, grown)
    assert flag.ai and "stub" not in flag.reason


def test_held_out_an_error_page_before_the_policy_is_a_first_sight() -> None:
    error = "Sorry, this page isn't available. The link you followed may be broken, or the page may have been removed."
    full = policy(held_out("en", GOOGLE_BARD), "More text. " * 200)
    flag = flag_of(error, full)
    assert not flag.ai and "first sight" in flag.reason


# -- the labelled real history ------------------------------------------------------------------------------------


def _corpus() -> Path | None:
    candidates = [os.environ.get("TRACKER_CORPUS"), Path(__file__).resolve().parents[2] / "shared" / "corpus"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "labels.json").is_file():
            return Path(candidate)
    return None


CORPUS = _corpus()
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="no shared corpus (../shared/corpus or $TRACKER_CORPUS)")


def _pair(index: int) -> Flag:
    assert CORPUS is not None
    labels = {label["pair_index"]: label for label in json.loads((CORPUS / "labels.json").read_text())}
    label = labels[index]
    old, new = (extract_text((CORPUS / label[key]).read_bytes(), "text/markdown") for key in ("from_md", "to_md"))
    return flag_change(diff_texts(old, new))


@needs_corpus
@pytest.mark.parametrize(
    ("pair", "category", "sentence"),
    [
        (128, "training", "help train Google’s AI models and build products and features, like Google Translate, Bard"),
        (133, "training", "We use your interactions with AI models and technologies like Bard to develop, train"),
        (
            134,
            "training",
            "Google Ireland Limited is the data controller responsible for processing information to train",
        ),
        (136, "training", "technologies like Gemini Apps to develop, train, fine-tune, and improve these models"),
        (175, "training", "using AI-generated content from our services to develop machine learning models"),
        (184, "ai_feature", "die möglicherweise mithilfe von KI verändert oder generiert wurden"),
        (236, "training", "Improve our AI technologies and support AI research and product development"),
        (410, "training", "la manière dont nous utilisons vos informations pour l’IA chez Meta"),
        (419, "training", "nous reportons la modification de notre utilisation de vos informations afin de développer"),
        (695, "training", "Améliorer nos technologies d’IA et soutenir la recherche et le développement de produits"),
    ],
)
def test_real_ai_changes_flag_with_their_sentence(pair: int, category: str, sentence: str) -> None:
    flag = _pair(pair)
    assert flag.ai and flag.category == category
    assert any(sentence in e.text and e.op == "insert" for e in flag.evidence), flag.evidence_json()


@needs_corpus
@pytest.mark.parametrize(
    "pair",
    [
        137,  # typography only in Google's AI-training sentences
        158,  # en-US to en-GB wording of Google's terms, AI sentence included
        533,  # en-GB spelling of Instagram's "Organizing and analyzing" AI paragraph
        679,  # dashes and "like"/"such as" in Meta's advanced-technologies paragraph
        691,  # "traitement du langage" completed to "traitement du langage naturel"
        23,  # LinkedIn's Service Terms replaced by the User Agreement (another document)
        479,  # Meta's terms served in French instead of English
        105,  # LinkedIn's Glint lines re-formatted (bullets, bold)
    ],
)
def test_real_non_changes_about_ai_do_not_flag(pair: int) -> None:
    flag = _pair(pair)
    assert not flag.ai, flag.evidence_json()


@needs_corpus
def test_the_labelled_history_meets_the_acceptance_and_flip_flops_raise_no_alert() -> None:
    from tracker.eval import evaluate

    assert CORPUS is not None
    for report in evaluate(CORPUS, load_config(Path(__file__).resolve().parents[1] / "config.yaml")):
        # Every AI change that reaches the flag alerts. A capture the screen refuses never reaches it: three
        # Instagram captures are refused as "looks truncated" today, which issue 10 (the screen) resolves.
        missed = [e for e in report.errors if e["verdict"] == "FN"]
        assert all(e["replay"] == "refused" and "truncated" in str(e["why"]) for e in missed), missed
        assert report.overall.precision >= 0.95, report.errors
        assert report.flip_flop_alerts == [], report.flip_flop_alerts


def test_the_extra_terms_example_in_the_docs_works() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "flagging.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = parse_config(example)
    vocabulary = Vocabulary.build(config.settings.flag.extra_terms)
    assert judge_sentence("We use voice recordings of your chats with Nova to improve it.", vocabulary).score >= 0.9
    compose = "Smart Compose suggests the next words as you type your emails."
    assert judge_sentence(compose).score == 0 and judge_sentence(compose, vocabulary).score >= 0.5


def test_a_cell_of_a_tables_body_is_a_statement_however_short() -> None:
    """A purposes table's row says what is done and why; its header says nothing (furniture)."""
    table = "| Purpose | Legal basis |\n| --- | --- |\n| Showing you homes near you | Contract |"
    with_ai = table + "\n| AI-assisted valuation of your home | Consent |"
    assert flag_of(policy(INTRO, table, CONTROLS), policy(INTRO, with_ai, CONTROLS)).ai
    header = "| AI features | Availability |\n| --- | --- |\n| Showing you homes near you | Everywhere |"
    assert not flag_of(policy(INTRO, table, CONTROLS), policy(INTRO, header, CONTROLS)).ai
    footer = "About | Help | Careers"  # links in a row: not a table
    assert not flag_of(policy(INTRO, footer, CONTROLS), policy(INTRO, footer + " | Meta AI", CONTROLS)).ai
    extracted = "Purpose | Legal basis\nShowing you homes near you | Contract"  # as extraction lays out an HTML table
    assert flag_of(
        policy(INTRO, extracted, CONTROLS), policy(INTRO, extracted + "\nAI valuation | Consent", CONTROLS)
    ).ai


AI_TRAINING = "We use public posts to train our AI models."
OBJECTION = "You can object to this use at any time in the Privacy Centre."


def test_a_sentence_that_refers_back_to_an_ai_statement_speaks_of_ai() -> None:
    """An opt-out deleted after an AI-training sentence that stays, or human review added to improve "these
    technologies": no AI word of their own, the AI statement before them says what they are about."""
    with_objection = policy(INTRO, f"{AI_TRAINING} {OBJECTION}", CONTROLS)
    deleted = flag_of(with_objection, policy(INTRO, AI_TRAINING, CONTROLS))
    assert deleted.ai and quoted(deleted) == [("delete", OBJECTION)], deleted.reason
    assert deleted.evidence[0].rule == "ai-context"
    french = flag_of(
        policy(
            INTRO,
            "Nous utilisons les publications publiques pour entraîner nos modèles d'IA. Vous pouvez vous "
            "opposer à cette utilisation à tout moment.",
            CONTROLS,
        ),
        policy(INTRO, "Nous utilisons les publications publiques pour entraîner nos modèles d'IA.", CONTROLS),
    )
    assert french.ai
    review = "Human reviewers may read a sample of your conversations to improve these technologies."
    uses = "We use your conversations to develop our machine-learning technologies."
    assert flag_of(policy(INTRO, uses, CONTROLS), policy(INTRO, f"{uses} {review}", CONTROLS)).ai


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We use meeting transcripts to train our AI models.", "You can turn this off at any time in your settings."),
        ("Nova uses a large language model to answer your questions.", "It can also book tables for you."),
        (
            "Nous utilisons vos textes pour améliorer nos modèles d'IA.",
            "Vous disposez d'un droit d'opposition ; vos textes ne seront alors plus utilisés à cette fin.",
        ),
        (
            "Der KI-Assistent beantwortet Ihre Fragen.",
            "Auf Ihre Anweisung trägt er außerdem Termine in Ihren Kalender ein.",
        ),
        (
            "Ihre Texte werden verwendet, um unsere Sprachmodelle zu verbessern.",
            "Sie haben ein Widerspruchsrecht; danach werden Ihre Texte hierfür nicht mehr herangezogen.",
        ),
        ("We may use call recordings to train our AI models.", "You can opt out by emailing privacy@example.com."),
        (
            "Fahrdaten können zum Training unserer KI-Systeme verwendet werden.",
            "Sie können dem jederzeit in den Einstellungen widersprechen.",
        ),
    ],
)
def test_a_sentence_added_or_removed_after_an_ai_statement_that_refers_to_it_speaks_of_ai(
    before: str, after: str
) -> None:
    without, with_it = policy(INTRO, before, CONTROLS), policy(INTRO, f"{before} {after}", CONTROLS)
    assert flag_of(without, with_it).ai and flag_of(with_it, without).ai


def test_a_reference_back_to_a_sentence_that_is_not_about_ai_is_not_ai() -> None:
    before = policy(INTRO, f"We keep your invoices for ten years. {OBJECTION}", CONTROLS)
    assert not flag_of(before, policy(INTRO, "We keep your invoices for ten years.", CONTROLS)).ai
    # A non-AI sentence edited before an AI sentence that stays: not AI (and "7 h." ends a sentence).
    old = "Les comptes ado coupent les notifications de 22 h à 7 h. Les parents peuvent bloquer les personnages IA."
    new = old.replace("22 h", "21 h")
    assert not flag_of(policy(INTRO, old, CONTROLS), policy(INTRO, new, CONTROLS)).ai


def test_an_item_added_to_a_list_an_ai_statement_leads_in_speaks_of_ai() -> None:
    lead_in = "With Nova Assistant you can:"
    items = ["- set reminders and timers;", "- ask questions about your screen;", "- control your lights."]
    old = policy(INTRO, "\n".join([lead_in, *items]), CONTROLS)
    added = "- let it book restaurants and buy tickets on websites for you."
    flag = flag_of(old, policy(INTRO, "\n".join([lead_in, *items, added]), CONTROLS))
    assert flag.ai and quoted(flag) == [("insert", added.removeprefix("- "))], flag.reason
    reordered = policy(INTRO, "\n".join([lead_in, items[2], items[0], items[1]]), CONTROLS)
    assert not flag_of(old, reordered).ai  # the same items in another order
    plain = policy(INTRO, "\n".join(["Some of the ways we use your data:", *items]), CONTROLS)
    assert not flag_of(plain, plain.replace("your lights.", "your lights and heating.")).ai


# -- the names a document gives its AI products -------------------------------------------------------------

# The document's owner is named most; a product named as often would be taken for it (names.py never learns it).
OWNER = (
    "Fernwood provides the Fernwood apps and websites. Fernwood is the controller of your information. You can "
    "reach Fernwood's privacy team from the Fernwood Help Center."
)


@pytest.mark.parametrize(
    ("declaration", "changed", "edited"),
    [
        (
            "Quill, our AI writing assistant, suggests edits as you type.",
            "Drafts you write with Quill are kept for 60 days.",
            "Drafts you write with Quill are kept for 2 years.",
        ),
        (
            "Harbor is the machine-learning model that sorts your inbox.",
            "Harbor does not read messages marked as confidential.",
            "Harbor reads every message, including those marked as confidential.",
        ),
        (
            "Messages you send to the AI tutor Bramble help it explain topics.",
            "Bramble is available to learners aged 16 and over.",
            "Bramble is available to learners aged 13 and over.",
        ),
        (
            "Our generative AI features (“Spark”) can turn your notes into slides.",
            "Content you create with Spark may be reviewed by our staff.",
            "Content you create with Spark may be reviewed by our staff and contractors.",
        ),
        (
            "Nimbo est notre agent conversationnel fondé sur l’intelligence artificielle.",
            "Les échanges avec Nimbo sont conservés pendant trois mois.",
            "Les échanges avec Nimbo sont conservés pendant un an.",
        ),
        (
            "Merle, unser KI-Assistent, beantwortet Fragen zu Ihrem Konto.",
            "Anfragen an Merle werden in Frankfurt verarbeitet.",
            "Anfragen an Merle werden in Frankfurt und in Virginia verarbeitet.",
        ),
    ],
)
def test_a_name_the_document_gives_an_ai_product_makes_a_sentence_that_names_it_about_ai(
    declaration: str, changed: str, edited: str
) -> None:
    old = policy(INTRO, OWNER, f"{declaration} {changed}", CONTROLS)
    flag = flag_of(old, old.replace(changed, edited))
    assert flag.ai, flag.reason
    assert {evidence.rule for evidence in flag.evidence if evidence.rule} == {"ai-name"}
    unnamed = policy(INTRO, OWNER, changed, CONTROLS)
    assert not flag_of(unnamed, unnamed.replace(changed, edited)).ai  # not named an AI: no AI


@pytest.mark.parametrize(
    ("declaration", "changed", "edited"),
    [
        # A company's own platform described with AI in a clause of its own, not named as AI.
        (
            "Brightline is a photo app that uses AI to suggest filters.",
            "Brightline is available in 40 countries.",
            "Brightline is available in 45 countries.",
        ),
        # A law with "AI" in its name.
        (
            "We comply with the EU AI Act where it applies.",
            "The Act requires us to keep records for ten years.",
            "The Act requires us to keep records for six years.",
        ),
        # A German noun after the description is no name.
        (
            "Lenz ist die KI-Funktion unserer Wetter-App, die Ihnen Vorhersagen erklärt.",
            "Die Wetter-App zeigt Werbung an.",
            "Die Wetter-App zeigt personalisierte Werbung an.",
        ),
        # A name that is also an ordinary word of the document.
        (
            "Beacon is our AI assistant for your travel plans.",
            "Every beacon on our ships transmits the ship's position. Beacon hours are posted at reception.",
            "Every beacon on our ships transmits the ship's position. Beacon hours are posted at the front desk.",
        ),
        # The product named in a clause about money.
        (
            "Quill, our AI writing assistant, suggests edits as you type.",
            "Quill is included in the Premium plan at no extra charge.",
            "Quill is included in the Premium plan for an additional charge of $5 a month.",
        ),
    ],
)
def test_names_that_are_no_ai_products_are_not_learned(declaration: str, changed: str, edited: str) -> None:
    old = policy(INTRO, OWNER, f"{declaration} {changed}", CONTROLS)
    flag = flag_of(old, old.replace(changed, edited))
    assert not flag.ai, flag.reason


def test_a_reference_back_reaches_the_ai_statement_through_sentences_that_refer_back_in_turn() -> None:
    training = "We use public reviews to improve our AI models."
    chain = "We do not use private notes for this purpose. This processing does not take place in Canada or Japan."
    old = policy(INTRO, f"{training} {chain}", CONTROLS)
    flag = flag_of(old, old.replace("in Canada or Japan", "in Canada"))
    assert flag.ai and {evidence.rule for evidence in flag.evidence if evidence.rule} == {"ai-context"}, flag.reason
    # The chain ends at a sentence that refers back to nothing about AI.
    plain = policy(INTRO, f"We keep your invoices for ten years. {chain}", CONTROLS)
    assert not flag_of(plain, plain.replace("in Canada or Japan", "in Canada")).ai


@pytest.mark.parametrize(
    ("statement", "reference", "edited"),
    [
        (
            "You may object to the use of your listings to train our AI models.",
            "You can exercise this right in the Privacy Center at any time.",
            "You can exercise this right in the Privacy Center until 1 March.",
        ),
        (
            "We use public comments to train our generative AI models.",
            "This does not apply to users in Canada or Japan.",
            "This does not apply to users in Canada.",
        ),
        (
            "Nous utilisons vos avis publics pour entraîner nos modèles d’IA.",
            "Vous pouvez exercer ce droit à tout moment depuis vos paramètres.",
            "Vous pouvez exercer ce droit jusqu’au 1er mars depuis vos paramètres.",
        ),
        (
            "Wir verwenden öffentliche Bewertungen, um unsere KI-Modelle zu trainieren.",
            "Dies gilt nicht für Nutzer in Kanada oder Japan.",
            "Dies gilt nicht für Nutzer in Kanada.",
        ),
    ],
)
def test_a_right_or_an_exception_that_refers_back_to_an_ai_statement_speaks_of_ai(
    statement: str, reference: str, edited: str
) -> None:
    old = policy(INTRO, f"{statement} {reference}", CONTROLS)
    assert flag_of(old, old.replace(reference, edited)).ai


@pytest.mark.parametrize(
    ("old_text", "new_text"),
    [
        (
            "3.1 AI features. Our AI features use machine learning. See Section 3.4 for how to turn them off.",
            "4.1 AI features. Our AI features use machine learning. See Section 4.4 for how to turn them off.",
        ),
        (
            "2. Our AI models are trained on public posts. Details are in Abschnitt 7.",
            "3. Our AI models are trained on public posts. Details are in Abschnitt 8.",
        ),
    ],
)
def test_a_renumbered_section_is_a_mechanical_edit(old_text: str, new_text: str) -> None:
    assert not flag_of(policy(INTRO, old_text, CONTROLS), policy(INTRO, new_text, CONTROLS)).ai


def test_a_changed_number_that_is_no_section_number_still_counts() -> None:
    old = policy(INTRO, "Your chats with our AI assistant are kept for 30 days.", CONTROLS)
    assert flag_of(old, old.replace("30 days", "90 days")).ai
    # A law's article is not the document's outline: "Article 22" -> "Article 21" changes the right that applies.
    article = policy(INTRO, "Our AI model decides on loan applications, as Article 22 of the GDPR allows.", CONTROLS)
    assert flag_of(article, article.replace("Article 22", "Article 21")).ai


def test_a_company_named_agents_or_assistants_is_no_ai_product() -> None:
    clause = "Our agent for service of process is Keystone Agents Ltd., 12 Harbour Street, Dover."
    assert judge_sentence(clause).score == 0.0
    assert judge_sentence("Keystone Agents can book your appointments for you.").score >= 0.5


def test_an_alert_on_a_name_quotes_where_the_document_says_what_the_name_is() -> None:
    declaration = "Quill, our AI writing assistant, suggests edits as you type."
    old = policy(INTRO, OWNER, f"{declaration} Drafts you write with Quill are kept for 60 days.", CONTROLS)
    flag = flag_of(old, old.replace("60 days", "2 years"))
    [named] = [evidence for evidence in flag.evidence if evidence.rule == "ai-name" and evidence.op == "insert"]
    assert named.terms == ("Quill",) and f"“{declaration}”" in named.says
    assert declaration in flag.reason


def test_a_name_beside_other_ai_terms_is_quoted_with_its_declaration_alone() -> None:
    declaration = "Orbit, our AI assistant, helps you draft messages."
    sentence = "Orbit remembers from your previous chats which tone you prefer."
    old = policy(INTRO, OWNER, f"{declaration} {sentence}", CONTROLS)
    flag = flag_of(old, old.replace("which tone", "which tone and language"))
    assert flag.ai and "remembers from your previous chats" in flag.terms and "Orbit" in flag.terms, flag
    assert f"Orbit: “{declaration}”" in flag.reason


def test_re_lettered_sub_clauses_are_mechanical_and_a_laws_points_are_not() -> None:
    clause = "You may not use Output: (a) to train models that compete with ours; or (b) to mislead anyone."
    old = policy(INTRO, clause, CONTROLS)
    assert not flag_of(old, old.replace("(a)", "(i)").replace("(b)", "(ii)")).ai
    basis = "We train our AI models on public posts under Art. 6(1)(f) GDPR (legitimate interests)."
    old = policy(INTRO, basis, CONTROLS)
    assert flag_of(old, old.replace("6(1)(f) GDPR (legitimate interests)", "6(1)(a) GDPR (consent)")).ai
    spaced = "We train our AI models on public posts under Article 6 (1) (f) of the GDPR (legitimate interests)."
    old = policy(INTRO, spaced, CONTROLS)
    assert flag_of(old, old.replace("(f) of the GDPR (legitimate interests)", "(a) of the GDPR (consent)")).ai


def test_a_copyright_agent_is_a_person_not_an_ai_product() -> None:
    notice = "Please send our designated Copyright Agent a notice that identifies the work and the material."
    assert judge_sentence(notice).score == 0.0


def test_a_single_digit_that_changes_in_an_ai_sentence_is_news() -> None:
    old = policy(INTRO, "We keep your conversations with our AI assistant for 3 years.", CONTROLS)
    flag = flag_of(old, old.replace("3 years", "5 years"))
    assert flag.ai and quoted(flag)[-1] == ("insert", "We keep your conversations with our AI assistant for 5 years.")
    assert sentence_key("Kept for 3 years.") != sentence_key("Kept for 5 years.")
    assert sentence_key("(a) Kept for years.") == sentence_key("(b) Kept for years.")  # a letter is a marker


@pytest.mark.parametrize(("old_limit", "new_limit"), [("under 18", "over 18"), ("unter 16 Jahren", "über 16 Jahren")])
def test_a_limit_that_turns_around_is_news(old_limit: str, new_limit: str) -> None:
    old = policy(INTRO, f"We never use data of people {old_limit} to train our AI models.", CONTROLS)
    assert flag_of(old, old.replace(old_limit, new_limit)).ai
    assert sentence_key("Terms under which we work.") == sentence_key("Terms over which we work.")  # no number


# -- sections under a heading about AI ------------------------------------------------------------------------

AI_SECTION = "## Writing suggestions powered by AI"
PLAIN_SECTION = "## Your account"


def section(heading: str, *blocks: str) -> str:
    return policy(INTRO, "\n\n".join([heading, *blocks]), CONTROLS)


@pytest.mark.parametrize(
    ("body", "edited"),
    [
        ("We keep this text for 30 days.", "We keep this text for 2 years."),
        ("Requests are processed in Frankfurt.", "Requests are processed in Frankfurt and in Oregon."),
        ("Our partner may not use them for its own products.", "Our partner may also use them for its own products."),
        ("- Drafts you write\n- Comments you accept", "- Drafts you write\n- Comments you accept\n- Your contacts"),
        (
            "| Data | Kept for |\n| --- | --- |\n| Drafts | 30 days |",
            "| Data | Kept for |\n| --- | --- |\n| Drafts | 1 year |",
        ),
    ],
)
def test_a_statement_in_a_section_whose_heading_speaks_of_ai_speaks_of_ai(body: str, edited: str) -> None:
    flag = flag_of(
        section(AI_SECTION, "We suggest wording as you type.", body),
        section(AI_SECTION, "We suggest wording as you type.", edited),
    )
    assert flag.ai, flag.reason
    assert any("heading of its section" in evidence.says for evidence in flag.evidence)
    # The same edit under a heading about something else is not about AI.
    plain = flag_of(
        section(PLAIN_SECTION, "We suggest wording as you type.", body),
        section(PLAIN_SECTION, "We suggest wording as you type.", edited),
    )
    assert not plain.ai


def test_a_section_under_a_heading_about_ai_inside_another_counts_and_a_new_ai_section_counts() -> None:
    nested = "## Generative AI\n\nWe offer a writing assistant.\n\n### Retention\n\nWe keep these drafts for 30 days."
    flag = flag_of(policy(INTRO, nested, CONTROLS), policy(INTRO, nested.replace("30 days", "3 years"), CONTROLS))
    assert flag.ai, flag.reason
    added = "### How we train our models\n\nThe data we use: public posts and the captions of public photos."
    assert flag_of(policy(INTRO, CONTROLS), policy(INTRO, added, CONTROLS)).ai


@pytest.mark.parametrize(
    ("body", "edited"),
    [
        # A statement of its own subject, beside the section's AI: the whole service's trash, the company's address.
        ("Files in Trash are deleted after 30 days.", "Files in Trash are deleted after 14 days."),
        ("Fernwood Ltd, 1 Quay Street, Dublin 2.", "Fernwood Ltd, 9 Dock Road, Dublin 4."),
        ("These Additional Terms are governed by Irish law.", "These Additional Terms are governed by Dutch law."),
        ("Last updated: March 2025.", "Last updated: June 2025."),
        (
            "For help setting up your microphone, visit example.com/audio.",
            "For help with your camera, visit example.com/video.",
        ),
        ("The Pro plan costs €10 a month.", "The Pro plan costs €12 a month."),
        ("Questions? Write to privacy@example.com.", "Questions? Write to dpo@example.com."),
    ],
)
def test_statements_of_their_own_subject_under_an_ai_heading_are_not_about_ai(body: str, edited: str) -> None:
    old, new = (
        section(AI_SECTION, "We suggest wording as you type.", body),
        section(AI_SECTION, "We suggest wording as you type.", edited),
    )
    assert not flag_of(old, new).ai


def test_a_price_row_that_names_an_ai_plan_and_a_key_made_by_an_algorithm_are_not_about_ai() -> None:
    table = "| Plan | Price |\n| --- | --- |\n| Nimbus AI Essential | 9 € |"
    assert not flag_of(policy(INTRO, CONTROLS), policy(INTRO, table, CONTROLS)).ai
    assert judge_sentence("Keys are generated with a FIPS 140-3 validated algorithm on your device.").score == 0.0


def test_a_typo_fixed_in_a_long_word_is_a_mechanical_edit_and_a_short_word_changed_is_not() -> None:
    old = policy(INTRO, "Moderators may remove undisclosed AI-generated contnet from the forums.", CONTROLS)
    assert not flag_of(old, old.replace("contnet", "content")).ai
    french = policy(
        INTRO, "Nos systèmes d’IA détectent les contenus contraires aux règles de la communautée.", CONTROLS
    )
    assert not flag_of(french, french.replace("communautée", "communauté")).ai
    negation = policy(INTRO, "We do not train our AI models on your private messages.", CONTROLS)
    assert flag_of(negation, negation.replace("do not train", "do now train")).ai
    swapped = policy(INTRO, "We use public posts to train our AI models.", CONTROLS)
    assert flag_of(swapped, swapped.replace("public posts", "private posts")).ai


@pytest.mark.parametrize(
    ("sentence", "typo", "word"),
    [
        ("We use your content to train artificial intelligence models.", "artifical", "artificial"),
        ("We use publc posts and their captions to train our generative AI models.", "publc", "public"),
        ("We improve the macine learning models that generate suggestions.", "macine", "machine"),
        ("Your chats are used for model trainning unless you opt out.", "trainning", "training"),
        ("Vos données servent à entraîner nos modèles d’IA personnalisés.", "personalisés", "personnalisés"),
        ("Wir trainieren unsere KI-Modelle mit öffentlichen Beiträgen.", "öffentlichn", "öffentlichen"),
    ],
)
def test_a_misspelling_fixed_or_made_anywhere_in_an_ai_sentence_is_mechanical(
    sentence: str, typo: str, word: str
) -> None:
    """One letter added, dropped, replaced or swapped, in any place of the word, between a spelling that no
    dictionary holds and one that a dictionary holds: a user's test had "artifical" -> "artificial" alarm."""
    spelled = policy(INTRO, sentence.replace(word, typo), CONTROLS)
    fixed = spelled.replace(typo, word)
    assert typo in spelled and not flag_of(spelled, fixed).ai
    assert not flag_of(fixed, spelled).ai


@pytest.mark.parametrize(
    ("sentence", "old", "new"),
    [
        ("We may retain models that were trained on your content.", "retain", "retrain"),
        ("Nous utilisions vos publications publiques pour entraîner nos modèles d’IA.", "utilisions", "utilisons"),
        ("Wir nutzten Ihre öffentlichen Beiträge, um unsere KI-Modelle zu trainieren.", "nutzten", "nutzen"),
        ("We use public posts to train our AI models.", "public", "pubic"),
        ("Our models are trained on identified data.", "identified", "identifies"),
        ("We train AI models on your posts with your consent.", "consent", "content"),
        # From a review: a word form the lists lack is no misspelling, nor is a name one letter from a word.
        ("We do not use content from teens to train our AI models.", "teens", "tweens"),
        ("Our assistant is built on Meta's Llama models.", "Llama", "Llava"),
    ],
)
def test_one_letter_between_two_words_of_a_dictionary_is_news(sentence: str, old: str, new: str) -> None:
    """The tense ("we used" -> "we use"), or another word one letter away: only a dictionary tells it from a typo."""
    before = policy(INTRO, sentence, CONTROLS)
    assert flag_of(before, before.replace(old, new)).ai


def test_evidence_is_quoted_without_a_label_s_colon() -> None:
    """A user's test: "+ : These terms govern use of our Generative AI products" (the sentence split after a label)."""
    old = policy(INTRO, "Meta AI Terms", CONTROLS)
    new = policy(INTRO, "Meta AI Terms: These terms govern use of our Generative AI products and features.", CONTROLS)
    assert all(not e.text.startswith((":", " ")) for e in flag_of(old, new).evidence)


def test_the_ai_thing_named_at_the_end_of_the_paragraph_before_is_the_same_thing() -> None:
    """A user's test: "The agent asks for confirmation before -> after paying" a paragraph after "Our AI agent can
    place orders for you." went unflagged; on the same line it was flagged."""
    old = policy(INTRO, "Our AI agent can place orders for you.", "The agent asks for confirmation before paying.")
    assert flag_of(old, old.replace("before paying", "after paying")).ai
    staff = policy(INTRO, "Our AI agent can place orders for you.", "Agents at our call centre answer in 2 days.")
    assert not flag_of(staff, staff.replace("2 days", "3 days")).ai
    listed = policy(INTRO, "Our AI agent can place orders for you.", "- The agent team answers in 2 days.")
    assert not flag_of(listed, listed.replace("2 days", "3 days")).ai


@pytest.mark.parametrize(
    ("paragraph", "old", "new"),
    [
        (
            "Our AI assistant can book tables for you. The assistant asks you before it pays a deposit.",
            "asks",
            "never asks",
        ),
        ("We send your prompts to our model provider. The provider deletes them after 7 days.", "7 days", "2 years"),
        (
            "Votre demande est traitée par notre agent d’IA. L’agent ne conserve rien après la session.",
            "ne conserve rien",
            "conserve vos messages 30 jours",
        ),
        (
            "Wir nutzen einen Anbieter von KI-Modellen. Dieser Anbieter speichert Ihre Eingaben nicht.",
            "nicht",
            "90 Tage",
        ),
    ],
)
def test_a_sentence_about_the_ai_thing_the_sentence_before_names_is_about_ai(
    paragraph: str, old: str, new: str
) -> None:
    """ "The agent", "the provider", "dieser Anbieter": the AI agent or the model provider named just before. A blind
    batch had three such edits missed (an agent that pays before or after asking, a provider's retention)."""
    before = policy(INTRO, paragraph, CONTROLS)
    flag = flag_of(before, before.replace(old, new))
    assert flag.ai and "the AI thing" in flag.reason


@pytest.mark.parametrize("language", spelling.LANGUAGES)
def test_the_word_lists_are_sorted_so_a_binary_search_finds_every_word(language: str) -> None:
    """spelling._holds searches a list's lines by halves: a pyspellchecker release with another order would make
    misspellings read as words, or words as misspellings."""
    keys = [line[1 : line.index('":')] for line in spelling._word_list(language).split("\n")]
    assert len(keys) > 100_000 and keys == sorted(keys)
    assert all(spelling.is_word(word) for word in keys[:: len(keys) // 500])


def test_one_edit_apart_and_word_forms() -> None:
    assert spelling.one_edit_apart("artifical", "artificial") and spelling.one_edit_apart("contnet", "content")
    assert spelling.one_edit_apart("nodels", "models") and not spelling.one_edit_apart("models", "modals ")
    assert not spelling.one_edit_apart("retain", "retains!") and not spelling.one_edit_apart("form", "farm!")
    assert spelling.is_word("Artificial") and not spelling.is_word("artifical") and spelling.is_word_form("tweens")


def test_a_misspelling_guard_reads_the_configured_vocabulary() -> None:
    """A review: "Replica" -> "Replika" is one letter from a dictionary word, and Replika is an AI product the
    operator named in `flag.extra_terms`."""
    vocabulary = Vocabulary.build({"product": ["Replika"]})
    old = policy(INTRO, "We send your chat history to Replica, our backup service.", CONTROLS)
    assert flag_of(old, old.replace("Replica", "Replika"), vocabulary=vocabulary).ai


@pytest.mark.parametrize(
    ("paragraph", "old", "new"),
    [
        ("Our AI assistant can book tables for you. The assistant costs $5 per month.", "$5", "$7"),
        (
            "We send your prompts to our model provider. The provider’s address is 1 Main Street, Dublin.",
            "1 Main Street",
            "9 Quay Road",
        ),
        (
            "We use machine learning to spot odd activity on your debit card. The card remains the bank’s property.",
            "the bank’s",
            "our",
        ),
        ("Our AI assistant drafts replies. The support team answers within 2 days.", "2 days", "3 days"),
        ("Our generative AI features help you write. The features are included in every plan.", "every", "the Pro"),
        # From a review: a human of the same name, another noun after AI words, the company itself, corporate facts.
        (
            "Our AI agent can book tables for you. Agents at our call centre answer 24 hours a day.",
            "24 hours",
            "12 hours",
        ),
        (
            "Unser KI-Agent kann Tische reservieren. Der Agent unserer Versicherung meldet sich in zwei Tagen.",
            "zwei",
            "fünf",
        ),
        (
            "Our models use computer vision. Our vision is to make the internet safer for everyone.",
            "everyone",
            "families",
        ),
        ("We use posts to train Meta's AI models. Meta keeps your account information for 30 days.", "30", "90"),
        ("We send your prompts to our model provider. The provider is incorporated in Delaware.", "Delaware", "Ohio"),
        (
            "Quillwise uses your text to improve its AI models. Our business model is based on subscriptions.",
            "subscriptions.",
            "subscriptions and licences.",
        ),
    ],
)
def test_what_the_sentence_after_an_ai_statement_says_of_something_else_is_not_about_ai(
    paragraph: str, old: str, new: str
) -> None:
    """Money, an address, a noun the AI words do not qualify ("card", "team"), a generic one ("features"), or an AI
    word in another sense ("business model")."""
    before = policy(INTRO, paragraph, CONTROLS)
    after = before.replace(old, new)
    assert after != before and not flag_of(before, after).ai


def test_what_a_review_found_reads_as_it_should() -> None:
    """Cases from a review of this session's rules: another word is news; a footnote's mark is not; a longer name
    and a person's role are no product's name."""
    retain = policy(INTRO, "We may retain models that were trained on your content.", CONTROLS)
    assert flag_of(retain, retain.replace("retain", "retrain")).ai
    note = policy(INTRO, "We use public posts to train our AI models (see note 3).", CONTROLS)
    assert not flag_of(note, note.replace("note 3", "note 4")).ai
    mark = policy(INTRO, "We use public posts to train our AI models.[3]", CONTROLS)
    assert not flag_of(mark, mark.replace("[3]", "[4]")).ai
    nova = "Nova, our AI assistant, drafts replies. Residents of Nova Scotia can request access within 30 days."
    old = policy(INTRO, OWNER, nova, CONTROLS)
    assert not flag_of(old, old.replace("30 days", "45 days")).ai
    role = "Jane Smith, our Head of AI Governance, also acts as our DPO. Jane Smith answers requests within 30 days."
    old = policy(INTRO, OWNER, role, CONTROLS)
    assert not flag_of(old, old.replace("30 days", "20 days")).ai


# -- what a section's subject, an assistant and an automatic action say (thirteenth blind set) ------------------


@pytest.mark.parametrize(
    ("heading", "body", "edited"),
    [
        # what such a feature takes and gives, as the subject
        ("## AI note-taker", "Transcripts are kept for 6 months.", "Transcripts are kept for 2 years."),
        ("## Assistant IA", "Vos échanges sont conservés 30 jours.", "Vos échanges sont conservés 2 ans."),
        ("## KI-Übersetzung", "Ihre Eingaben bleiben in der EU.", "Ihre Eingaben werden auch in Kanada verarbeitet."),
        # what the heading names, as the subject
        ("## AI-written captions", "Captions are stored with the video.", "Captions are stored for 5 years."),
        ("## Résumés par l’IA", "Les résumés restent en France.", "Les résumés peuvent quitter l’UE."),
        # its switch
        ("## Improving our AI models", "The setting is off by default.", "The setting is on by default."),
    ],
)
def test_a_section_statement_whose_subject_is_the_ai_features_is_about_ai(heading: str, body: str, edited: str) -> None:
    opening = "We offer this feature in every plan."
    flag = flag_of(section(heading, opening, body), section(heading, opening, edited))
    assert flag.ai, flag.reason
    assert not flag_of(section(PLAIN_SECTION, opening, body), section(PLAIN_SECTION, opening, edited)).ai


@pytest.mark.parametrize(
    ("heading", "body", "edited"),
    [
        # the product's or the company's name is no subject the heading names, even in an e-mail address
        (
            "## How Brightly uses AI",
            "Brightly is not meant for children under 13. Write to help@brightly.example.",
            "Brightly is not meant for children under 16. Write to help@brightly.example.",
        ),
        # a postal address, in a sentence that names the assistant
        (
            "## AI features",
            "The assistant is provided by Nova Labs Inc., 221 Market Street, San Francisco, CA 94105.",
            "The assistant is provided by Nova Labs Inc., 8 Mission Street, San Francisco, CA 94105.",
        ),
        (
            "## KI-Funktionen",
            "Anbieter: Kompass GmbH, Torstraße 12, 10119 Berlin.",
            "Anbieter: Kompass GmbH, Torstraße 40, 10119 Berlin.",
        ),
        # a word of the heading that says which, not what ("Customer" in "Customer support chatbot")
        (
            "## Customer support chatbot",
            "Customers can close their account at any time.",
            "Customers can close their account within 30 days.",
        ),
        # a word that looks like the heading's noun ("care" and "card")
        ("## Card scanning with AI", "Care is taken to keep scans safe.", "Great care is taken to keep scans safe."),
        # an account's subject of its own under an AI heading
        (
            "## AI note-taker",
            "Accounts are closed after 3 years without use.",
            "Accounts are closed after 2 years without use.",
        ),
    ],
)
def test_names_addresses_and_subjects_of_their_own_in_an_ai_section_are_not_about_ai(
    heading: str, body: str, edited: str
) -> None:
    opening = "We offer this feature in every plan."
    assert not flag_of(section(heading, opening, body), section(heading, opening, edited)).ai


@pytest.mark.parametrize(
    "sentence",
    [
        "When you ask our assistant for a recipe, we may use your question to choose the ads you see.",
        "You can ask the assistant to summarise the files in your drive.",
        "Die Antworten des Assistenten können Fehler enthalten.",
        "Vos questions à l’assistant peuvent servir à personnaliser les publicités.",
        "Unser Assistent merkt sich Ihre Vorlieben für spätere Gespräche.",
    ],
)
def test_a_products_assistant_is_an_ai_product(sentence: str) -> None:
    assert flag_of(policy(INTRO, CONTROLS), policy(INTRO, sentence, CONTROLS)).ai


@pytest.mark.parametrize(
    "sentence",
    [
        "Your assistant or another delegate you choose can view and edit your calendar.",
        "The assistant manager of each store can see the orders placed there.",
        "A teaching assistant may grade the quizzes of your course.",
        "L’assistant social de votre commune peut demander ces informations.",
        "If you request a callback, the assistant will contact you within two business days.",
        "The Assistant Manager of your branch will review your application.",
        "Der Assistent der Geschäftsleitung bearbeitet Ihre Anfrage.",
    ],
)
def test_a_persons_assistant_is_no_ai(sentence: str) -> None:
    assert not flag_of(policy(INTRO, CONTROLS), policy(INTRO, sentence, CONTROLS)).ai


@pytest.mark.parametrize(
    ("paragraph", "old_action", "new_action"),
    [
        (
            "We use machine learning to score each review for spam. Reviews with a high score are {}.",
            "checked by our staff",
            "hidden automatically",
        ),
        (
            "Un modèle d’apprentissage automatique repère les annonces frauduleuses. Les annonces repérées sont {}.",
            "vérifiées par notre équipe",
            "retirées automatiquement",
        ),
        (
            "Ein KI-System bewertet jede Zahlung. Auffällige Zahlungen werden {}.",
            "von Mitarbeitern geprüft",
            "automatisch abgelehnt",
        ),
    ],
)
def test_an_automatic_action_after_a_models_sentence_is_that_models_decision(
    paragraph: str, old_action: str, new_action: str
) -> None:
    flag = flag_of_edit(paragraph, old_action, new_action)
    assert flag.ai, flag.reason
    # Without a model before it, or done to what no model marked, an automatic action is the service's rule.
    for plain in (
        "We check each review for spam. Reviews that break the rules are {}.",
        "We use AI to summarise your meetings. Accounts without a meeting for two years are {}.",
        "We use machine learning to recommend products. To reduce the risk of fraud, unpaid orders are {}.",
    ):
        assert not flag_of(
            policy(INTRO, plain.format("checked by our staff"), CONTROLS),
            policy(INTRO, plain.format("closed automatically"), CONTROLS),
        ).ai


def test_a_section_whose_opening_says_its_subject_is_ai_has_items_about_ai() -> None:
    notes = "## Call notes\n\nWhen you turn on Call Notes, our AI writes notes of the call.\n\n- Notes are kept for {}."
    flag = flag_of(policy(INTRO, notes.format("30 days"), CONTROLS), policy(INTRO, notes.format("1 year"), CONTROLS))
    assert flag.ai, flag.reason
    # An opening that mentions AI without saying the heading's subject is AI makes no other subject of it.
    cookies = "## Cookies\n\nWe never use cookie data to train AI models. Cookies expire after {}."
    assert not flag_of(
        policy(INTRO, cookies.format("13 months"), CONTROLS), policy(INTRO, cookies.format("6 months"), CONTROLS)
    ).ai
    # An opening that denies AI makes no AI of its list.
    denied = "## Cookies\n\nWe do not use cookies to train AI models. We use these cookies:\n\n- analytics: {}"
    assert not flag_of(
        policy(INTRO, denied.format("counts visits"), CONTROLS), policy(INTRO, denied.format("counts clicks"), CONTROLS)
    ).ai


def test_a_number_before_a_capitalised_product_word_is_no_postal_address() -> None:
    for sentence in (
        "Nimbus AI can now import up to 100 files from Google Drive.",
        "Nimbus AI fasst Dokumente mit bis zu 20000 Wörtern zusammen.",
        "Le tuteur Nimbus AI accompagne désormais 12 cours de mathématiques.",
    ):
        assert flag_of(policy(INTRO, CONTROLS), policy(INTRO, sentence, CONTROLS)).ai, sentence


@pytest.mark.parametrize(
    ("paragraph", "old_place", "new_place"),
    [
        (
            "We use public posts to train our generative AI models. This section does not apply to users in {}.",
            "Canada or Japan",
            "Canada",
        ),
        (
            "You can object to the use of your posts to train our AI models. This form is available to users in {}.",
            "the UK",
            "the UK and Brazil",
        ),
        (
            "Wir nutzen öffentliche Beiträge, um unsere KI-Modelle zu trainieren. Dieser Abschnitt gilt nicht für {}.",
            "Nutzer in Kanada",
            "Nutzer in Kanada und Japan",
        ),
    ],
)
def test_where_an_ai_clause_applies_is_about_that_clause(paragraph: str, old_place: str, new_place: str) -> None:
    flag = flag_of_edit(paragraph, old_place, new_place)
    assert flag.ai, flag.reason


def test_where_the_whole_policy_or_a_clause_without_ai_applies_is_not_about_ai() -> None:
    policy_wide = "We use public posts to train our generative AI models. This Policy does not apply to users in {}."
    plain = "We keep your invoices for seven years. This section does not apply to users in {}."
    for paragraph in (policy_wide, plain):
        assert not flag_of_edit(paragraph, "Canada or Japan", "Canada").ai, paragraph


def test_a_documents_own_article_renumbered_is_mechanical_and_a_laws_is_not() -> None:
    own = policy(INTRO, "Vous pouvez refuser l’entraînement de nos modèles d’IA selon l’article 8.2.", CONTROLS)
    assert not flag_of(own, own.replace("8.2", "9.2")).ai
    law = policy(INTRO, "We rely on Article 6.1 GDPR to train our AI models.", CONTROLS)
    assert flag_of(law, law.replace("6.1", "7.1")).ai


@pytest.mark.parametrize(
    ("sentence", "old_words", "new_words"),
    [
        (
            "We use your questions and the assistant's answers to train our models, and we issue your invoices "
            "through our billing partner, {}, each month.",
            "Paybright",
            "Cashwell",
        ),
        (
            "Nous utilisons vos conversations pour améliorer nos modèles d’IA, et nous conservons les factures "
            "pendant {} ans.",
            "dix",
            "six",
        ),
        (
            "Wir verwenden Ihre Eingaben, um unsere KI-Modelle zu verbessern, und stellen Rechnungen {} an die "
            "angegebene Adresse zu.",
            "per Post",
            "per E-Mail",
        ),
        (
            "Our recommendation models learn from what you watch; we issue your invoice on the {} day of each month.",
            "first",
            "fifth",
        ),
    ],
)
def test_an_edit_in_a_statement_joined_to_an_ai_one_about_something_else_is_no_ai_change(
    sentence: str, old_words: str, new_words: str
) -> None:
    flag = flag_of_edit(sentence, old_words, new_words)
    assert not flag.ai, flag.reason
    assert "joined" in flag.reason


@pytest.mark.parametrize(
    ("sentence", "old_words", "new_words"),
    [
        # the joined statement points back at what the AI clause took
        ("We use your voice recordings to train our speech models, and we keep them for {}.", "30 days", "90 days"),
        ("Wir nutzen Ihre Chats zum Training unserer KI-Modelle, und wir speichern sie {} Jahre.", "drei", "fünf"),
        ("Nous utilisons vos messages pour entraîner nos modèles d’IA, et nous les conservons {} mois.", "six", "dix"),
        # the AI clause points back at the joined statement before it
        ("We collect {} you upload, and we use them to train our image models.", "the photos", "the photos and videos"),
        # the joined statement speaks of what the AI clause speaks of
        (
            "We use public posts to train our AI models, and we leave out public posts from users under {}.",
            "18",
            "16",
        ),
        # a condition, a limit: no statement of its own
        ("If you object {}, we stop using your messages to train our models.", "in Settings", "by email"),
        ("We use your chats to improve our models, unless you turn off {} in Settings.", "History", "Improve"),
        ("We use your chats to improve our models, which we host in {}.", "Ireland", "the United States"),
        # about something other than bills, payments or contact details: maybe the AI clause's notice
        ("We will use public posts to train our AI models, and we will notify users before {}.", "27 May", "14 April"),
        # the price or the channel of a choice about the AI clause (a review's cases)
        (
            "We use your chats to train our AI models, and we charge a one-off fee of {} to users who opt out.",
            "$5",
            "$50",
        ),
        (
            "We use your activity to show you ads selected by our AI systems, and we offer a subscription without ads "
            "for {} a month.",
            "€5.99",
            "€12.99",
        ),
        (
            "We use your public posts to train our AI models, and we accept objections by email at {}.",
            "privacy@example.com",
            "legal@example.com",
        ),
        (
            "Nous utilisons vos conversations pour entraîner nos modèles d’IA, et nous facturons {} aux "
            "utilisateurs qui refusent.",
            "2 € par mois",
            "9 € par mois",
        ),
        (
            "Wir nutzen Ihre Chats zum Training unserer KI-Modelle, und erheben bei einem Widerspruch eine Gebühr von "
            "{} im Monat.",
            "2 €",
            "9 €",
        ),
        # invoices that feed the AI clause
        (
            "We train our fraud-detection models on your account activity, and we also include your invoices from the "
            "past {}.",
            "two years",
            "ten years",
        ),
        (
            "Unsere KI-Modelle zur Betrugserkennung lernen aus Zahlungen, die über unsere Plattform laufen, "
            "und früheren Rechnungsdaten der letzten {} Jahre.",
            "zwei",
            "zehn",
        ),
        # a price, data sent, filed or read, what a model made: more than routine business (a review's cases)
        (
            "We never use the chats of subscribers to train our AI models, and we invoice the subscription at {} a "
            "month.",
            "€5",
            "€15",
        ),
        (
            "We use machine learning to assess the fraud risk of each order, and we give our payment processor, {}, "
            "a risk rating for every purchase.",
            "Adyen",
            "Adyen, and Klarna",
        ),
        (
            "We use a machine-learning model to categorise your transactions, and we {} your tax return.",
            "pre-fill",
            "file automatically",
        ),
        (
            "We use bookkeeping data to train our machine-learning models, and we read {} of your invoices.",
            "only the totals",
            "the full text",
        ),
        # a statement before the AI clause can say whom it is about
        (
            "We send invoices to Pro {} each month, and we never use paid seats' chats to train our models.",
            "seats",
            "seats and Team seats",
        ),
        # the joined statement gains an AI word
        (
            "We use your prompts to improve our models, and we share your billing address with {}.",
            "Stripe",
            "Stripe and our AI model provider",
        ),
    ],
)
def test_an_edit_beside_an_ai_clause_that_is_about_it_is_an_ai_change(
    sentence: str, old_words: str, new_words: str
) -> None:
    flag = flag_of_edit(sentence, old_words, new_words)
    assert flag.ai, flag.reason


@pytest.mark.parametrize(
    ("paragraph", "old_words", "new_words"),
    [
        (
            "Our AI model reads your CV and produces a match score for each vacancy. Recruiters see your match score "
            "{}.",
            "only if you apply",
            "for every vacancy",
        ),
        (
            "Notre modèle d’apprentissage automatique calcule un score de conduite à partir de vos trajets. Votre "
            "score de conduite est transmis à votre assureur{}.",
            " uniquement avec votre accord",
            "",
        ),
        (
            "Our machine-learning model reviews the photos of your claim and proposes a repair estimate. This estimate "
            "is paid out within two days{}.",
            "",
            ", once a claims handler has approved it",
        ),
        (
            "Ein KI-Modell berechnet aus Ihren Fahrdaten eine Bewertung Ihres Fahrstils. Diese Bewertung wird an {} "
            "übermittelt.",
            "Ihre Versicherung",
            "Ihre Versicherung und unsere Partner",
        ),
    ],
)
def test_a_sentence_that_takes_up_what_the_ai_sentence_before_it_made_is_about_ai(
    paragraph: str, old_words: str, new_words: str
) -> None:
    flag = flag_of_edit(paragraph, old_words, new_words)
    assert flag.ai, flag.reason
    assert "takes up" in flag.reason


@pytest.mark.parametrize(
    ("paragraph", "old_words", "new_words"),
    [
        # the setting of the AI sentence, not what the model made
        (
            "Nimbus, our AI note-taker, can be added to any meeting on a paid plan. Paid plans allow up to {} "
            "participants per meeting.",
            "100",
            "300",
        ),
        # a demonstrative and a noun the AI sentence does not hold
        (
            "We use AI to suggest replies to your messages. This page lists our offices in {}.",
            "Dublin",
            "Dublin and Rome",
        ),
        # the document's own defined terms are no noun taken up
        (
            "Our Supplemental Terms for AI features explain how we use AI to translate your posts. If they conflict "
            "with these Terms, {} govern.",
            "the Supplemental Terms",
            "these Terms",
        ),
        # what the AI sentence spoke of, but not what a model made (a review's cases)
        (
            "We use machine learning to spot unusual activity on your debit card. This card remains the property of "
            "the bank and must be returned {}.",
            "on request",
            "when your account is closed",
        ),
        (
            "An AI model selects recommended products for you. Recommended products can be returned within {} days.",
            "14",
            "30",
        ),
        ("We never use AI to make hiring decisions. Hiring decisions are communicated by {}.", "phone", "email"),
        (
            "Nous utilisons l’IA pour choisir les magasins proches de vous. Ces magasins sont ouverts du lundi au {}.",
            "samedi",
            "dimanche",
        ),
        (
            "Wir nutzen KI, um Filialen in Ihrer Nähe zu finden. Diese Filialen sind montags bis {} geöffnet.",
            "freitags",
            "samstags",
        ),
        # words in a link's address make no pair
        (
            "Learn how our AI drafts replies ([help](https://example.com/help/answer/a1)). You can close your account "
            "at any time ([help](https://example.com/help/answer/a2)){}.",
            "",
            ", except while you have an unpaid invoice",
        ),
        # a name the two sentences share is no phrase taken up
        (
            "Orbit uses machine learning to rank the posts in your feed. Orbit Business Accounts cost {} a month.",
            "10 €",
            "12 €",
        ),
    ],
)
def test_a_sentence_beside_an_ai_one_that_takes_up_nothing_it_made_is_no_ai_change(
    paragraph: str, old_words: str, new_words: str
) -> None:
    assert not flag_of_edit(paragraph, old_words, new_words).ai


def test_an_ai_sentence_with_non_breaking_spaces_is_found_unchanged_for_the_sentence_after_it() -> None:
    paragraph = (
        "We use machine learning to assess claims under 1\u00a0500\u00a0€ within minutes. "
        "You can object to this use {}."
    )
    assert flag_of_edit(paragraph, "at any time", "only by post").ai


# "It" after a sentence about an AI product is as often the account, the form, a person or nothing at all: a rule
# that read it as the product was reviewed and dropped (decision 0026). These are the reviews' cases.
@pytest.mark.parametrize(
    ("paragraph", "old_words", "new_words"),
    [
        # "it" that stands for nothing
        (
            "Orbit is an AI assistant that drafts replies. It is important to read your replies {}.",
            "before you send them",
            "before you send them to anyone",
        ),
        ("Le Compagnon est un assistant d’IA. Il vous appartient de vérifier {}.", "ses réponses", "les réponses"),
        # the subject before is the company, or the app, not an AI product
        ("We use AI to draft replies. It is available in {}.", "English", "English and French"),
        ("The app uses machine learning to sort your photos. It is free for {}.", "students", "everyone"),
        # what an AI product costs is billing
        ("Orbit is an AI assistant that drafts replies. It costs {} a month.", "$5", "$7"),
        # a part of something else ("the model of your phone"), and a heading between the two
        (
            "The model of your phone is read by our AI to adapt the layout. It is shown in {}.",
            "Settings",
            "Settings > About",
        ),
        ("Orbit is an AI assistant that drafts replies.\n\n## Accounts\n\nIt is {}.", "free", "free for everyone"),
        # "it" after an AI product, and what it says is of the account, the form, the parcel, a person (a review's)
        (
            "Our AI assistant helps you set up your Acme account. It must be created by a person aged {} or older.",
            "13",
            "16",
        ),
        ("Our AI assistant helps you fill in the claim form. It must be submitted within {} days.", "30", "60"),
        ("The export tool lets you download your AI chat history. It produces a ZIP file of up to {} GB.", "2", "5"),
        ("L’assistant IA répond aux questions sur votre colis. Il est livré sous {} jours.", "3", "5"),
        (
            "Votre conseiller peut utiliser des outils d’IA. Il est joignable du lundi au vendredi jusqu’à {}.",
            "18h",
            "19h",
        ),
        ("Der KI-Assistent hilft Ihnen, Ihren Vertrag zu verwalten. Er endet nach {} Monaten.", "12", "24"),
        ("Orbit is an AI assistant that drafts replies. It takes up to {} days to close your account.", "30", "45"),
        # a heading or a label above, not a sentence (a review's: these crashed a first version)
        ("Your account\n\nIt must be kept {}.", "secure", "secure at all times"),
        ("**Your account**\n\nIt must be kept {}.", "secure", "secure at all times"),
        (
            "The Company, Acme Ltd, provides the Service. It is registered in England under number {}.",
            "01234567",
            "07654321",
        ),
    ],
)
def test_it_after_an_ai_product_s_sentence_is_no_ai_change_of_itself(
    paragraph: str, old_words: str, new_words: str
) -> None:
    assert not flag_of_edit(paragraph, old_words, new_words).ai


@pytest.mark.parametrize(
    "declaration",
    [
        "Orbit is a chat assistant powered by a large language model.",
        "Orbit is a chat assistant based on a large language model.",
        "Léa est un assistant conversationnel fondé sur un grand modèle de langage.",
        "Orbit is a chat assistant, powered by our own large language model.",
        "Finn ist ein Chat-Assistent, auf Basis von künstlicher Intelligenz.",
    ],
)
def test_a_name_given_to_a_product_made_with_ai_is_learned_with_or_without_a_comma(declaration: str) -> None:
    name = declaration.split()[0]
    # Acme is the document's owner: the name of the company a policy is about is learned as no product's.
    paragraph = (
        f"Acme offers {name}. {declaration}\n\nAcme keeps conversations with {name} for {{}}. Acme never sells them."
    )
    assert flag_of_edit(paragraph, "30 days", "24 months").ai


@pytest.mark.parametrize(
    "declaration",
    [
        "Orbit is a payment service based on open banking.",
        # what it is made with, and more than a model (a review's)
        "Orbit is a newsletter based on research by our AI Lab.",
        "Orbit is a mentoring programme built with AI researchers.",
        "Orbit is a payment service based on open banking that uses AI fraud checks.",
        "Orbit est une lettre d’information fondée sur les travaux de notre laboratoire d’IA.",
        "Orbit is a cloud storage service built on the infrastructure that also runs our AI models.",
        # after a comma, too (the second review's)
        "Orbit is a grant programme, based on research by our AI Lab.",
        "Orbit is a study group, built on the work of AI researchers.",
    ],
)
def test_a_product_made_with_something_else_gives_no_ai_name(declaration: str) -> None:
    paragraph = f"Acme offers Orbit. {declaration}\n\nAcme keeps payments with Orbit for {{}}. Acme never sells them."
    assert not flag_of_edit(paragraph, "30 days", "24 months").ai


REVIEW_0029 = json.loads((Path(__file__).parent / "fixtures" / "flag-review-0029.json").read_text(encoding="utf-8"))
# Read as an AI thing before this review, by the rule for "the agent" after "our AI agent" (decision 0029).
KNOWN_FALSE_ALARMS = {"A1-26"}


def _review_flag(probe: dict[str, str]) -> Flag:
    intro, owner, controls = REVIEW_0029["frames"][probe["lang"]]
    paragraphs = [intro, owner.format(co=probe["co"]), probe["para"], controls]
    old, new = (policy(*paragraphs).replace("{}", words) for words in (probe["a"], probe["b"]))
    return flag_of(old, new)


@pytest.mark.parametrize("probe", [p for p in REVIEW_0029["probes"] if not p["label"]], ids=lambda probe: probe["id"])
def test_a_review_s_ordinary_edits_beside_an_ai_feature_raise_no_alert(probe: dict[str, str]) -> None:
    """A review wrote 142 ordinary edits where three rules tried this session would misfire (decision 0029): a
    name's last word used for something else ("Coach accounts", "Search engines"), "the tool" or "the feature" that
    is another one, "Translations are provided for convenience" after an AI sentence about transactions. The rules
    raised 115 false alarms here and were dropped; these keep the next attempt honest."""
    if probe["id"] in KNOWN_FALSE_ALARMS:
        pytest.xfail(probe["why"])
    assert not _review_flag(probe).ai, probe["why"]


@pytest.mark.parametrize("probe", REVIEW_0029["second_review"]["probes"], ids=lambda probe: probe["id"])
def test_a_second_review_s_ordinary_uses_of_a_word_of_an_ai_product_s_name_raise_no_alert(
    probe: dict[str, str],
) -> None:
    """A second review, of the part of a name narrowed to where it stands as a name: "The Coach will confirm each
    session", "Votre Conseiller est joignable", "Der Berater hat Zugriff", "Kurse finden in unserem Studio statt",
    after "Stridewell Coach is an AI assistant" and the like. 68 of its 122 edits alerted; the rule was dropped."""
    intro, owner, controls = REVIEW_0029["second_review"]["frames"][probe["lang"]]
    old, new = (policy(intro, owner, paragraph, controls, probe["ai"]) for paragraph in (probe["old"], probe["new"]))
    assert not flag_of(old, new).ai, probe["why"]


def test_the_german_polite_you_is_no_document_s_owner() -> None:
    """A review's aside: "Sie", capitalised everywhere in German, was the most frequent capitalised word of a
    German policy, so its owner, and the company itself could be learned as an AI product's name."""
    policy_de = "Fuchsbau speichert Ihre Daten. Sie können sie löschen. Wenn Sie Fragen haben, schreiben Sie uns."
    assert document_owner(policy_de + " Fuchsbau antwortet.") == "Fuchsbau"


def test_a_misspelling_of_four_letters_fixed_in_an_ai_sentence_is_no_alert() -> None:
    """A review's case: "30 dyas" -> "30 days" in a sentence about an AI assistant's chats alerted; misspellings
    were read only from five letters on."""
    old = policy(INTRO, "We keep your chats with our AI assistant for 30 dyas.", CONTROLS)
    assert not flag_of(old, old.replace("dyas", "days")).ai
    assert flag_of(old, old.replace("30 dyas", "300 days")).ai
