"""What the AI flag knows about language: the terms it looks for, the rules that make them count, the senses
that are not AI, and the little words of English, French and German. Data only; vocabulary.py applies it.

docs/flagging.md explains every entry to users and says how to add a language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------------------
# Terms: kinds of words the flag finds in a sentence. Patterns are case-insensitive; "(?-i:...)" makes one
# case-sensitive (AI, IA and KI are acronyms only in capitals: "ai" in a URL, "Thai" or "KI" inside a word never
# count). A pattern that starts with \b matches at a word start; one without it also inside a compound word
# (German "Sprachmodelle", "KI-Trainingsdaten"). Inflections are part of every pattern: plurals, possessives
# ("AI's", "LLMs'"), verb forms and the French and German endings.
# ---------------------------------------------------------------------------------------------------------

# Names in the shape of a product: a capitalised word (or two) that is not a determiner, a pronoun or a human
# role. "Meta AI", "Nimbus AI", "AI Companion", "Hiring Assistant", "Lumen agent", "Orbit Copilot".
_NOT_A_NAME = (
    # determiners and pronouns that start a sentence with a capital
    "The|Our|Your|Their|This|That|These|Those|Each|Any|Every|An?|My|His|Her|Its|No|Such|Another|Other|All|Some|"
    "We|You|They|It|Le|La|Les|Un|Une|Notre|Votre|Nos|Vos|Leur|Leurs|Ce|Cet|Cette|Ces|Der|Die|Das|Den|Dem|Ein|Eine|"
    "Einen|Unser|Unsere|Ihr|Ihre|Dein|Deine|Jeder|Jede|Diese|Dieser|Dieses|Welche|Kein|Keine|"
    # pronouns a sentence may start with, and the German polite "you" that is capitalised everywhere
    "Sie|Ihnen|Ihren|Ihrem|Ihrer|Ihres|Wir|Ich|Du|Er|Es|Nous|Vous|Il|Elle|Ils|Elles|On|Je|"
    # little words that start a sentence or a title-case heading
    "Of|And|Or|For|With|To|In|On|At|By|From|About|Using|Use|How|When|What|Why|Where|If|As|Is|Are|Can|May|Will|"
    "Do|Does|Not|More|Most|Many|Learn|See|Try|Ask|Chat|Gen|EU|Pour|Avec|Par|Dans|Sur|Mit|Für|Durch|Bei|Wie|Was|"
    # human roles: people who assist or act for others
    "Support|Service|Services|Customer|Customers|Sales|Travel|Registered|Authori[sz]ed|Designated|User|Users|"
    "Copyright|DMCA|Trademark|Process|Compliance|Statutory|Resident|Enrolled|Procurement|Leasing|Letting|"
    "Insurance|Estate|Escrow|Booking|Shipping|Collection|Collections|Transfer|Paying|Payment|Listing|Rental|Patent|"
    "Press|Literary|Sole|Independent|Licensed|Local|Border|Federal|Special|Secret|Administrative|Personal|"
    "Executive|Dental|Medical|Teaching|Legal|Research|Office|Store|Shop|Claims|Account|Accounts|Billing|Help|Care|"
    "Contact|Marketing|Program|Project|Management|Technical|Human|Live|Real|Tax|Fiscal|Commercial|Data|Privacy|"
    # adjectives that say what kind of AI, not which product
    "Generative|Responsible|Conversational|Agentic|Artificial|Applied|Ethical|Trustworthy|Trusted|Open|New|"
    "Advanced|Smart|Virtual|Digital|Voice|Intelligent|Machine"
)
_NAME = rf"(?=[A-Z])(?!(?:{_NOT_A_NAME})\b)[A-Z][\w+]*(?:[.-][\w+]+)*"
NOT_A_NAME = frozenset(_NOT_A_NAME.replace("An?", "A|An").replace("Authori[sz]ed", "Authorised|Authorized").split("|"))
_NAMES = rf"{_NAME}(?: {_NAME})?"

TERMS: dict[str, tuple[str, ...]] = {
    # -- Senses that are not AI. They come first: where one of them and an AI term could claim the same words,
    # the sense wins, and its words are no trigger.
    # People trained, courses taken, athletes' plans.
    "people_training": (
        r"\bget training\b",
        r"\btraining (?:courses?|programs?|programmes?|sessions?|materials?|videos?|plans?|tools?|modules?|classes|"
        r"workshops?|resources|logs?|zones?|load|goals?|schedules?|partners?|camps?|weeks?|days?)\b",
        r"\b(?:staff|employee|employees|workforce|security|compliance|privacy|data protection|safety|awareness|"
        r"on-the-job|athletic|fitness|sports?|running|cycling|strength|endurance|marathon|interval|workout|"
        r"personal|customer service|onboarding|leadership|sales|product) training\b",
        r"\btrain(?:s|ed|ing)? (?:all |our |your |their |its |new |the |these )?(?:staff|employees?|personnel|"
        r"workforce|teams?|reviewers|moderators|contractors|people|agents|representatives|workers|students|"
        r"instructors|trainers|volunteers|managers|members of staff|support agents|colleagues|yourself|"
        r"your body|for (?:a |the |your )?(?:race|marathon|event))\b",
        r"\bplans? d['’]entraînement\b",
        r"\bentraînement (?:sportif|physique|personnalisé|fractionné)\b",
        r"\bséances? d['’]entraînement\b",
        r"\bentraîn\w* (?:nos |les |vos |leurs? |des )?(?:équipes|employés|salariés|collaborateurs|modérateurs|"
        r"agents|personnels?|formateurs)\b",
        r"\bform(?:er|ons|ent|é|ée|és|ées) (?:nos |les |vos |leurs? |des )?(?:équipes|employés|salariés|"
        r"collaborateurs|modérateurs|agents|personnels?)\b",
        r"\bTrainings? (?:für|von|mit) (?:unsere[nr]? |Ihre[nr]? |den |die )?(?:Mitarbeit|Beschäftigt|Angestellt|"
        r"Team|Moderator|Kund)\w*",
        r"Trainings(?:plan|pläne|plänen|einheit|einheiten|programm|programme|ziel|ziele|woche|wochen|zonen?|"
        r"partner|lager|kurs|kurse|tagebuch)\w*",
        r"\b(?:Mitarbeitende|Mitarbeiter|Mitarbeiterinnen|Beschäftigte|Teams?) (?:zu )?(?:trainieren|schulen)\b",
        # trains that run on rails
        r"\btrains? (?:miniatures?|électriques?|jouets?|tickets?|stations?|journeys?|travel|fares?|sets?)\b",
        r"\b(?:model|toy|miniature|electric|high-speed|night) trains?\b",
    ),
    # Models that no machine learns: a device's, a business's, a contract's, a person's; templates.
    "other_model": (
        r"\b(?:device|phone|handset|hardware|vehicle|car|bike|camera|computer|browser|router|printer|console|"
        r"tv|watch|business|pricing|revenue|operating|subscription|licensing|delivery|service|role|fashion|"
        r"photo|3d|scale|data|threat|maturity|governance|cost|payment|care|staffing) models?\b",
        r"\bmodels? (?:clauses?|contracts?|contractual|releases?|numbers?|years?|names?|agreements?|forms?|"
        r"policies|policy|code|law|citizens?|railways?|trains?|kits?|of care|t)\b",
        r"\bmodel of (?:your |the |a |an |their |its )?(?:device|phone|handset|vehicle|car|bike|camera|computer|"
        r"router|printer|browser|watch|tv)\b",
        r"\bmodels? (?:appearing|featured|pictured|wearing)\b",
        r"\b(?:scale|toy|die-cast|plastic) models?\b",
        # "Eligible" said of models is which models a programme takes ("Eligible models include:" a trade-in's
        # phones), not a decision about people: the word is set aside, and "models" is left to say what it says
        # ("Eligible models may be fine-tuned on your content" is a model's). French and German have no such
        # decision word.
        r"\beligible(?= models?\b)",
        r"\bmodèles? réduits?\b",
        r"\b(?:a|an) model (?:of|for) (?:transparency|privacy|good|best|responsible|how)\b",
        # French names a model by what it is a model of: a machine's model is "de langage", "d’IA", "de
        # fondation"; a model of anything else ("de tarification", "de documents", "de votre appareil") is not.
        r"\bmodèles? (?:de |d['’]|du |des )(?:(?:votre|vos|leur|leurs|son|ses|cet|ce|cette|la|le|les) |l['’])?"
        r"(?!(?:IA|ML|intelligence|langage|langue|apprentissage|machine|fondation|vision|reconnaissance|"
        r"classification|prédiction|recommandation|traduction|détection|génération|diffusion|réseaux?|"
        r"traitement|deep|base|notation|scoring|risque)\b)\w+",
        r"\bmodèles? (?:économiques?|commerciaux|commercial|types?|contractuels?)\b",
        r"\b(?:Geräte|Telefon|Handy|Smartphone|Fahrzeug|Auto|Kamera|Geschäfts|Preis|Abo|Router|Drucker|Vertrags|"
        r"Lizenz|Rollen|Betriebs|Bezahl|Liefer|Tarif|Vertriebs|Finanzierungs|Arbeitszeit|Daten|Kosten|"
        r"Abrechnungs|Service|Support|Vorbild)modell\w*",
        r"\bModell(?:eisenbahn|bahn|nummer|bezeichnung|jahr|bau|klausel|vertr)\w*",
        r"\bModell (?:Ihres|Ihrer|des|der) (?:Geräts|Geräte|Telefons|Handys|Smartphones|Fahrzeugs|Autos)\b",
    ),
    # "AI" that is not artificial intelligence: a file format or extension, a US state in a postal address.
    "other_ai": (
        r"(?-i:\.ai)\b",
        r"(?-i:\bAI (?:files?|format|documents?|artwork))\b",
        r"(?-i:\b(?:AI|PSD|SVG|EPS|PDF|PNG|JPE?G|TIFF?|GIF|INDD|DOCX?|XLSX?|PPTX?|RAW|HEIC|SKETCH|FIG)"
        r"(?:(?:,| ,|/| or| and| &| et| und| ou| oder)\s*(?:AI|PSD|SVG|EPS|PDF|PNG|JPE?G|TIFF?|GIF|INDD|DOCX?|"
        r"XLSX?|PPTX?|RAW|HEIC|SKETCH|FIG)\b)+)",
        r"\bAdobe Illustrator\b",
        r"(?-i:\bAI) ?\((?:Adobe )?Illustrator\)",
        r"(?-i:\bIA \d{5})\b",
        # A name's own initials in brackets: "Air India (AI)", "Institut Agricole (IA)".
        r"(?-i:\bA[\w-]+ I[\w-]+ \(AI\))",
        r"(?-i:\bI[\w-]+ A[\w-]+ \(IA\))",
        r"(?-i:\bK[\w-]+ I[\w-]+ \(KI\))",
    ),
    # Algorithms that decide nothing about people.
    "other_algorithm": (
        r"\b(?:encryption|hashing|hash|compression|cryptographic|signature|sorting|checksum|search|routing|"
        r"rule-based|deterministic) algorithms?\b",
        # Keys and hashes made by an algorithm ("keys are generated with a FIPS 140-3 validated algorithm").
        r"\b(?:keys?|passwords?|tokens?|hashes|signatures?|salts?) (?:are |is |were |will be )?(?:generated|derived|"
        r"created|computed) (?:with|by|using) (?:an? |the |our )?[\w .-]{0,40}?algorithms?\b",
        r"\b(?:FIPS|NIST)[\w .-]{0,20}?(?:validated |approved |certified )?algorithms?\b",
        r"\balgorithmes? (?:de chiffrement|de hachage|de compression|cryptographiques?)\b",
        r"\b(?:Verschlüsselungs|Hash|Kompressions|Signatur)algorithm\w*",
        r"\b(?:gaming|manipulating|manipulate|game|trick|tricking|circumvent|circumventing) (?:the |our |any )?"
        r"algorithms?\b",
        r"\bdenial[- ]of[- ]service\b",
    ),
    # -- AI terms.
    # Products recognised by their shape: a name beside "AI", "assistant", "agent", "copilot" or "companion"
    # ("Meta AI", "Nimbus KI", "AI Companion", "Hiring Assistant", "Lumen agent", "Orbit Copilot").
    "product_shape": (
        rf"(?-i:\b{_NAMES}[ -](?:AI|IA|KI|A\.I\.)(?!\w)(?: [A-Z][\w+]*)?)",
        r"(?-i:\b(?:AI|IA|KI) (?!(?:Act|Regulation|Office|Pact|Verordnung|Gesetz)\b)[A-Z][\w+]+(?: [A-Z][\w+]+)?)",
        rf"(?-i:\b{_NAMES}[ -](?:Assistants?|assistants?|Assistent(?:en|in)?|Agents?|agents?|Agenten|Copilots?|"
        r"copilots?|Companions?|companions?)(?!\w)(?! (?:Ltd|Limited|Inc|LLC|LLP|GmbH|AG|SA|SAS|SARL|plc|PLC|Corp|"
        r"Corporation|Co|Company|Pty)\b))",
        rf"(?-i:\b(?:assistant|agent|copilote) {_NAME})",
        # A product's assistant called by its kind, where it is what one asks, chats with or what answers: "what
        # you ask our assistant", "your chats with the assistant", "the assistant's answers", "the assistant can
        # summarise", "Vos échanges avec l’assistant", "Antworten des Assistenten". "The assistant will contact
        # you" or "the assistant manager" is a person.
        r"\b(?:ask|asks|asking|asked|talk(?:s|ing)? to|chat(?:s|ting)? with|speak(?:s|ing)? (?:to|with)|"
        r"interact(?:s|ing)? with|prompt(?:s|ing)?|(?:conversations?|chats?|interactions?|exchanges?|questions?|"
        r"prompts?|requests?) (?:with|to|for)) (?:the|our|this) assistant\b(?! (?:manager|director|coach|editor)s?\b)|"
        r"\b(?:the|our|this) assistant(?:['’]s)? (?:answers|responses|replies|suggestions|outputs|memory|memories)\b|"
        r"\b(?:the|our|this) assistant (?:(?:can|may|will|could) (?:also )?)?(?:generates?|answers?|suggests?|"
        r"summari[sz]es?|remembers?|drafts?|rewrites?|responds?|replies|translates?|recommends?)\b|"
        r"\b(?:échanges|conversations?|discussions?|questions|requêtes|demandes|interactions) (?:avec|à) "
        r"l['’]assistant\b|"
        r"\b(?:poser|posez|posées?|demandez|parlez) à l['’]assistant\b|"
        r"\b(?:réponses|suggestions|mémoire) de l['’]assistant\b|"
        r"\bl['’]assistant (?:(?:peut|pourra) )?(?:génère|générer|répond|répondre|suggère|suggérer|résume|résumer|"
        r"mémorise|mémoriser|rédige|rédiger|traduit|traduire|recommande|recommander)\b|"
        r"\b(?:Unterhaltungen|Gespräche|Chats?|Fragen|Anfragen|Eingaben|Interaktionen) (?:mit dem|an den) "
        r"Assistenten\b|\b(?:Antworten|Vorschläge|Gedächtnis) des Assistenten\b|"
        r"\b(?:der|unser) Assistent (?:(?:kann|wird) )?(?:erstellt|erstellen|beantwortet|beantworten|schlägt|"
        r"vorschlagen|fasst|zusammenfassen|merkt|merken|antwortet|antworten|generiert|generieren|schreibt|"
        r"schreiben|übersetzt|übersetzen|empfiehlt|empfehlen)\b",
    ),
    # The names a document itself gives its AI products ("Orbit, our AI assistant, ..."): none here; names.py
    # finds them in both versions of a change and Vocabulary.with_names adds them, as written, for that change.
    "named_ai": (),
    # Known names of AI products (case-sensitive); config.yaml adds more under flag.extra_terms.
    "product": (
        r"\b(?-i:Gemini|Bard|Copilot|ChatGPT|GPTs?|GPT-\w+|Llama|Claude|Grok|Alexa\+?|Siri|Cortana|Firefly|"
        r"Midjourney|DALL[-·]?E|Sora|Gemma|NotebookLM|Perplexity|Apple Intelligence|OpenAI|Anthropic|DeepMind|"
        r"xAI)(?!\w)",
    ),
    # Information put at the service of AI: "for AI", "pour l’IA", "für KI". Not the first half of a compound:
    # "labels for AI-generated content" are for content, not for AI.
    "ai_purpose": (
        r"\bfor (?:the )?(?:(?-i:AI)|artificial intelligence|machine learning)\b(?!-)",
        r"\bpour (?:l['’]|le |les )?(?:(?-i:IA)|intelligence artificielle|apprentissage automatique)\b(?!-)",
        r"\bfür (?:die )?(?:(?-i:KI)|künstliche Intelligenz|maschinelles Lernen)\b(?!-)",
    ),
    # Decisions about people made by machines, in so many words.
    "automated_decision": (
        r"\bautomat(?:ed|ic) (?:individual )?decision(?:s|-making| making)?\b",
        r"\bdecisions? (?:(?:made|taken|reached) )?(?:(?:solely|entirely|exclusively|only|fully|wholly) )?"
        r"(?:by|through|using|via|with|based (?:(?:solely|only|entirely|exclusively) )?on) "
        r"(?:(?:an? |our )?(?:automated|automatic)|algorithm)\w*",
        r"\b(?:solely|fully|entirely|exclusively|wholly) automated\b",
        r"\bdécisions? (?:individuelles? )?automatisées?\b",
        r"\bprises? de décisions? automatisées?\b",
        r"\bdécisions? fondées? (?:exclusivement |uniquement |entièrement )?sur (?:un |le )?traitement automatisé\b",
        r"\bautomatisierte[nrs]? (?:Einzel)?[Ee]ntscheidung\w*",
        r"\bautomatisiert (?:getroffene[n]? )?Entscheidung\w*",
        r"\bausschließlich auf (?:einer )?automatisierten Verarbeitung\b",
    ),
    # What only a machine is trained into, trained directly: "train our (fraud detection) systems", "training our
    # tools". Up to two words say which, none of them a preposition ("train our staff on systems" is people).
    "trained_machine": (
        r"\btrain(?:s|ed)? (?:our |the |its |their |these |new |your )?"
        r"(?:(?!(?:on|in|to|for|with|about|how|and|or|staff|employees|people|teams?)\b)[\w-]+ ){0,2}"
        r"(?:products?|tools?|systems?|technolog(?:y|ies)|classifiers?|detectors?|filters?|features?)\b",
        r"\btraining (?:our |the |its |their |these |new )"
        r"(?:(?!(?:on|in|to|for|with|about|how|and|or|staff|employees|people|teams?)\b)[\w-]+ ){0,2}"
        r"(?:products?|tools?|systems?|technolog(?:y|ies)|classifiers?|detectors?|filters?|features?)\b",
        r"\bentraîn\w* (?:nos |les |des |leurs? |ces |notre |leur )?(?:produits?|outils?|systèmes?|technologies?|"
        r"filtres?|classificateurs?|fonctionnalités)\b",
        r"\b(?:Systeme?|Produkte?|Technologien?|Tools|Filter|Klassifikatoren|Funktionen)\s+(?:zu\s+)?trainier\w*",
        r"\w*?modell-?training\w*",
        # Recommenders trained on what people do, in either voice ("improve our recommendations" is not enough:
        # people make recommendations too).
        r"\b(?:recommend(?:ation|er)|ranking) (?:systems?|engines?|algorithms?|models?) (?:is |are |was |were |has "
        r"been |have been |gets? )?(?:continuously |regularly |automatically |also )?(?:re-?)?trained\b",
        r"\btrain(?:s|ed|ing)? (?:our |the |its |their )?(?:[\w-]+ )?(?:recommend(?:ation|er)|ranking) "
        r"(?:systems?|engines?|algorithms?|models?)\b",
        r"\b(?:systèmes?|moteurs?|algorithmes?) de recommandation (?:[\w’']+ ){0,3}?(?:est|sont|sera|seront|a été|"
        r"ont été) (?:\w+ )?entraîné\w*",
        r"\w*?Empfehlungs(?:system|algorithm|modell)\w*\s+(?:[\w-]+\s+){0,8}?(?:trainiert|trainieren)\b",
    ),
    # Data that trains machines: "training data", "données d’entraînement", "Trainingsdaten". A fitness app's
    # training data (runs, workouts) is the athlete's: a sentence that speaks of sport drops this term (SPORT).
    "training_data": (
        r"\btraining (?:data|datasets?|data ?sets?|corpus|corpora|examples)\b",
        r"\b(?:données|jeux de données|corpus) d['’](?:entraînement|apprentissage)\b",
        r"Trainingsdat\w*",
    ),
    # Explicit AI wording: enough on its own.
    "ai": (
        r"\b(?-i:AIs?|A\.I\.|GenAI|(?:Gen|gen)[ -]AI)(?!\w)",
        r"\b(?-i:IA)\b",
        r"\b(?-i:KI)\b",
        r"\bartificial[- ]intelligences?\b",
        r"\bintelligences? artificielles?\b",
        r"\bkünstliche[nrs]? Intelligenz\w*",
        r"\bmachine[- ]learn(?:ing|ed|t)\b",
        r"\b(?:deep|reinforcement|supervised|unsupervised|self-supervised|federated) learning\b",
        r"\b(?-i:ML)(?=[- ](?:models?|systems?|algorithms?|techniques?|technolog(?:y|ies)|features?|based|powered|"
        r"training|pipelines?)\b|/)",
        r"\b(?-i:AI/ML)\b",
        r"\bapprentissage (?:automatique|machine|profond|par renforcement|statistique)\b",
        r"\bmaschinelle[nsm]? Lernen[s]?\b",
        r"\bmaschinell (?:lernende|gelernte)\w*",
        r"\bneural (?:net|nets|networks?)\b",
        r"\bréseaux? (?:de neurones|neuronaux|neuronal)\b",
        r"\bneuronale[nrs]? Netz\w*",
        r"\b(?:large |small |generative |multimodal |neural )?language models?\b",
        r"\b(?-i:LLMs?|SLMs?)\b",
        r"\b(?:foundation|foundational|frontier|diffusion|transformer|multimodal|generative) models?\b",
        r"\b(?:grands? |petits? )?modèles? (?:de|du) langage\b",
        r"\bmodèles? (?:de fondation|fondamentaux|génératifs?)\b",
        r"sprachmodell\w*",
        r"\b(?:Basis|Grund|Fundament)modell\w*",
        r"\bgenerati(?:ve|vely)\b",
        r"\bgénérati(?:f|fs|ve|ves)\b",
        r"\bgenerativ(?:e|en|er|es|em)?\b",
        r"\bchat ?bots?\b",
        r"\b(?:agent|robot)s? conversationnels?\b",
        r"\b(?:virtual|voice|digital|smart|intelligent|conversational) (?:assistants?|agents?)\b",
        r"\bassistants? (?:virtuels?|vocaux|vocal|intelligents?|numériques?)\b",
        r"\b(?:virtuelle|digitale|intelligente)[nr]? (?:Assistent|Agent)\w*",
        r"\bSprachassistent\w*",
        r"\bagentic\b",
        r"\bagentique\b",
        r"\bagentisch\w*",
        r"\bnatural language (?:processing|understanding|generation)\b",
        r"\b(?-i:NLP)\b",
        r"\btraitement (?:automatique )?du langage naturel\b",
        r"\bcomputer vision\b",
        r"\bmachine translat\w*",
        r"\btraduction automatique\b",
        r"\bmaschinelle[n]? Übersetzung\w*",
        r"\b(?:model|LLM|AI) (?:providers?|vendors?|developers?|companies|labs?)\b",
        r"\bfournisseurs? de modèles\b",
        r"\bModellanbieter\w*",
        r"\bvision (?:par ordinateur|artificielle)\b",
        r"\bmaschinelle[ns]? Sehen\b",
        # Machines that learn, said without "machine learning": learning algorithms, self-learning systems,
        # "systems that learn". Not "learning platforms", "self-learning modules" or "Lernende" (people who learn).
        r"\blearning algorithms?\b",
        r"\brecognition (?:models?|algorithms?|networks?)\b",  # speech-, image-, face-recognition models
        r"\bself-learning (?:algorithms?|systems?|models?|software|technolog(?:y|ies)|networks?)\b",
        r"\b(?:systèmes?|algorithmes?|modèles?|logiciels?|technologies?) qui (?:\w+ )?apprenn?ent\b",
        r"\b(?:Systeme?|Algorithmen|Modelle?|Software|Technologien?),? die (?:[\w-]+ ){0,6}?(?:dazu)?lernen\b",
        r"\b(?:algorithms?|systems?|models?|software|technolog(?:y|ies)|machines?|programs?) (?:that|which) "
        r"(?:can |continuously |automatically |constantly )?learns?\b",
        r"\balgorithmes? (?:d['’]apprentissage|apprenants?|auto-apprenants?)\b",
        r"\bsystèmes? (?:apprenants?|auto-apprenants?)\b",
        r"\b(?:selbst-?)?lernende[nrsm]? (?:Algorithm|System|Modell|Software|Verfahren|Technologie|Netz)\w*",
        r"\bembeddings\b",  # vectors a model makes of texts and images (an embedded post is an "embed")
        # An assistant that acts for you (on the web, in your apps): agent mode.
        r"\bagent mode\b",
        r"\bmode agent\b",
        r"\bAgent(?:en)?modus\b",
        # What a generative model is given and gives: prompts and outputs ("a prompt to update your settings" is
        # a notice, so a prompt alone is not enough).
        r"\bin response to (?:your |the |a |user |their |such )?prompts?\b",
        r"\bprompts? (?:and|or|&) (?:outputs?|responses?|completions?|generations?)\b",
        r"\ben réponse (?:à|aux) (?:vos |votre |tes |ton |des |leurs? )?prompts?\b",
        r"\bprompts? (?:et|ou) (?:les |des |aux )?(?:résultats?|sorties?|réponses?)\b",
        # Someone's prompts, or the prompts they write: what a person gives a generative model ("the prompts you
        # enter"); a single "prompt" sent to someone stays a notice.
        r"\b(?:your|their|users['’]?|vos|leurs|Ihre|deine) prompts\b",
        r"\bprompts,? (?:(?:that|which) )?(?:you|users) (?:enter|type|submit|provide|write|send|give)\b",
        r"\bprompts,? (?:que vous|qu['’]ils) (?:saisissez|rédigez|envoyez|fournissez|saisissent)\b",
        r"\bPrompts,? die (?:Sie|du|Nutzer) (?:eingeben|eingibst|schreiben|schreibst|senden|sendest)\b",
        r"\b(?:auf|zu) (?:deine[nm]?|Ihre[nm]?|die|den) Prompts?\b",
        r"\bPrompts? (?:und|oder) (?:die |den )?(?:Ausgaben?|Antworten|Ergebnisse?)\b",
        # Generative copies of people: their voice, their face, their likeness.
        r"\bvoice[- ]clon\w*",
        r"\bclon(?:e|es|ed|ing) (?:of )?(?:your |a |the |their |his |her )?voices?\b",
        r"\bvoices? (?:will |would |may |can |shall |must )?(?:not |never )?(?:be |is |are |was |were )cloned\b",
        r"\bdigital replicas?\b",
        r"\bdeep ?fakes?\b",
        r"\bsynthetic (?:voices?|media|speech|likeness(?:es)?|cop(?:y|ies)|replicas?|images?|videos?|content)\b",
        r"\bclonage (?:de (?:la |votre |leur |sa )?)?voix\b",
        r"\bclon(?:er|e|ée?s?) (?:la |les |votre |vos |leur |leurs |sa |ses |une |des )?voix\b",
        r"\bvoix (?:d['’]\w+ |de \w+ )?(?:(?:ne )?(?:sera|seront|est|sont|peut être|peuvent être) (?:pas )?)?"
        r"clonées?\b",
        r"\bvoix de synthèse\b",
        r"\bhypertrucages?\b",
        r"\bréplique numérique\b",
        r"\b(?:médias|voix|contenus) synthétiques?\b",
        r"\bStimm(?:en)?klon\w*",
        r"\bgeklonte[nrs]? Stimme\w*",
        r"\bStimme\w* (?:\w+ ){0,5}(?:zu )?klonen\b",
        r"\bdigitale[nr]? (?:Replik|Nachbildung)\w*",
        r"\bsynthetische[nrs]? (?:Stimme|Medien|Inhalt|Abbild)\w*",
    ),
    # A memory of past conversations: what an assistant keeps to answer you later (a person "recalls" no chats).
    "memory": (
        r"\b(?:remember|recall)s? (?:things |details |information )?(?:from |of )?(?:your )?(?:earlier|previous|"
        r"past|prior) (?:chats|conversations|requests)\b",
        r"\bse souvenir (?:d['’]informations (?:issues )?)?(?:de |des )(?:vos |tes )?(?:conversations|échanges|"
        r"demandes) (?:précédent|passé|antérieur)\w*",
        r"\ban (?:Ihre |deine |Ihren |deinen )?(?:frühere|vergangene|vorherige)[n]? (?:Unterhaltungen|Chats|"
        r"Gespräche|Anfragen) (?:\w+ )?erinner\w*",
    ),
    # Training words: they count with a machine near them (the model-training rule). French "former" (to train,
    # also to form) only before its object.
    "train": (
        r"\btrain(?:s|ed|ing)?\b",
        r"\b(?:re|pre|pré)-?train\w*",
        r"\bfine[- ]?tun\w*",
        r"\bentraîn\w*",
        r"\bréentraîn\w*",
        r"\bform(?:er|ons|ent)\b(?= (?:nos|les|des|leurs?|vos|un|une|ces|notre|ses|son|sa|l['’]))",
        r"\bformation (?:des?|du|de nos|de leurs)\b",
        r"\bform(?:é|ée|és|ées)s? (?:sur|à partir|avec)\b",
        r"\btrainier\w*",
        r"\bTrainings?\b",
        r"\bnachtrainier\w*",
        r"\bFeinabstimm\w*",
    ),
    # Machines that learn when training or development is said of them, and that can decide about people.
    "machine": (
        r"\bmodels?\b",
        r"\bmodèles?\b",
        r"\w*?modell(?:e|en|s|es)?\b",
        r"\balgorithm(?:s|ic)?\b",
        r"\balgorithmes?\b",
        r"\w*?Algorithm(?:us|en)\b",  # and German compounds: Empfehlungsalgorithmen
        r"\bclassifiers?\b",
        r"\bclassificateurs?\b",
        r"\bKlassifikator(?:en)?\b",
    ),
    # Building or improving something: with a machine, a model is being developed ("improve its models").
    "develop": (
        r"\bdevelop\w*",
        r"\bimprov\w*",
        r"\benhanc\w*",
        r"\brefin\w*",
        r"\bbuild(?:s|ing)?\b",
        r"\bbuilt\b",
        r"\bevaluat\w*",
        r"\btun(?:e|es|ed|ing)\b",
        r"\bpower(?:s|ed|ing)?\b(?! (?:to|of|over)\b)",
        r"\bdévelopp\w*",
        r"\bamélior\w*",
        r"\bperfectionn\w*",
        r"\bévalu\w*",
        r"\baffin\w*",
        r"\bconstrui\w*",
        r"entwick\w*",
        r"\bverbesser\w*",
        r"\boptimier\w*",
        r"\bbewert\w*",
    ),
    # What a model does: with a machine near, a model that outputs, predicts or learns ("our models may produce
    # inaccurate output").
    "output": (
        r"\boutputs?\b",
        r"\bproduc(?:e|es|ed|ing)\b",
        r"\bgenerat(?:e|es|ed|ing)\b",
        r"\bpredict\w*",
        r"\binfer(?:s|red|ring|ence|ences)?\b",
        r"\brespon(?:d|ds|ded|ding|se|ses)\b",
        r"\banswers?\b",
        r"\bhallucinat\w*",
        r"\blearn(?:s|ed|ing|t)?\b",
        r"\bprodui\w*",
        r"\bgénèr(?:e|ent)\b",
        r"\bgénér(?:er|é|ée|és|ées|ant)\b",
        r"\brésultats?\b",
        r"\bsorties?\b",
        r"\bprédi\w*",
        r"\brépon(?:d|dent|dre|ses?)\b",
        r"\bappren(?:d|nent|nent|ent|dre)\b",
        r"\berzeug\w*",
        r"\bgenerier\w*",
        r"\bAusgaben?\b",
        r"\bvorhersag\w*",
        r"\bAntwort\w*",
        r"\blern(?:t|en|te|ten)\b",
    ),
    # Systems that could decide, and the words of a decision about a person or an account: with each other (or
    # with a machine), an algorithmic decision ("accounts suspended by our algorithms without human review").
    "decider": (
        r"\bautomated (?:systems?|tools?|means|processes|process|review|moderation|enforcement)\b",
        r"\bwithout (?:any )?human (?:review|intervention|involvement|oversight|input)\b",
        r"\bsans (?:aucune? )?(?:intervention|examen|contrôle) humaine?\b",
        r"\bohne menschliche[ns]? (?:Überprüfung|Beteiligung|Mitwirkung|Eingreifen|Zutun|Kontrolle)\b",
        r"\bsystèmes? automatisés?\b",
        r"\bautomatisierte[n]? Systeme?\b",
    ),
    "decision": (
        r"\bdecid\w*",
        r"\bdecisions?\b",
        r"\bsuspen(?:d|ds|ded|ding|sion|sions)\b",
        r"\bterminat(?:e|es|ed|ing|ion)\b",
        r"\bdisabl(?:e|es|ed|ing)\b",
        r"\bban(?:s|ned|ning)?\b",
        r"\bapprov(?:e|es|ed|al|als)\b",
        r"\breject(?:s|ed|ion|ions)?\b",
        r"\bden(?:y|ies|ied|ial)\b",
        r"\bscor(?:e|es|ed|ing)\b",
        r"\beligib\w*",
        r"\bcreditworth\w*",
        r"\bprofil(?:ing|ed)\b",
        r"\bprofiles? (?:you|users|people|members|individuals|customers)\b",
        r"\bdécid\w*",
        r"\bdécisions?\b",
        r"\bsuspen(?:dre|du|due|dus|dues|sion)\b",
        r"\brésili\w*",
        r"\bdésactiv\w*",
        r"\brefus\w*",
        r"\bprofil(?:age|er)\b",
        r"\bentscheid\w*",
        r"\bEntscheidung\w*",
        r"\bsperr\w*",
        r"\bSperrung\w*",
        r"\bdeaktivier\w*",
        r"\bablehn\w*",
        r"\bProfil(?:ing|bildung)\b",
    ),
}

# The terms that can make a sentence about AI: a sentence without one of them is never read further. (Training
# words are not among them: they count only beside a machine, which is.)
TRIGGERS = (
    "ai",
    "ai_purpose",
    "product",
    "product_shape",
    "named_ai",
    "trained_machine",
    "training_data",
    "machine",
    "automated_decision",
    "decider",
    "memory",
)

# Every match of a kind of term holds one of its stems: the flag reads a kind's patterns only in sentences that
# hold one of them, and finds the sentences worth reading at all with a plain string search for the stems of
# TRIGGERS, which is what keeps a large change fast. A stem with a capital letter is looked for as written (AI, IA,
# KI, product names), the others in lower-cased text. tests/test_flag.py checks that the stems cover the patterns.
STEMS: dict[str, tuple[str, ...]] = {
    "people_training": ("train", "entraîn", "form", "schul"),
    "other_model": ("model", "modèle"),
    "other_ai": ("AI", "IA", ".ai", "illustrator"),
    "other_algorithm": ("algorithm", "denial"),
    "product_shape": ("AI", "IA", "KI", "A.I.", "assist", "agent", "copilot", "companion"),
    "named_ai": (),
    "product": (
        "Gemini", "Bard", "Copilot", "ChatGPT", "GPT", "Llama", "Claude", "Grok", "Alexa", "Siri", "Cortana",
        "Firefly", "Midjourney", "DALL", "Sora", "Gemma", "NotebookLM", "Perplexity", "Apple Intelligence", "OpenAI",
        "Anthropic", "DeepMind", "xAI",
    ),
    "ai_purpose": ("AI", "IA", "KI", "artificial", "intelligen", "machine learning", "apprentissage", "maschinell"),
    "automated_decision": ("automat", "decision", "décision", "ausschließlich"),
    "trained_machine": ("train", "entraîn"),
    "training_data": ("training", "entraîn", "apprentissage", "trainingsdat"),
    "ai": (
        "AI", "A.I.", "IA", "KI", "ML", "LLM", "SLM", "NLP", "artificial", "intelligen", "machine", "deep learn",
        "reinforcement learn", "supervised learn", "federated learn",
        "apprentissage", "maschinell", "neural", "neuron", "language model", "langage", "sprachmodell", "modell",
        "fondation", "fondamentaux",
        "foundation", "frontier", "diffusion", "transformer", "multimodal", "generati", "générati", "chatbot",
        "chat bot", "conversationnel", "assistant", "assistent", "agent", "natural language", "vision",
        "translat", "traduction", "übersetzung", "model", "modèle", "modellanbieter", "learn", "recognition",
        "apprenant", "lernende", "embedding", "clon", "replica", "fake", "synthetic", "synthéti", "synthèse",
        "synthetisch", "réplique", "hypertrucage", "replik", "nachbildung", "klon", "prompt", "apprenn", "lernen",
    ),
    "train": (
        "train", "fine-tun", "fine tun", "finetun", "entraîn", "former ", "formons", "forment", "formé",
        "formation d", "feinabstimm",
    ),
    "machine": ("model", "modèle", "algorithm", "classif", "klassifik"),
    "memory": ("remember", "recall", "souvenir", "erinner"),
    "develop": (
        "develop", "improv", "enhanc", "refin", "build", "built", "evaluat", "tun", "power", "développ", "amélior",
        "perfectionn", "évalu", "affin", "construi", "entwick", "verbesser", "optimier", "bewert",
    ),
    "output": (
        "output", "produc", "generat", "génèr", "génér", "predict", "infer", "respon", "answer", "hallucinat", "learn",
        "produi", "résultat", "sortie", "prédi", "répon", "appren", "erzeug", "generier", "ausgabe", "vorhersag",
        "antwort", "lern",
    ),
    "decider": ("automat", "human", "humain", "menschlich"),
    "decision": (
        "decid", "decision", "suspen", "terminat", "disabl", "ban", "approv", "reject", "den", "scor", "eligib",
        "creditworth", "profil", "décid", "décision", "résili", "désactiv", "refus", "entscheid", "sperr",
        "deaktivier", "ablehn",
    ),
}  # fmt: skip

# A sentence that speaks of sport uses "training data" in the athlete's sense (runs, rides, workouts).
SPORT = re.compile(
    r"\b(?:runs?|running|rides?|cycling|workouts?|exercises?|pace|heart rate|fitness|athletes?|sports?|calories|"
    r"steps|swims?|séances?|course à pied|fréquence cardiaque|allure|sportifs?|exercices?|Läufe?|Laufen|"
    r"Herzfrequenz|Kalorien|Schritte|Übungen|Sport)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    """A reason a sentence is about AI: the terms it needs, how close together, and what it means."""

    name: str  # shown in evidence ("model-training")
    concept: str  # ai | model_training | automated_decisions | ai_product
    category: str  # training | automated_decisions | ai_feature
    score: float
    needs: tuple[tuple[str, ...], ...]  # every entry: at least one term of these kinds
    within: int | None  # all needed terms within so many characters of each other; None: anywhere in the sentence
    says: str  # why it counted, in the words of an alert


# The strongest rule a sentence satisfies gives its category and score; the rules name kinds of language, never
# extra conditions a statement about AI must meet: explicit AI wording or an AI product's name counts alone.
RULES: tuple[Rule, ...] = (
    Rule(
        "model-training",
        "model_training",
        "training",
        0.95,
        (("train",), ("machine", "ai", "ai_purpose", "product", "product_shape", "named_ai")),
        120,
        "AI or machine-learning models are trained",
    ),
    Rule(
        "trained-machine",
        "model_training",
        "training",
        0.9,
        (("trained_machine",),),
        None,
        "a machine system is trained",
    ),
    Rule(
        "training-data",
        "model_training",
        "training",
        0.9,
        (("training_data",),),
        None,
        "data is used as training data",
    ),
    Rule(
        "ai-development",
        "model_training",
        "training",
        0.9,
        (("develop",), ("ai", "ai_purpose", "product", "product_shape", "named_ai")),
        60,
        "AI is developed or improved",
    ),
    Rule(
        "ai-purpose",
        "model_training",
        "training",
        0.9,
        (("ai_purpose",),),
        None,
        "information is used for AI",
    ),
    Rule(
        "model-development",
        "model_training",
        "training",
        0.85,
        (("develop",), ("machine",)),
        40,
        "models or algorithms are built, improved or evaluated",
    ),
    Rule(
        "model-output",
        "ai",
        "ai_feature",
        0.75,
        (("machine",), ("output",)),
        40,
        "models or algorithms produce, predict or learn",
    ),
    Rule(
        "automated-decisions",
        "automated_decisions",
        "automated_decisions",
        0.85,
        (("automated_decision",),),
        None,
        "decisions about people are made by automated means",
    ),
    Rule(
        "algorithmic-decisions",
        "automated_decisions",
        "automated_decisions",
        0.8,
        (("decider", "machine"), ("decision",)),
        80,
        "algorithms or automated systems decide about people or accounts",
    ),
    Rule(
        "ai-wording",
        "ai",
        "ai_feature",
        0.75,
        (("ai",),),
        None,
        "AI, machine learning or generative AI is named",
    ),
    Rule(
        "ai-product",
        "ai_product",
        "ai_feature",
        0.7,
        (("product", "product_shape"),),
        None,
        "an AI product or assistant is named",
    ),
    Rule(
        "ai-name",
        "ai_product",
        "ai_feature",
        0.7,
        (("named_ai",),),
        None,
        "an AI product is named by the name the document gives it",
    ),
    Rule(
        "assistant-memory",
        "ai",
        "ai_feature",
        0.7,
        (("memory",),),
        None,
        "an assistant remembers past conversations",
    ),
)

CATEGORIES = ("training", "automated_decisions", "ai_feature", "none")

# ---------------------------------------------------------------------------------------------------------
# What is not a statement of the policy (page furniture), and what a product's name alone does not make news.
# ---------------------------------------------------------------------------------------------------------

# Page furniture scores FURNITURE_FACTOR of its rule. Furniture is a heading, a line in bold, fewer than MIN_WORDS
# words, a label (fewer than MIN_STATEMENT_WORDS words, without a full stop and without "we": "AI-powered job
# search", "Gemini Apps Privacy Hub", "Manage your AI settings"), a short question ("What is Meta AI?": the answer
# is the statement), or a pointer elsewhere ("Learn more about ...").
FURNITURE_FACTOR = 0.4
MIN_WORDS = 4
MIN_STATEMENT_WORDS = 7
# The company speaking as "we" makes a statement; a button speaks to you ("Manage your AI settings").
PERSONS = re.compile(r"\b(?:we|nous|wir)\b", re.IGNORECASE)
POINTERS = re.compile(
    r"^(?:learn (?:more|how|about)|find out (?:more|how)|read (?:more|how)|more about|see|visit|go to|click|tap|"
    r"check out|chat with|ask|try|discover|explore|"
    r"en savoir plus|pour en savoir plus|apprenez|découvrez|consultez|voir|discutez avec|essayez|"
    r"mehr erfahren|weitere informationen|erfahren sie|erfahre|siehe|besuchen sie|chatten sie mit|probieren sie|"
    r"for (?:more )?(?:help|information|details|assistance|support)\b[^.]*\b(?:visit|see|go to|contact)|"
    r"pour (?:toute aide|obtenir de l['’]aide|plus d['’]informations)|für (?:hilfe|weitere informationen))\b",
    re.IGNORECASE,
)

# A date stamp: when the document was updated, reviewed or takes effect ("Last updated: 1 June 2025"). Furniture.
DATE_STAMP = re.compile(
    r"^(?:last (?:updated|reviewed|modified|revised|changed)|effective(?: date| as of| from| on)?|updated|"
    r"date of (?:last )?(?:update|revision)|dernière (?:mise à jour|révision|modification)|mis à jour le|"
    r"en vigueur (?:le|à compter du|depuis le)|date d['’]effet|zuletzt (?:aktualisiert|geändert|überprüft)|"
    r"stand|gültig (?:ab|seit)|letzte (?:aktualisierung|änderung))\b",
    re.IGNORECASE,
)

# A sentence whose only AI term is a product's name, in a clause about prices, bills, trademarks or contact
# details (an e-mail or a postal address included), says nothing about what the product does ("Nimbus AI is
# billed monthly"): furniture too.
COMMERCE = re.compile(
    r"\b(?:bill(?:s|ed|ing)?|invoic\w*|pric(?:e|es|ed|ing)|fees?|charg(?:e|es|ed|ing)|costs?|refund\w*|"
    r"tax(?:es)?|VAT|renew\w*|trademarks?|contact us|e-?mail us|write to (?:us|our)|call us|payments? (?:for|are|is)|"
    r"payment (?:processors?|providers?)|paiements? (?:pour|sont|est)|Zahlungen (?:für|werden)|Zahlungsdienst\w*|"
    r"customer (?:service|support)|support team|service client|Kundenservice|Kundendienst|returns? policy|"
    r"be returned|politique de retour|Rückgabe\w*|"
    r"factur\w*|prix|tarif\w*|frais|rembours\w*|taxes?|TVA|renouvel\w*|marques? déposées?|contactez-nous|"
    r"écrivez-nous|Rechnung\w*|abgerechnet|Abrechnung\w*|Preis\w*|Gebühr\w*|Kosten|Erstattung\w*|erstattet|"
    r"Steuer\w*|MwSt|verlänger\w*|Marken?|Warenzeichen|kontaktieren Sie)\b|[™®]|\S@\S|"
    r"[$€£¥] ?\d|\d ?[$€£¥]|\b(?:USD|EUR|GBP|CHF)\b|"
    # a postal address: "4 Mercer Quay", "38 avenue John F. Kennedy", "Torstraße 49", "PO Box 12", a postcode
    r"(?-i:\b\d{1,5}[a-z]?,? (?:[A-Z][\w’'.-]* ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Drive|"
    r"Way|Place|Square|Quay|Court|Parkway|Terrace|Row|Plaza|Wharf)\b)|"
    r"\b\d{1,4}(?: bis| ter)?,? (?:rue|avenue|boulevard|quai|allée|impasse) (?-i:[A-Zd])|"
    r"(?-i:\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|weg|platz|allee|gasse|damm|ufer) \d{1,4}[a-z]?\b)|"
    r"\b(?:P\.? ?O\.? Box|Postfach|boîte postale)\b|"
    r"(?-i:\b(?:[A-Z]{2} \d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|[A-Z]\d{2} [A-Z\d]{4}|"
    r"(?<=, )\d{5} [A-ZÄÖÜ][a-zäöüß]+)\b)",
    re.IGNORECASE,
)

# A sentence that points back at what the sentence before it said: when that sentence speaks of AI, so does this
# one. A demonstrative with a noun that names the use, the data or the machine ("You can object to this use", "to
# improve these technologies"; not "these suggestions" or "this page"), the purpose ("for this purpose", "à cette
# fin", "hierfür"), a right to object or a switch that can only be that use's ("You can turn this off", "Vous
# disposez d'un droit d'opposition", "Widerspruchsrecht", "This form is available to users in ..."), where it
# applies ("This section does not apply to users in the UK"), or the machine itself doing more ("It can also ...",
# "il peut également ...", "trägt er außerdem ... ein"; a pronoun alone is too often nobody).
REFERS_BACK = re.compile(
    r"\b(?:this|that|such|these|those) (?:uses?|processing|training|technolog(?:y|ies)|models?|features?|tools?|"
    r"systems?|data|information|content|conversations?|chats?|purposes?|settings?)\b|"
    r"\b(?:object|objecting|opt(?:ing)? out) (?:to |of )?(?:it|this|that|such)\b|"
    r"\byou (?:can|may) (?:opt out|object|withdraw|stop|turn off|switch off|disable)\b|"
    r"\bvous pouvez (?:refuser|désactiver|retirer votre consentement|arrêter|vous désinscrire)\b|"
    r"\b(?:Sie|du) (?:können|kannst) (?:dies |das )?(?:jederzeit )?(?:deaktivieren|abschalten|ausschalten|"
    r"widerrufen|abbestellen)\b|"
    r"\b(?:right to object|opt-out)\b|"
    r"\b(?:this|that|such an?) (?:right|option|choice|objection|consent|form)\b|"
    r"\b(?:this|that|it|this (?:section|clause|paragraph|provision)) (?:does not|doesn['’]t|will not|won['’]t|only|"
    r"also|no longer) appl(?:y|ies)\b|"
    r"\b(?:ce droit|cette option|ce choix|cette opposition|ce consentement|ce formulaire)\b|"
    r"\b(?:cela|ceci) ne s['’]applique\b|\bne s['’]applique pas\b|"
    r"\b(?:dieses Recht|diese Option|diese Wahl|dieser Widerspruch|diese Einwilligung|dieses Formular)\b|"
    r"\b(?:dies|das|dieser Abschnitt|diese Regelung) gilt (?:nicht|nur|auch)\b|"
    r"\b(?:turn|switch|turning|switching) (?:this|it|that) off\b|\b(?:turn|switch) off (?:this|it|that)\b|"
    r"\b(?:disable|deactivate|stop) (?:this|it|that)\b|"
    r"\b(?:it|they) (?:can |may |will |could |might )?(?:also|additionally)\b|"
    r"\b(?:cette|cet|ces|ce|ladite|lesdites) (?:utilisations?|traitements?|entraînement|technologies?|modèles?|"
    r"fonctionnalités?|outils?|systèmes?|données|informations|contenus?|conversations?|finalités?|fins?|"
    r"paramètres?|mémoire)\b|"
    r"\b(?:vous y opposer|vous opposer à (?:cette|ce|ces)|droit d['’]opposition|désactiver (?:cette|ce|ces))\b|"
    r"\b(?:il|elle|ils|elles) (?:peut|peuvent|pourra|pourront|va|vont|sait|savent)? ?(?:également|aussi|en outre)\b|"
    r"\b(?:diese[rnms]?|solche[rnms]?) (?:Nutzung|Verwendung|Verarbeitung|Training|Technologien?|Modelle?|"
    r"Funktionen?|Tools?|Systeme?|Daten|Informationen|Inhalte?|Unterhaltungen|Chats?|Zwecke?|Einstellung)\b|"
    r"\b(?:dem|dagegen) (?:[\w-]+ ){0,6}?widersprechen\b|\bWiderspruchsrecht\w*|\b(?:hierfür|zu diesem Zweck)\b|"
    r"\ber (?:\w+ ){0,3}?(?:außerdem|zudem|ebenfalls)\b|\b\w+ er (?:außerdem|auch|zudem|ebenfalls)\b|"
    # done without a person, after the machine that decides it: "Content it flags is removed without human review"
    r"\bwithout (?:any )?(?:human|manual) (?:review|oversight|involvement)\b|\bwithout review by a (?:human|person)\b|"
    r"\bsans (?:aucun )?(?:examen|contrôle|vérification) humaine?\b|"
    r"\bohne (?:menschliche|manuelle) (?:Prüfung|Überprüfung|Kontrolle)\b",
    re.IGNORECASE,
)

# An automatic action done to what a machine marked is that machine's decision: after "We use machine learning to
# score orders", "Orders with a high score are cancelled automatically", "Les annonces repérées sont retirées
# automatiquement", "Markierte Übertragungen werden automatisch gesperrt", "If the model flags a listing, we remove it
# automatically". An action without such a mark is the service's rule ("Unpaid orders are cancelled automatically
# after 7 days"). The action is looked for first (rare), then a mark in the MARK_REACH characters before it.
AUTOMATIC_ACTION = re.compile(
    r"\b(?:removed|deleted|cancell?ed|blocked|suspended|rejected|declined|refused|disabled|banned|hidden|"
    r"restricted|closed|terminated|denied|taken down) automatically\b|\bautomatically (?:removed|deleted|"
    r"cancell?ed|blocked|suspended|rejected|declined|refused|disabled|banned|hidden|restricted|closed|terminated|"
    r"denied|taken down)\b|\b(?:remove|delete|cancel|block|suspend|reject|decline|hide|ban|take down)s? (?:it|them) "
    r"automatically\b|"
    r"\b(?:supprimée?s?|annulée?s?|bloquée?s?|suspendue?s?|rejetée?s?|refusée?s?|masquée?s?|désactivée?s?|"
    r"retirée?s?) automatiquement\b|\bautomatiquement (?:supprimée?s?|annulée?s?|bloquée?s?|suspendue?s?|"
    r"rejetée?s?|refusée?s?|masquée?s?|désactivée?s?|retirée?s?)\b|"
    r"\bautomatisch (?:gesperrt|gelöscht|storniert|entfernt|abgelehnt|blockiert|deaktiviert|ausgeblendet)\b",
    re.IGNORECASE,
)
MARKED_BY_A_MACHINE = re.compile(
    r"\b(?:flagged|flags|scored|(?:high|low|elevated|risk|fraud|confidence|spam|trust) scores?|high-risk|"
    r"detected|classified as|predicted|signalée?s?|repérée?s?|détectée?s?|classée?s? comme|score|"
    r"markierte?[nrs]?|markiert|erkannte?[nrs]?|auffällige?[nrs]?|verdächtige?[nrs]?|eingestufte?[nrs]?|"
    r"Risikowert\w*)\b",
    re.IGNORECASE,
)
MARK_REACH = 120
ACTIONS_READ = 5  # automatic actions looked at in one sentence (a hostile page repeats them)


def refers_back(text: str, start: int, end: int) -> bool:
    """Does text[start:end] point back at what the sentence before it said (REFERS_BACK), or act automatically on
    what a machine marked (AUTOMATIC_ACTION after MARKED_BY_A_MACHINE)?"""
    if REFERS_BACK.search(text, start, end):
        return True
    for count, action in enumerate(AUTOMATIC_ACTION.finditer(text, start, end)):
        if count >= ACTIONS_READ:
            break
        if MARKED_BY_A_MACHINE.search(text, max(start, action.start() - MARK_REACH), action.start()):
            return True
    return False


# What a model makes of a person that a later sentence can take up: a score, a rating, a ranking, a prediction, an
# assessment, an estimate, a transcript, a translation. A sentence that takes up two words in a row of the AI
# sentence just before it, one of them such a word ("your driving score" after "a machine-learning model ...
# produces a driving score"), or such a word after a demonstrative ("Ce score", "Diese Bewertung", "this rating"), is
# about what that model made. Not results, answers, responses, decisions, summaries, suggestions, recommendations or
# anything "personalised" or "generated": in the corpus nearly every sentence that holds one says nothing of AI
# ("Recommended products can be returned within 30 days", "Hiring decisions are communicated by email"), and a
# review found as many false alarms; nor any noun after a demonstrative ("This card remains the property of the
# bank" after "We use machine learning to spot unusual activity on your debit card").
MODEL_MAKES = re.compile(
    r"^(?:scores?|scoring|ratings?|rankings?|predictions?|forecasts?|assessments?|estimates?|transcripts?|"
    r"translations?|classifications?|"
    r"classements?|prédictions?|prévisions?|évaluations?|estimations?|transcriptions?|traductions?|"
    r"\w*(?:score|bewertung|einstufung|prognose|vorhersage|schätzung|transkript|übersetzung)(?:s|en|n)?)$",
    re.IGNORECASE,
)

# What an AI sentence names that the next sentence can take for its subject ("The agent asks for your confirmation"
# after "our AI agent can place orders"; "The provider keeps the text for 30 days" after "our model provider"): the
# things an AI product is, or that run it for a company. A closed list: a review of an open one found the next
# sentence's "Our vision" after "computer vision", "Our network" after "neural networks", "The Office" after "the AI
# Office", "Devices", "The team", "Meta" (after "train Meta's models") read as the AI thing.
AI_THING = re.compile(
    r"^(?:agents?|assistants?|providers?|chatbots?|bots?|companions?|copilots?|"
    r"fournisseurs?|prestataires?|robots?|conversationnels?|"
    r"agenten|assistent(?:in|en)?|anbieter[sn]?|dienstleister[sn]?)$",
    re.IGNORECASE,
)
# A noun with a qualifier of its own names something else: "Agents at our call centre", "The assistant to our DPO",
# "Der Agent unserer Versicherung", "L'agent immobilier".
QUALIFIED = re.compile(
    r"\s*(?:at|of|to|for|from|in|on|with|de|du|des|d['’]|à|au|aux|immobiliers?|commerciaux|commercial|"
    r"unser(?:e[rsmn]?)?|der|des|von|bei|für)\b",
    re.IGNORECASE,
)
# What a company is, rather than what its AI does: where it is incorporated or seated, when its office is open.
CORPORATE_FACT = re.compile(
    r"\b(?:incorporated|registered (?:in|office|address)|headquarter(?:s|ed)|office hours|opening hours|"
    r"siège|immatricul\w*|horaires|Sitz|Handelsregister|eingetragen|Öffnungszeiten|Geschäftszeiten)\b",
    re.IGNORECASE,
)

# A demonstrative and the word after it (DEMONSTRATIVE). In German the noun is the first of the next two words with a
# capital ("dieser neue Score").
DEMONSTRATIVE = re.compile(
    r"\b(?:(?:[Tt]his|[Tt]hese|[Tt]hose|[Ss]uch|[Cc]e|[Cc]et|[Cc]ette|[Cc]es) "
    r"|(?P<de>[Dd]iese[mnrs]?|[Ss]olche[mnrs]?) )(?P<first>[\w’'-]+)(?: (?P<second>[\w’'-]+))?"
)
# A link's address is no text: its words make no pair ("/help/linkedin/answer/a1337820").
LINK_ADDRESS = re.compile(r"\]\([^)\s]*\)|\b(?:https?://|www\.)\S+|\(\S*/\S*\)")

# A sentence can join two statements: "We use your prompts to improve our models, and we share your billing address
# with our payment processor, Stripe". An edit inside the last joined statement is no AI change when it is the
# company's routine business (ROUTINE_BUSINESS: its invoices, its payment processor, tax) and stands on its own. A
# statement is joined when the company speaks again after "and", "but" or a semicolon ("and we", "et nous", "und
# wir"; in German also a verb with its subject left out, whose statement ends with its verb or particle: "und
# bewahren Rechnungsdaten ... auf", not the list "und früheren Rechnungsdaten der letzten zwei Jahre"). A comma alone
# is no join: "If you object, we stop" is one statement, its condition first. Words that open a clause limiting the
# one before ("unless", "except", "which", "where") never join.
CLAUSE_JOIN = re.compile(
    r"(?:, (?:and|but|while|whereas)|;(?: and| but)?) (?=we\b)|"
    r"(?:, (?:et|mais|tandis que)|;(?: et| mais)?) (?=nous\b)|"
    r"(?:, (?:und|aber|sowie)|;(?: und| aber)?) (?=wir\b)|"
    r"(?P<elided>, und (?=(?!(?:den|denen|deren|dessen|diesen|einen|keinen|meinen|deinen|seinen|ihren|unseren|euren|"
    r"allen|anderen|jenen|jeden|solchen|welchen|beiden|vielen|wenigen|einigen|manchen|mehreren|eben|oben|unten|"
    r"neben|gegen|zwischen|trotzdem)\b)[a-zäöüß]+en\b))",
)
ENDS_WITH_VERB = re.compile(r"(?<![\w-])[a-zäöüß]+\W*$")
ROUTINE_BUSINESS = re.compile(
    r"\b(?:invoic\w*|payment (?:processors?|service providers?|providers?)|tax(?:es)?|VAT|"
    r"factur\w*|prestataires? de (?:services de )?paiement|TVA|"
    r"Rechnung\w*|Zahlungsdienst\w*|Zahlungsanbieter\w*|Steuer\w*|MwSt|USt)\b",
    re.IGNORECASE,
)
# What an AI feature takes in and gives back: conversations, prompts, transcripts, recordings, memories.
_EXCHANGES = (
    r"conversations?|chats?|prompts?|memories|transcripts?|recordings?|échanges|invites|transcriptions?|"
    r"enregistrements?|souvenirs|Unterhaltungen|Konversationen|Chats?|Eingaben|Prompts?|Transkript(?:e|ionen)?|"
    r"Aufnahmen|Aufzeichnungen|Erinnerungen"
)

# What makes a statement about invoices or payments more than routine business: a price ("we invoice the
# subscription at €15 a month" can be the price of saying no to training), data sent, filed or read ("we send our
# payment processor a risk rating", "we file your tax return automatically", "we read the full text of your
# invoices"), something done automatically, what an AI feature takes in (chats, prompts, recordings), or what a model
# made (MODEL_MAKES, read word by word).
NOT_ROUTINE = re.compile(
    r"[$€£¥] ?\d|\d ?(?:[$€£¥]|euros?|dollars?|pounds?)|\b(?:USD|EUR|GBP|CHF)\b|"
    r"\b(?:send|sends|sent|sending|transmit\w*|files?|filed|filing|forward\w*|disclos\w*|read|reads|reading|"
    r"access\w*|analy[sz]\w*|scan\w*|use|uses|used|using|automatic\w*|"
    r"transmet\w*|envo\w*|communiqu\w*|lis|lisons|lit|lisent|analys\w*|utilis\w*|automatique\w*|"
    r"übermitt\w*|weiterge\w*|weitergeb\w*|sende\w*|übertrag\w*|lesen|liest|analysier\w*|nutz\w*|"
    # what an AI feature takes in: "and we share your billing address and your chat history with Stripe"
    rf"automatisch\w*|{_EXCHANGES})\b",
    re.IGNORECASE,
)
# A word that ties a joined statement to what was said before it: a pointer ("we keep them", "nous les conservons",
# "und speichern sie", "for that purpose", "lesdits échanges"), "also" ("and we also include your billing history"),
# or a choice about it ("users who opt out", "qui refusent", "bei einem Widerspruch", "consent"): such a statement
# may be about the AI clause, so it is not one of its own.
BACK_POINTER = re.compile(
    r"(?i:\b(?:it|its|them|they|their|theirs|this|that|these|those|such|so|same|former|latter|which|whose|"
    r"there(?:of|in|by|for|to|with)?|also|likewise|too|additionally|further|furthermore|"
    r"ce|cet|cette|ces|ceux|celles?|celui|cela|ceci|ça|ils|elles|dont|lesquel\w*|auxquel\w*|ledit|ladite|lesdite?s|"
    r"également|aussi|même|"
    r"es|ihn|ihm|ihnen|diese[mnrs]?|dies|solche[mnrs]?|deren|dessen|welche[mnrs]?|auch|ebenfalls|zudem|außerdem|"
    r"da(?:zu|für|von|mit|rauf|raus|rüber|bei|durch|nach|ran|rin)|hier(?:für|zu|von|bei|mit))\b)|"
    r"(?i:\b(?:nous|vous|ils|elles|on) (?:ne )?(?:(?:les|le|la|en|y|leur|lui)\b|l['’])|\bs['’]y\b)|"
    r"\bsie\b|"
    r"(?i:\b(?:opt(?:s|ed|ing)?[ -]?out|object\w*|declin\w*|refus\w*|withdr[ae]w\w*|exclu\w*|consent\w*|"
    r"turn(?:s|ed|ing)? off|switch(?:es|ed|ing)? off|disabl\w*|oppos\w*|désactiv\w*|retir\w*|"
    r"widersp\w*|einwillig\w*|teilnehm\w*|teilzunehmen|ablehn\w*|abgelehnt|deaktivier\w*|ausschl\w*|ausgeschlossen)\b)",
)

# ---------------------------------------------------------------------------------------------------------
# The names a document gives its AI products (names.py): "Orbit, our AI assistant, helps you ...", "Lumen is the
# family of large language models we build", "the AI note-taker Scribe", "l’assistant IA Alto", "Kompass ist unser
# KI-gestützter Assistent". A name counts when its description (the words after the determiner, up to a comma or
# a word that opens a clause of its own) holds an AI term: "Instagram is a photo app that uses AI" names nothing.
# ---------------------------------------------------------------------------------------------------------

_DETERMINER = (
    r"(?:(?:[Oo]ur|[Tt]he|[Aa]n?|[Ii]ts|[Yy]our|[Nn]otre|[Vv]otre|[Ll]eur|[Ss]on|[Ss]a|[Uu]ne?|[Ll]e|[Ll]a|"
    r"[Uu]nser(?:e[mnrs]?)?|[Ii]hr(?:e[mnrs]?)?|[Ee]in(?:e[mnrs]?)?|[Dd]er|[Dd]ie|[Dd]as|[Dd]em|[Dd]en) |[Ll][’'])"
)
NAME_TOKEN = re.compile(rf"(?<![\w’'-]){_NAMES}(?![\w’'-])")
# "Orbit is our AI assistant", "Alto est notre assistant vocal doté d’intelligence artificielle".
NAME_IS = re.compile(rf"^[\W_]*(?P<name>{_NAMES}),? (?:is|are|est|sont|ist|sind) {_DETERMINER}(?P<description>.+)")
# "Orbit, our AI assistant, ...", "Finn (unser KI-Assistent)". Not after German "der", "die" or "das", which also
# open a relative clause: "die Reise-App, die KI-Funktionen anbietet" names no AI product.
NAME_THEN_DESCRIPTION = re.compile(
    rf"(?<![\w’'])(?P<name>{_NAMES}) ?[,(–—] ?(?![Dd](?:er|ie|as|em|en) ){_DETERMINER}(?P<description>.+)"
)
# "the AI assistant Orbit", "our AI features (“Sparks”)", "dem KI-Assistenten Kompass", "l’assistant IA Alto": the
# description ends with what the product is (AI_HEAD), so that a German noun after it ("die KI-Funktion unserer
# Reise-App") is no name.
DESCRIPTION_THEN_NAME = re.compile(
    rf"(?<![\w’']){_DETERMINER}(?P<description>(?:[\w’'-]+ ){{0,3}}[\w’'-]+),? "
    rf"(?:(?:called|named|known as|appelée?|nommée?|namens|genannt) )?[“\"«„‘(]*(?P<name>{_NAMES})"
)
AI_HEAD = re.compile(
    r"(?:^|[\s’'-])(?:assistante?s?|assistent(?:en|in)?|agents?|agenten|companions?|chatbots?|bots?|models?|modèles?|"
    r"modell(?:e|en)?|features?|fonctionnalités?|funktion(?:en)?|tools?|outils?|systems?|systèmes?|systeme?|"
    r"copilot(?:e|s)?|note-?takers?|engines?|moteurs?|tutors?|tuteurs?|tutor(?:en|in)?|coach(?:es)?|helpers?|"
    r"advis[eo]rs?|conseill[eè]re?s?|berater(?:in)?|concierges?|stylists?|writers?|editors?|translators?|"
    r"traducteurs?|übersetzer|ia|ai|ki|ml|llms?)$",
    re.IGNORECASE,
)
# Words that open a clause of their own, or a phrase about something else: a description stops before them.
DESCRIPTION_ENDS = frozenset(
    """
    that which who whom whose where when while we you it they to for in on at with by from and or but if because
    so than qui que qu où dont nous vous il elle ils elles pour avec dans sur par et ou mais si afin der die das
    welche welcher welches wir sie es für mit im auf an am von vom und oder aber wenn dass um zu bei
    """.split()
)
# A description goes on with how the product is made, after a comma or not: "…, basé sur l’intelligence
# artificielle", "a chat assistant powered by a large language model", "un assistant fondé sur un grand modèle de
# langage" (the little word of the phrase would otherwise end the description).
MADE_WITH = (
    r"(?:based on|powered by|built on|built with|using|basée? sur|fondée? sur|reposant sur|dotée? d|utilisant|"
    r"gestützt|basierend auf|auf Basis)\b"
)
DESCRIPTION_GOES_ON = re.compile(rf", {MADE_WITH}")
MADE_WITH_WORDS = re.compile(MADE_WITH, re.IGNORECASE)
# Capitalised words that name a law, a document or a team, never a product ("the AI Act", "our AI Principles").
NOT_A_PRODUCT_NAME = frozenset(
    """
    Act Regulation Office Pact Verordnung Gesetz Terms Policy Policies Principles Guide Center Centre Hub Settings
    Notice Standards Rules Code Team Teams Lab Labs Feature Features Product Products Section Article Annex
    """.split()
)

# A sentence of a section that points back to what the section's heading names: a demonstrative before anything but
# a legal document ("this text", "these features", "ces données", "diese Funktionen"; not "These Additional Terms"),
# or the processing, the feature or the data named as known ("The processing takes place in France").
SECTION_REFERENCE = re.compile(
    r"\b(?:this|these|such|that|those) (?!(?:[\w-]+ )?(?:terms|policy|policies|agreement|notice|section|page|"
    r"document|website|site|app|service|services)\b)[a-z]\w*|"
    r"\b(?:ce|cet|cette|ces) (?!(?:conditions|politique|contrat|accord|avis|section|page|document|site|service|"
    r"services|application)\b)[a-zàâçéèêëîïôûù]\w*|"
    r"\b(?:dies|diese[rnms]?|solche[rnms]?) (?!(?:[\w-]+ )?(?:Bedingungen|Richtlinie|Vereinbarung|Erklärung|"
    r"Hinweise?|Abschnitt|Seite|Dokument|Website|App|Dienste?)\b)\w+|\bdies\b|"
    r"^(?:(?:the )?(?:processing|storage|retention|feature|features|data|requests?|inputs?|outputs?)|le traitement|"
    r"la fonctionnalité|les (?:données|requêtes|fonctionnalités)|die (?:Verarbeitung|Funktion|Funktionen|Daten|"
    r"Anfragen)|Verarbeitung|Speicherung)\b|"
    # what such a feature takes and gives, as a statement's subject: "Conversations are kept for 18 months", "Vos
    # conversations sont conservées 12 mois", "Ihre Eingaben werden in den USA verarbeitet"
    rf"^(?:(?:your|the|all|vos|les|toutes les|Ihre|die|alle) )?(?:{_EXCHANGES})\b|"
    # its switch's default: "The setting is on by default", "L’option ... est activée par défaut"
    r"\b(?:option|setting|toggle|paramètre|réglage|Einstellung)\b[^.!?]{0,80}?(?:\b(?:on|off|enabled|disabled|"
    r"selected|checked) by default|\b(?:activée?|désactivée?|cochée?) par défaut|\bstandardmäßig (?:aktiviert|"
    r"deaktiviert|eingeschaltet|ausgeschaltet))\b|\bby default,? (?:the|this) (?:option|setting|toggle)\b|"
    # what was named before, done to again: "Lumen Labs may also use them", "Wir speichern sie", "nous les conservons"
    r"\b(?:use|uses|used|keep|keeps|kept|store|stores|stored|delete|deletes|deleted|share|shares|shared|process|"
    r"processes|processed|review|reviews|reviewed|analy[sz]es?|send|sends|sent) (?:them|it)\b|"
    r"\b(?:les|la|le|l['’]) ?(?:conserv|utilis|supprim|partag|trait|analys|envoi|envoy|examin)\w*|"
    r"\b(?:speicher|lösch|verwend|nutz|teil|verarbeit|übermittel|prüf)\w* (?:wir |sie |die |der )?(?:sie|es)\b|"
    # the product the heading names, called by its kind with a capital ("the Assistant", "l'Assistant")
    r"(?-i:\b(?:the|The|l['’]|L['’]|den|dem|der|Der|Den|Dem) ?(?:Assistant|Assistent(?:en)?|Agent(?:en)?|Companion|"
    r"Copilot)\b)",
    re.IGNORECASE,
)

# What a section's statement takes for its subject (verdict.py): the noun its heading names is the last word of the
# heading's first phrase, which ends at a colon, a dash, a bracket or a preposition ("Summaries of meetings",
# "Résumés de réunion générés par IA", "KI-Funktionen in Merkzettel"); the subject is read after a list's mark and a
# determiner ("the", "your", "les", "Ihre"). Words of a heading that name no thing of their own are no subject:
# "Assistant data", "How we use AI in our features".
HEADING_PHRASE_END = re.compile(
    r"\s*[:–—(|]\s*|\s+-\s+|\s+(?:of|for|in|on|at|about|with|by|from|and|to|de|du|des|d['’]|par|pour|dans|avec|et|"
    r"à|von|für|mit|bei|und|zur|zum)\s+",
    re.IGNORECASE,
)
SUBJECT_LEAD = re.compile(
    r"^[\W\d_]*(?:(?:the|your|our|its|their|these|those|vos|nos|les|leurs|ces|le|la|Ihre|unsere|die|der|das|"
    r"diese)\s+|l['’]\s*)?",
    re.IGNORECASE,
)
HEADING_GENERIC = frozenset(
    """
    data information info content contents features feature services service products product tools tool settings
    setting choices choice controls control terms policy privacy personal your yours about with when what which
    where using used uses more other additional general overview this that these their them they from into
    données informations contenus contenu fonctionnalités fonctionnalité services produits outils paramètres
    choix votre notre leur leurs avec pour dans comment quand quoi autres
    daten informationen inhalte inhalt funktionen funktion dienste dienst produkte einstellungen auswahl ihre
    unsere wann welche andere weitere über
    """.split()
)
# A sentence that denies ("We do not use cookies to train AI models"): an opening that says its subject is no AI.
NEGATION = re.compile(
    r"\b(?:not|never|no|don['’]t|doesn['’]t|won['’]t|ne|n['’]|pas|jamais|aucune?|nicht|nie|niemals|kein\w*)\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------------------
# Sentence keys: what makes two wordings the same statement.
# ---------------------------------------------------------------------------------------------------------

# Little words that are a limit before a number: "under 18" and "over 18" are not one statement.
THRESHOLDS = frozenset({"under", "over", "unter", "über"})

# Words without meaning of their own, so that "like" reads as "such as" and "Google's" as "Google’s".
# Negations, possessives, modal verbs and quantifiers ("all", "some", "most") are never here: "we do not train"
# must differ from "we train", "all of your posts" from "some of your posts".
STOPWORDS = frozenset(
    """
    a an the and or but of to in on at by for from with as such like eg ie etc example examples instance
    including include includes that which who whom whose this these those it we us you they them he she his
    her is are was were be been being am do does did have has had shall should can could would also any each
    other more so than then there here where when how what why if into onto over under about via per very
    just both either whether
    le la les un une des du de et ou mais au aux en dans par pour sur avec ce cet cette ces ceux celles qui
    que qu quoi dont où nous vous ils elles il elle son sa ses se est sont être été ont avons avez avoir comme
    tel telle tels telles exemple notamment compris ainsi aussi plus très
    der die das den dem des ein eine einen einem einer eines und oder aber von zu zum zur im an am auf aus
    bei mit für über unter durch als wie beispiel beispielsweise etwa einschließlich sowie auch dass daß wir
    sie ist sind war waren sein werden wird wurde wurden haben hat hatte es er sich dies diese dieser dieses
    """.split()
)

# Contractions written out before words are counted, so that a negation is a word of its own: "can't" reads as
# "can not" (not as "can"), "don't" as "do not", French "n’utilisons plus" as "ne utilisons plus"; and the prefix
# of "de-identified" stays with its word (French "de" is a little word).
# Each comes with a letter it needs, so that a text without one is not searched.
WRITTEN_OUT: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (hint, re.compile(pattern), replacement)
    for hint, pattern, replacement in (
        ("'", r"n't\b", " not"),
        ("’", r"n’t\b", " not"),
        ("'", r"\bn'(?=\w)", "ne "),
        ("’", r"\bn’(?=\w)", "ne "),
        ("de-", r"\bde-(?=\w)", "de"),
        ("ß", r"ß", "ss"),
    )
)

# Numbers written out, as the digits a house style may use instead ("kept for thirty days", "for 30 days"): the
# same statement. Not the articles that are also "one" ("un", "une", "ein", "eine"), nor French "neuf" ("new" as
# often as "nine"). Stored keys are rebuilt when this changes (migration 0014).
_UNITS = (
    "one two three four five six seven eight nine",
    "un deux trois quatre cinq six sept huit neuf",
    "ein zwei drei vier fünf sechs sieben acht neun",
)
_TENS = (
    (20, "twenty vingt zwanzig"),
    (30, "thirty trente dreissig"),
    (40, "forty quarante vierzig"),
    (50, "fifty cinquante fünfzig"),
    (60, "sixty soixante sechzig"),
    (70, "seventy soixante-dix siebzig"),
    (80, "eighty quatre-vingts quatre-vingt achtzig"),
    (90, "ninety quatre-vingt-dix neunzig"),
)
WRITTEN_NUMBERS: dict[str, str] = {
    word: str(value)
    for value, words in enumerate(
        (
            "one",
            "two deux zwei",
            "three trois drei",
            "four quatre vier",
            "five cinq fünf",
            "six sechs",
            "seven sept sieben",
            "eight huit acht",
            "nine neun",
            "ten dix zehn",
            "eleven onze elf",
            "twelve douze zwölf",
            "thirteen treize dreizehn",
            "fourteen quatorze vierzehn",
            "fifteen quinze fünfzehn",
            "sixteen seize sechzehn",
            "seventeen siebzehn",
            "eighteen achtzehn",
            "nineteen neunzehn",
        ),
        start=1,
    )
    for word in words.split()
} | {word: str(value) for value, words in _TENS for word in words.split() if "-" not in word}
# Numbers of two words or more, read before the text is cut into words: "twenty-four", "vingt-quatre",
# "vingt-et-un", "soixante-dix", "quatre-vingt-dix", "vierundzwanzig"; and a number given twice, in words and in
# digits, as contracts write it ("thirty (30) days").
_COMPOUND_VALUES = {word: value for value, words in _TENS for word in words.split()} | {
    word: value for words in _UNITS for value, word in enumerate(words.split(), start=1)
}
COMPOUND_NUMBER = re.compile(
    r"\b(?P<whole>soixante-dix|quatre-vingt-dix|quatre-vingts?)\b(?!-)"
    r"|\b(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|vingt|trente|quarante|cinquante|soixante|"
    r"quatre-vingt)-(?:et-)?(?P<units>one|two|three|four|five|six|seven|eight|nine|un|deux|trois|quatre|cinq|"
    r"sept|huit|neuf)\b"
    r"|\b(?P<einer>ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun)und(?P<zehner>zwanzig|dreissig|vierzig|fünfzig|"
    r"sechzig|siebzig|achtzig|neunzig)\b"
)


# What every match of COMPOUND_NUMBER holds: a text without any is not searched (a key is made of every sentence of
# every version, and the search would cost a fifth of it).
COMPOUND_HINTS = ("ty-", "gt-", "te-", "tre-", "zig", "ssig")


def compound_number(match: re.Match[str]) -> str:
    """The digits of a number written in two words or more (a match of COMPOUND_NUMBER)."""
    if match["whole"]:
        return str(_COMPOUND_VALUES[match["whole"]])
    if match["tens"]:
        return str(_COMPOUND_VALUES[match["tens"]] + _COMPOUND_VALUES[match["units"]])
    return str(_COMPOUND_VALUES[match["zehner"]] + _COMPOUND_VALUES[match["einer"]])


# Spellings that are one word: British and American English ("personalise", "behaviour", "licence",
# "modelling"), and singular and plural (and apostrophes that an extraction dropped: "Glint's", "Glints").
SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=\w\w)is(e|es|ed|ing|ation|ations|er|ers)$", r"iz\1"),
        (r"(?<=\w\w)ys(e|es|ed|ing)$", r"yz\1"),
        (r"(?<=\w\w\w)our(s|ed|ing|able)?$", r"or\1"),
        (r"(?<=\w\w)tre(s)?$", r"ter\1"),
        (r"(?<=\w\w)ll(ed|ing|er|ers)$", r"l\1"),
        (r"(?<=\w\w)ence(s)?$", r"ense\1"),
        (r"(?<=\w\w)ogue(s)?$", r"og\1"),
        (r"(?<=\w\w)amme(s)?$", r"am\1"),
        (r"dgement(s)?$", r"dgment\1"),
        (r"(?<=\w\w[^\Ws])s$", ""),
    )
)

# Abbreviations whose full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    "e.g i.e eg ie etc inc ltd co no nr art abs mr mrs ms dr st vs cf z.b d.h u.a bzw vgl".split()
)

# The keys config.yaml may give under flag.extra_terms, and the kind of term each adds.
EXTRA_TERM_KINDS: dict[str, str] = {
    "ai": "ai",
    "ai_feature": "product",
    "product": "product",
    "training": "train",
    "train": "train",
    "model": "machine",
    "automated_decisions": "automated_decision",
    "automated": "automated_decision",
}
