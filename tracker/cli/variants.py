"""`compare-variants`: what one edition of a document says that another does not (the EU notice, a language)."""

from __future__ import annotations

import json

import click

from tracker.cli.app import EXIT_USAGE, Context, fail, handles_errors, pass_context
from tracker.cli.app import cli as group


@group.command("compare-variants")
@click.argument("service")
@click.option("--document", "-d", required=True, help="The document (all its variants), or one variant: DOC@VARIANT.")
@click.option("--all", "show_all", is_flag=True, help="Every sentence one variant has alone, not only those about AI.")
@click.option("--json", "as_json", is_flag=True, help="JSON, for scripts.")
@pass_context
@handles_errors
def compare_variants(context: Context, service: str, document: str, show_all: bool, as_json: bool) -> None:
    """What each variant of a document says that the document's own version does not, and the reverse.

    Compares the versions in force, sentence by sentence (by their content words), and puts the sentences
    about AI first: a clause on AI training that one region's text has and another's lacks is the point.
    Variants are declared under a document in config.yaml (`variants:`); run `tracker check` first.
    """
    from rich.text import Text

    from tracker.flag import AI_THRESHOLD, judge_sentence
    from tracker.story import MAIN_VARIANT
    from tracker.variants import only_in

    documents = context.documents(service, document)
    base = documents[0].base_key
    series = list(context.config.documents(service, base))
    main, variants = series[0], series[1:]
    if not variants:
        fail(f"{service} {base} declares no variants (add `variants:` under it in {context.config.path})", EXIT_USAGE)
    vocabulary = context.vocabulary()
    texts = {doc.key: context.existing_store.document_state(service, doc.key).latest_text for doc in series}
    if texts[main.key] is None:
        fail(f"no version of {main.title} yet: run `tracker check {service} -d {base}` first", EXIT_USAGE)
    wanted = [doc for doc in documents if doc.variant] or variants
    report = []
    for variant in wanted:
        other = texts[variant.key]
        if other is None:
            fail(f"no version of {variant.title} yet: run `tracker check {service} -d {variant.key}` first", EXIT_USAGE)
        for doc, text, against in ((variant, other, texts[main.key]), (main, texts[main.key], other)):
            alone = only_in(text or "", against or "")
            about_ai = [s for s in alone if judge_sentence(s, vocabulary).score >= AI_THRESHOLD]
            report.append(
                {
                    "document": doc.key,
                    "variant": doc.variant_name or MAIN_VARIANT,
                    "not_in": (variant if doc is main else main).variant_name or MAIN_VARIANT,
                    "sentences": len(alone),
                    "ai_sentences": about_ai,
                    "other_sentences": [s for s in alone if s not in about_ai] if show_all else [],
                }
            )
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    out = context.out
    for entry in report:
        out.rule(f"Only in the {entry['variant']} version, not in the {entry['not_in']} version")
        count = len(entry["ai_sentences"])
        out.print(f"{entry['sentences']} sentences, {count} about AI.")
        for sentence in entry["ai_sentences"]:
            out.print(Text("  AI: ", style="bold magenta").append(sentence))
        for sentence in entry["other_sentences"]:
            out.print(Text(f"  - {sentence}"))
        if not show_all and entry["sentences"] > count:
            out.print(Text("  (--all lists the other sentences)", style="dim"))
