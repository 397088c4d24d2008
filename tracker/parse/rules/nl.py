"""Dutch (Netherlands and Flanders: je and u forms)."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="de het een je jouw uw wij we en van voor niet is",
    name="Dutch",
    ai_at_meta=r"\bai bij meta\b|generatieve ai",
    objection=r"bezwaar",
    request=r"verzoek|aanvraag",
    right_to_object=r"recht (om )?bezwaar|bezwaar (te )?maken",
    approve=r"honoreren|gehonoreerd|inwilligen|ingewilligd|goedgekeurd|toegekend",
    decline=r"niet (honoreren|inwilligen|gehonoreerd|ingewilligd)|kunnen [^.\n]{0,80}niet|"
    r"afgewezen|helaas",
    acknowledge=r"hebben (je|uw) \w+ ontvangen|we (zullen|gaan) [^.\n]{0,80}beoordelen|"
    r"niet automatisch",
    info_requested=r"meer informatie nodig|aanvullende informatie nodig|"
    r"(beantwoord|reageer op|antwoord op) deze e-mail",
    conditional=r"^(als|indien|wanneer)\b|\b(als|indien) (je|jouw|uw)\b",
    login=r"betaling|inloggen|aanmelden|registr|wachtwoord|tweestaps|nieuw apparaat",
    case_word=r"(zaak|dossier|referentie|aanvraag)nummer|referentie|kenmerk",
    not_automatic=r"niet automatisch",
)
