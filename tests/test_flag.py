"""The AI flag: what it flags, what it must not, and its numbers on the labelled real history.

Inline texts are short paraphrases of real policy wording (Google, Meta, LinkedIn); the corpus tests use the
shared Open Terms Archive captures (../shared/corpus, or $TRACKER_CORPUS) and are skipped without them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tracker.config import load_config, parse_config
from tracker.diff import diff_texts
from tracker.extract import extract_text
from tracker.flag import NO_FLAG, Flag, Vocabulary, flag_change, judge_sentence, sentence_key, sentence_keys

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


# -- what flags -------------------------------------------------------------------------------------------------


def test_a_clause_about_training_ai_models_on_public_information_flags_as_training() -> None:
    flag = flag_of(policy(INTRO, CONTROLS), policy(INTRO, GOOGLE_BARD, CONTROLS))
    assert flag.ai and flag.category == "training" and flag.score >= 0.9
    assert flag.evidence_json() == [{"op": "insert", "text": GOOGLE_BARD}]
    assert {"train", "AI", "models", "Bard"} <= set(flag.terms)
    assert flag.reason


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
    assert flag.evidence_json() == [{"op": "delete", "text": GOOGLE_BARD}, {"op": "insert", "text": GOOGLE_GEMINI}]


def test_evidence_follows_the_order_of_the_document() -> None:
    first = "We use your conversations with our assistant to train our AI models."
    second = "Some features use generative AI to create images from your prompts."
    flag = flag_of(policy(INTRO, CONTROLS), policy(first, INTRO, CONTROLS, second))
    assert [e.text for e in flag.evidence] == [first, second]
    assert flag.category == "training"


def test_removing_a_training_clause_flags_with_the_removed_sentence() -> None:
    flag = flag_of(policy(INTRO, GOOGLE_BARD, CONTROLS), policy(INTRO, CONTROLS))
    assert flag.ai and flag.evidence_json() == [{"op": "delete", "text": GOOGLE_BARD}]


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
    assert not flag.ai and "replaces" in flag.reason


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
]

# Short list items that complete a lead-in ending with a colon are statements, not menu entries.
HELD_OUT_AI_LISTS = [
    ("en", "We use your information to:\n\n- Provide our services\n- Train our AI models\n- Keep you safe"),
    ("en", "Some of the ways we use your data:\n\n* To develop and improve AI\n* To personalize ads"),
    ("fr", "Nous utilisons vos informations pour :\n\n- fournir nos services\n- entraîner nos modèles d’IA"),
    ("de", "Wir verwenden Ihre Informationen, um:\n\n- unsere Dienste bereitzustellen\n- KI-Modelle zu trainieren"),
]

HELD_OUT_NOT_AI = [
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
    ("en", "Gemini readers can find their horoscope content and daily messages in the app.", False),
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
    (
        "en",
        "Llama trekking tours booked through our partners are subject to their own terms and data practices.",
        False,
    ),
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


# Misses the audit found and left: no general rule fixes them without costing precision elsewhere.
FIRST_NAME = "a product name that is also a first name (Claude, Alexa, Siri) is left to flag.extra_terms"
RECOGNITION = "speech and face recognition are not AI in the corpus labels (106: not AI; 125, 375: borderline)"


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param(
            "We will use your chats and coding sessions to improve Claude.",
            marks=pytest.mark.xfail(strict=True, reason=FIRST_NAME),
        ),
        pytest.param(
            "We use voice recordings of your requests to Alexa to improve our speech recognition.",
            marks=pytest.mark.xfail(strict=True, reason=f"{FIRST_NAME}; {RECOGNITION}"),
        ),
    ],
)
def test_held_out_known_misses(sentence: str) -> None:
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
        assert report.overall.recall == 1.0 and report.overall.precision >= 0.95, report.errors
        assert report.flip_flop_alerts == [], report.flip_flop_alerts


def test_the_extra_terms_example_in_the_docs_works() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "flagging.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = parse_config(example)
    vocabulary = Vocabulary.build(config.settings.flag.extra_terms)
    assert judge_sentence("We use voice recordings of your chats with Nova to improve it.", vocabulary).score >= 0.9
    agentic = "Our agentic features can book a table for you when you ask them to."
    assert judge_sentence(agentic).score == 0 and judge_sentence(agentic, vocabulary).score >= 0.5
