"""French, with Swiss usage (courriel, the formal vous) and 2025's "l'IA de Meta"."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="le la les vous votre vos nous de des et pour est à une",
    name="French",
    ai_at_meta=r"\bia (chez|de|à) meta\b|ia générative",
    objection=r"opposition|vous opposer|t'opposer|objection",
    request=r"demande|requête",
    right_to_object=r"droit de (vous |t')opposer|droit d'opposition|(vous |t')opposer",
    approve=r"respect(er|erons|é|ée)|accéd(er|erons|é)|accept(er|erons|é|ée)|fait droit|"
    r"donner suite|donnerons suite|favorablement",
    decline=r"ne (pouvons|pourrons) pas|pas en mesure|refus(er|ée|é)|rejet(er|ée|é)|"
    r"ne sera pas|n'avons pas pu",
    acknowledge=r"avons (bien )?reçu|examiner(ons)?|pas automatiquement|traiterons",
    info_requested=r"besoin (de plus d'|d')informations|besoin de précisions|"
    r"(répondre|répondez|réponds) (directement )?à (cet|ce) (e-mail|courriel|message)",
    conditional=r"^(si|lorsque|quand)\b|\bsi (votre|vous|ta|tu)\b",
    login=r"paiement|connexion|connecter|inscription|mot de passe|deux facteurs|nouvel appareil",
    case_word=r"numéro de (dossier|référence|cas|demande)|référence|dossier n",
    not_automatic=r"pas automatiquement",
    not_flow=r"personnaliser (votre expérience|les publicités|le contenu et les pub)",
)
