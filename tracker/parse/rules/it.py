"""Italian, with Swiss usage (the formal Lei, Ticino's wording)."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="il la le tua tue tuo sua di per che e non gli lei una",
    name="Italian",
    ai_at_meta=r"\bia (in|di) meta\b|ia generativa",
    objection=r"opposizione|opporti|opporsi|opporvi",
    request=r"richiesta|istanza",
    right_to_object=r"diritto di (opporti|opporsi|opposizione)|opporti|opporsi",
    approve=r"accogli(ere|eremo|ere)|accolt[ao]|rispett(are|eremo|ata)|applicata|"
    r"approvat[ao]|dare seguito|daremo seguito",
    decline=r"non (possiamo|potremo|è possibile|siamo in grado)|respint[ao]|rifiutat[ao]|"
    r"non (verrà|sarà) (accolt|applicat)",
    acknowledge=r"abbiamo ricevuto|esaminer|valuter|non [^.\n]{0,120}automaticamente",
    info_requested=r"abbiamo bisogno di (ulteriori|maggiori|altre) informazioni|"
    r"(rispondi|risponda) a questa (e-mail|email)",
    conditional=r"^(se|quando)\b|\bse (la tua|tu|lei)\b",
    login=r"pagamento|accesso|accedere|\blogin|registrazione|password|due fattori|nuovo dispositivo",
    case_word=r"numero (di |del )?(caso|pratica|riferimento|richiesta)|riferimento",
    not_automatic=r"automaticamente",
)
